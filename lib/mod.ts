/**
 * The library's public surface (browser-safe: no Deno APIs). Files, data loading, experiments
 * and figures saved to disk are in `lib/io/mod.ts`.
 *
 * Data flows one way: data → model → gradient mode → trainer → notebook.
 *
 * @module
 */
export * from "./backend.ts";
export type { Calibration, CalibrationCache } from "./backend_calibration.ts";
export * from "./feedback/mod.ts";
export * from "./recurrent.ts";
export * from "./grads.ts";
export * from "./cells/mod.ts";
export * from "./ops/reverse_scan.ts";
export { linear, matMul } from "./ops/linear.ts";
export { type Complex, fftPermuted, ifftPermuted, nextPow2 } from "./ops/fft.ts";
export {
  WEBGPU_SCAN_KERNELS,
  webgpuReverseScan,
  type WebgpuReverseScanOptions,
  type WebgpuScanKernel,
} from "./ops/webgpu_scan.ts";
export * from "./models/mod.ts";
export * from "./train/adam.ts";
export * from "./train/clip.ts";
export * from "./train/schedule.ts";
export * from "./train/checkpoint.ts";
export * from "./train/step.ts";
export * from "./train/trainer.ts";
export * from "./config/schema.ts";
export * from "./config/parts.ts";
export * from "./config/overrides.ts";
export * from "./config/presets.ts";
export * from "./config/resolve.ts";
export * from "./data/batches.ts";
export * from "./data/synthetic.ts";
export * from "./data/vocab.ts";
export * from "./data/text.ts";
export type { SequenceSource } from "./data/sequence_source.ts";
export type { PackedSentences } from "./data/sentences.ts";
export type { BpeJson, BpeTokenizer } from "./data/bpe.ts";
export type { LoadRunDataOptions, RunData } from "./io/datasets.ts";
export type { DataFingerprint } from "./io/data_fingerprint.ts";
export {
  loadTorchState,
  type NamedTensor,
  TORCH_MODELS,
  torchName,
  torchState,
} from "./models/torch_names.ts";
export * from "./run.ts";
export { Rng, type RngState } from "./util/rng.ts";
