/**
 * The same run in ours and in PyTorch (CI's replay), per parity case (lib/bench/parity_cases.ts):
 * 10 Adam steps per gradient mode on wasm, against PyTorch's numbers in
 * `tests/fixtures/parity/<case>.json` (made by `deno task parity --case <case>`, which runs
 * bench/torch_lm.py on the same initial weights and batches; the longer comparisons are in
 * results/parity*). Ours regenerates the weights from the seed and the batches from the data
 * order; the inputs' hash proves they are the ones PyTorch saw.
 *
 * - `ptb`: the PTB word recipe's model and shapes (GRU 1×256, batch 128, T ≤ 64);
 * - `wt-gru-3L`, `wt-lstm-3L`: the transformer-like model, 3 blocks, GRU or LSTM mixer, D = 64,
 *   WikiText-2 BPE 16k, T = 256, batch 2;
 * - `ptb-char`: rnn-lm GRU 1×256 on PTB characters, T = 256, batch 8.
 *
 * Tolerances of the new cases (gradients 1e-4 of each parameter's ‖g‖, as `ptb`; losses 1e-5 at
 * every step), measured with bench/parity_margin.ts on this project's machine: ours deviates
 * from the fixtures by ≤ 1.3e-6 (gradients) and ≤ 1.1e-7 (losses) on OpenBLAS, ≤ 7.7e-6 and
 * ≤ 2.1e-7 with DSF_BLAS=off (XNNPACK). A defect in the DSF backward moves them far more: λ × 0.99,
 * 1 − λ, λ's last unit 0, an LSTM's h and c halves of λ swapped, the last step's direct gradient
 * dropped, the recurrence cut to one step, dx halved, or the LSTM's c-gradient dropped deviate by
 * ≥ 3e-2 (gradients) and ≥ 1.6e-4 (losses) in every case (by case and defect in
 * results/parity-mutations/summary.md).
 * The new cases also assert that ours in one mode fails every other mode's numbers.
 */
import assert from "node:assert/strict";
import { loadRunData } from "../lib/io/datasets.ts";
import {
  batchesHash,
  parityBatches,
  parityConfig,
  parityModel,
  trainOurs,
} from "../lib/bench/parity.ts";
import { parityCase } from "../lib/bench/parity_cases.ts";
import {
  compareToFixture,
  type ParityFixture,
  type ParityTolerance,
} from "../lib/bench/parity_fixture.ts";
import { useBackend } from "./_util.ts";

const MODES = ["bptt", "ft-bptt", "dsf"];
const EVERY_STEP = (bound: number): [number, number][] =>
  Array.from({ length: 10 }, (_, i) => [i + 1, bound]);

/** Per case: the bounds, and whether the modes must be told apart (the new cases). */
const CASES: Record<string, { tol: ParityTolerance; separate: boolean }> = {
  ptb: { tol: { grad: 1e-4, losses: [[1, 1e-4], [2, 1e-3], [10, 1e-3]] }, separate: false },
  "wt-gru-3L": { tol: { grad: 1e-4, losses: EVERY_STEP(1e-5) }, separate: true },
  "wt-lstm-3L": { tol: { grad: 1e-4, losses: EVERY_STEP(1e-5) }, separate: true },
  "ptb-char": { tol: { grad: 1e-4, losses: EVERY_STEP(1e-5) }, separate: true },
};

for (const [name, { tol, separate }] of Object.entries(CASES)) {
  const fixture: ParityFixture = JSON.parse(
    Deno.readTextFileSync(
      new URL(`./fixtures/parity/${parityCase(name).fixture}`, import.meta.url),
    ),
  );
  for (const mode of MODES) {
    Deno.test(`parity with PyTorch, ${name} (${mode}): step-1 gradients and the losses of 10 steps`, async () => {
      await useBackend("wasm");
      const config = parityConfig(mode, "wasm", name);
      const data = await loadRunData(config);
      const batches = parityBatches(data, fixture.steps, { name, config });
      assert.equal(await batchesHash(batches), fixture.inputsHash, "not the batches PyTorch saw");
      const model = parityModel(config, data);
      const ours = await trainOurs(model, config, batches);
      model.dispose();
      const fails = compareToFixture(ours, fixture.modes[mode], tol);
      assert.ok(fails.length === 0, `${name} ${mode}:\n${fails.slice(0, 8).join("\n")}`);
      if (!separate) return;
      for (const other of MODES.filter((m) => m !== mode)) {
        const wrong = compareToFixture(ours, fixture.modes[other], { ...tol, losses: [] });
        assert.ok(wrong.length > 0, `${name}: ${mode} passes ${other}'s numbers`);
      }
    });
  }
}
