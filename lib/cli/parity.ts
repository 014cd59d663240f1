/**
 * `deno task parity [--case ptb] [--steps 50] [--modes bptt,ft-bptt,dsf] [--out DIR]
 *   [--fixture FILE] [--fixture-steps 10]`
 *
 * Trains one parity case's model (lib/bench/parity_cases.ts: `ptb`, `wt-gru-3L`, `wt-lstm-3L`,
 * `ptb-char`) the same way in ours and in PyTorch (see lib/bench/parity.ts): the same initial
 * weights and batches, `--steps` Adam steps per mode. Writes the comparison (every parameter's
 * step-1 gradient error, the losses) to `--out` (default the case's: results/parity for `ptb`,
 * results/parity-<case> for the others), and PyTorch's numbers for the first `--fixture-steps`
 * steps, with the inputs' hash, to the fixture that `tests/parity_test.ts` replays in CI
 * (default tests/fixtures/parity/<case>.json). Needs /usr/bin/python3 with torch.
 *
 * @module
 */
import { basename, isAbsolute, join, relative } from "node:path";
import { numberOption, parseCommandArgs, runCommand, taskCommand } from "./command_line.ts";
import { checkOutputDir, checkOutputFile } from "../io/bounded_file.ts";
import { GRADIENT_MODES } from "../recurrent.ts";
import { initBackend } from "../backend.ts";
import { projectRoot } from "../io/dirs.ts";
import { loadRunData } from "../io/datasets.ts";
import { readSafetensors, writeSafetensors } from "../io/safetensors.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { type NamedTensor, torchState } from "../models/torch_names.ts";
import {
  batchesHash,
  batchTensorsForTorch,
  parityBatches,
  parityConfig,
  parityModel,
  trainOurs,
} from "../bench/parity.ts";
import { parityCase } from "../bench/parity_cases.ts";
import { modeFixture, type ParityModeFixture } from "../bench/parity_fixture.ts";
import {
  type ParityRow,
  parityRow,
  paritySummary,
  setSeparations,
} from "../bench/parity_summary.ts";

const SCRIPT = new URL("../../bench/torch_lm.py", import.meta.url).pathname;

/** The command line with repository paths made relative and other absolute paths cut to names. */
function recordedCommand(): string {
  const root = projectRoot();
  return taskCommand(
    "parity",
    Deno.args.map((a) => {
      if (!isAbsolute(a)) return a;
      const r = relative(root, a);
      return r.startsWith("..") ? basename(a) : r;
    }),
  );
}

async function main(): Promise<number> {
  const { values } = parseCommandArgs(Deno.args, {
    case: { type: "string", default: "ptb" },
    steps: { type: "string", default: "50" },
    modes: { type: "string", default: "bptt,ft-bptt,dsf" },
    out: { type: "string" },
    fixture: { type: "string" },
    "fixture-steps": { type: "string", default: "10" },
    python: { type: "string", default: "/usr/bin/python3" },
  });
  const name = values.case;
  const spec = parityCase(name);
  const out = values.out ?? join(projectRoot(), spec.out);
  const fixturePath = values.fixture ??
    join(projectRoot(), "tests", "fixtures", "parity", spec.fixture);
  // Everything checked before the first step: a bad value is one line, nothing written.
  const steps = numberOption("steps", values.steps, { min: 1, max: 1000, integer: true });
  const fixtureSteps = numberOption("fixture-steps", values["fixture-steps"], {
    min: 1,
    max: steps,
    integer: true,
  });
  for (const mode of values.modes.split(",")) {
    if (!(GRADIENT_MODES as readonly string[]).includes(mode)) {
      throw new Error(
        `--modes takes ${GRADIENT_MODES.join(", ")} (comma-separated), got "${mode}"`,
      );
    }
  }
  await checkOutputDir(out, "--out");
  await checkOutputFile(fixturePath, "the fixture's .json file (--fixture)");
  const backend = await initBackend({ backend: "wasm" });
  const tmp = await Deno.makeTempDir();
  const rows: ParityRow[] = [];
  const modes: Record<string, ParityModeFixture> = {};
  const torchByMode: Record<string, Record<string, NamedTensor>> = {};
  let inputsHash = "";
  let torchVersion = "";
  for (const mode of values.modes.split(",")) {
    const config = parityConfig(mode, "wasm", name);
    const data = await loadRunData(config);
    const batches = parityBatches(data, steps, { name, config });
    const model = parityModel(config, data);
    const init = join(tmp, "init.safetensors");
    await writeSafetensors(init, await torchState(model), { config: JSON.stringify(config) });
    await writeSafetensors(join(tmp, "batches.safetensors"), batchTensorsForTorch(batches));
    const t0 = performance.now();
    const ours = await trainOurs(model, config, batches);
    const oursSeconds = (performance.now() - t0) / 1000;
    model.dispose();
    const t1 = performance.now();
    const py = await new Deno.Command(values.python, {
      args: [
        SCRIPT,
        "train",
        init,
        join(tmp, "batches.safetensors"),
        mode,
        String(steps),
        join(tmp, "grads.safetensors"),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!py.success) {
      throw new Error(
        `torch_lm.py train failed: ${
          new TextDecoder().decode(py.stderr).trim().split("\n").at(-1)
        }`,
      );
    }
    const torchSeconds = (performance.now() - t1) / 1000;
    const result = JSON.parse(new TextDecoder().decode(py.stdout).trim());
    torchVersion = result.torch;
    const torchGrads = (await readSafetensors(join(tmp, "grads.safetensors"))).tensors;
    const row = parityRow(
      mode,
      { ...ours, seconds: oursSeconds },
      { losses: result.losses, grads: torchGrads, seconds: torchSeconds },
      fixtureSteps,
    );
    rows.push(row);
    torchByMode[mode] = torchGrads;
    modes[mode] = modeFixture(result.losses.slice(0, fixtureSteps), torchGrads, spec);
    inputsHash = await batchesHash(batches.slice(0, fixtureSteps));
    console.error(
      `${mode}: step-1 gradients within ${row.maxGradError.toExponential(2)} relative; ` +
        row.lossGaps.map((g) =>
          `losses over steps 1–${g.steps} within ${g.relative.toExponential(1)} relative`
        ).join(", "),
    );
  }
  await Deno.remove(tmp, { recursive: true });
  setSeparations(rows, torchByMode);
  const meta = {
    case: name,
    recipe: spec.recipe,
    backend: backend.line,
    torch: `bench/torch_lm.py train, PyTorch ${torchVersion} on CPU, one thread`,
    command: recordedCommand(),
    date: new Date().toISOString(),
  };
  await Deno.mkdir(out, { recursive: true });
  await writeFileAtomic(join(out, "parity.json"), JSON.stringify({ meta, rows }, null, 1) + "\n");
  await writeFileAtomic(join(out, "summary.md"), paritySummary(meta, rows));
  const fixture = { ...meta, seed: 0, steps: fixtureSteps, inputsHash, modes };
  await writeFileAtomic(fixturePath, JSON.stringify(fixture) + "\n");
  // In deno fmt's layout, so that `deno task check` passes on the committed fixture.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", fixturePath] }).output();
  console.log(paritySummary(meta, rows));
  return 0;
}

await runCommand("parity", main);
