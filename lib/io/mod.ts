/**
 * The file-system side of the library (Deno): data directories and loading, committed results,
 * checkpoints and figures on disk.
 *
 * @module
 */
export * from "./committed_runs.ts";
export * from "./datasets.ts";
export * from "./figures.ts";
export * from "./dirs.ts";
export * from "./checkpoint_file.ts";
export { loadPtb } from "./ptb_loader.ts";
export { loadWikiTextSplit, loadWikiTextTokenizer } from "./wikitext_loader.ts";
export { loadTextData, readTextData } from "./text_loader.ts";
export * from "./safetensors.ts";
export { readRunConfig, type RunEnvironment, runEnvironment } from "./run_files.ts";
