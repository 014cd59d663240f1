/**
 * How far ours is from a parity fixture (tests/fixtures/parity/<case>.json), in the units of
 * the replay's bounds (tests/parity_test.ts): the largest |Δ| / ‖g_torch‖ over every parameter's
 * step-1 gradient checks and the largest relative loss difference over the fixture's steps. Run
 * it as is to see the bounds' margin on this machine (and with DSF_BLAS=off), or on a mutated
 * backward to see what a defect does (results/parity-mutations/summary.md).
 *
 *     deno run -A bench/parity_margin.ts CASE [MODES, default bptt,ft-bptt,dsf]
 *
 * Prints one line per mode.
 *
 * @module
 */
import { initBackend } from "../lib/backend.ts";
import { loadRunData } from "../lib/io/datasets.ts";
import {
  batchesHash,
  parityBatches,
  parityConfig,
  parityModel,
  trainOurs,
} from "../lib/bench/parity.ts";
import { parityCase } from "../lib/bench/parity_cases.ts";
import { fixtureDeviation, type ParityFixture } from "../lib/bench/parity_fixture.ts";

const [name, modes = "bptt,ft-bptt,dsf"] = Deno.args;
if (!name) throw new Error("usage: parity_margin.ts CASE [MODES]");
const backend = await initBackend({ backend: "wasm", quiet: true });
const fixture: ParityFixture = JSON.parse(
  await Deno.readTextFile(
    new URL(`../tests/fixtures/parity/${parityCase(name).fixture}`, import.meta.url),
  ),
);
console.log(`${name}; ${backend.line}`);
for (const mode of modes.split(",")) {
  const config = parityConfig(mode, "wasm", name);
  const data = await loadRunData(config);
  const batches = parityBatches(data, fixture.steps, { name, config });
  if (await batchesHash(batches) !== fixture.inputsHash) {
    throw new Error(`${name}: not the batches PyTorch saw`);
  }
  const model = parityModel(config, data);
  const ours = await trainOurs(model, config, batches);
  model.dispose();
  const d = fixtureDeviation(ours, fixture.modes[mode]);
  console.log(
    `${mode}: gradients ${d.grad.toExponential(2)} (${d.gradParam}), losses ${
      d.loss.toExponential(2)
    } (step ${d.lossStep})`,
  );
}
