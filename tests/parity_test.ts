/**
 * The same run in ours and in PyTorch (CI's replay): the PTB reference recipe's model and
 * shapes, 10 Adam steps per gradient mode on wasm, against PyTorch's numbers in
 * `tests/fixtures/parity/ptb.json` (made by `deno task parity`, which runs bench/torch_lm.py on
 * the same initial weights and batches; its 50-step comparison is in results/parity/). Ours
 * regenerates the weights from the seed and the batches from the data order; the inputs' hash
 * proves they are the ones PyTorch saw.
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
import { useBackend } from "./_util.ts";

interface Fixture {
  steps: number;
  inputsHash: string;
  modes: Record<string, {
    losses: number[];
    gradNorms: Record<string, number>;
    gradSamples: Record<string, [number, number][]>;
  }>;
}

const fixture: Fixture = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/parity/ptb.json", import.meta.url)),
);

for (const mode of ["bptt", "ft-bptt", "dsf"]) {
  Deno.test(`parity with PyTorch (${mode}): step-1 gradients and the losses of 10 steps`, async () => {
    await useBackend("wasm");
    const want = fixture.modes[mode];
    const config = parityConfig(mode);
    const data = await loadRunData(config);
    const batches = parityBatches(data, fixture.steps);
    assert.equal(await batchesHash(batches), fixture.inputsHash, "not the batches PyTorch saw");
    const model = parityModel(config, data);
    const ours = await trainOurs(model, config, batches);
    model.dispose();
    for (const [name, norm] of Object.entries(want.gradNorms)) {
      const g = ours.grads[name].data;
      const mine = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(mine - norm) <= 1e-4 * norm, `${mode} ${name}: ‖grad‖ ${mine} vs ${norm}`);
      for (const [i, v] of want.gradSamples[name]) {
        assert.ok(Math.abs(g[i] - v) <= 1e-4 * norm, `${mode} ${name}[${i}]: ${g[i]} vs ${v}`);
      }
    }
    const bounds: [number, number][] = [[1, 1e-4], [2, 1e-3], [fixture.steps, 1e-3]];
    for (const [step, tol] of bounds) {
      const a = ours.losses[step - 1];
      const b = want.losses[step - 1];
      assert.ok(
        Math.abs(a - b) <= tol * Math.abs(b),
        `${mode} step ${step}: loss ${a} vs PyTorch ${b}`,
      );
    }
  });
}
