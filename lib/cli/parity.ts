/**
 * `deno task parity [--steps 50] [--modes bptt,ft-bptt,dsf] [--out results/parity]
 *   [--fixture tests/fixtures/parity/ptb.json] [--fixture-steps 10]`
 *
 * Trains the PTB reference recipe's model the same way in ours and in PyTorch (see
 * lib/bench/parity.ts): the same initial weights and batches, `--steps` Adam steps per mode.
 * Writes the comparison (every parameter's step-1 gradient error, the losses) to `--out`, and
 * PyTorch's numbers for the first `--fixture-steps` steps, with the inputs' hash, to the
 * fixture that `tests/parity_test.ts` replays in CI. Needs /usr/bin/python3 with torch.
 *
 * @module
 */
import { join } from "node:path";
import { numberOption, parseCommandArgs, runCommand, taskCommand } from "./command_line.ts";
import { checkOutputDir, checkOutputFile } from "../io/bounded_file.ts";
import { GRADIENT_MODES } from "../recurrent.ts";
import { initBackend } from "../backend.ts";
import { loadRunData } from "../io/datasets.ts";
import { readSafetensors, writeSafetensors } from "../io/safetensors.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { torchState } from "../models/torch_names.ts";
import {
  batchesHash,
  batchTensorsForTorch,
  parityBatches,
  parityConfig,
  parityModel,
  relativeError,
  trainOurs,
} from "../bench/parity.ts";

const SCRIPT = new URL("../../bench/torch_lm.py", import.meta.url).pathname;
/** Entries of each step-1 gradient kept in the fixture (fixed, spread indices). */
const SAMPLES = 16;

async function main(): Promise<number> {
  const { values } = parseCommandArgs(Deno.args, {
    steps: { type: "string", default: "50" },
    modes: { type: "string", default: "bptt,ft-bptt,dsf" },
    out: { type: "string", default: "results/parity" },
    fixture: { type: "string", default: "tests/fixtures/parity/ptb.json" },
    "fixture-steps": { type: "string", default: "10" },
    python: { type: "string", default: "/usr/bin/python3" },
  });
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
  await checkOutputDir(values.out, "--out");
  await checkOutputFile(values.fixture, "the fixture's .json file (--fixture)");
  const backend = await initBackend({ backend: "wasm" });
  const tmp = await Deno.makeTempDir();
  const rows: Record<string, unknown>[] = [];
  const fixture: Record<string, unknown> = { modes: {} };
  for (const mode of values.modes.split(",")) {
    const config = parityConfig(mode);
    const data = await loadRunData(config);
    const batches = parityBatches(data, steps);
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
    const torchLosses: number[] = JSON.parse(new TextDecoder().decode(py.stdout).trim()).losses;
    const torchGrads = (await readSafetensors(join(tmp, "grads.safetensors"))).tensors;
    const gradErrors: Record<string, number> = {};
    for (const [name, g] of Object.entries(torchGrads)) {
      gradErrors[name] = relativeError(ours.grads[name].data, g.data);
    }
    const rel = (s: number) =>
      Math.abs(ours.losses[s - 1] - torchLosses[s - 1]) / Math.abs(torchLosses[s - 1]);
    const at = [1, 2, 10, 50].filter((s) => s <= steps);
    rows.push({
      mode,
      maxGradError: Math.max(...Object.values(gradErrors)),
      maxRnnGradError: Math.max(
        ...Object.entries(gradErrors).filter(([n]) => n.includes(".rnn.")).map(([, e]) => e),
      ),
      gradErrors,
      losses: Object.fromEntries(
        at.map((
          s,
        ) => [s, { ours: ours.losses[s - 1], torch: torchLosses[s - 1], relative: rel(s) }]),
      ),
      oursLosses: ours.losses,
      torchLosses,
      oursSeconds,
      torchSeconds,
    });
    const samples: Record<string, [number, number][]> = {};
    const norms: Record<string, number> = {};
    for (const [name, g] of Object.entries(torchGrads)) {
      norms[name] = Math.sqrt(g.data.reduce((s, x) => s + x * x, 0));
      samples[name] = Array.from({ length: SAMPLES }, (_, k) => {
        const i = Math.floor((k * 2654435761) % g.data.length);
        return [i, g.data[i]];
      });
    }
    (fixture.modes as Record<string, unknown>)[mode] = {
      losses: torchLosses.slice(0, fixtureSteps),
      gradNorms: norms,
      gradSamples: samples,
    };
    fixture.inputsHash = await batchesHash(batches.slice(0, fixtureSteps));
    console.error(
      `${mode}: step-1 gradients within ${
        (rows.at(-1)!.maxGradError as number).toExponential(2)
      } ` +
        `relative; losses ${at.map((s) => `step ${s} ${rel(s).toExponential(1)}`).join(", ")}`,
    );
  }
  await Deno.remove(tmp, { recursive: true });
  const meta = {
    recipe: "ptb-gru-1L256 (paper scale: GRU 1×256, batch 128, V 10,002), seed 0, constant lr 1e-3",
    backend: backend.line,
    torch: "bench/torch_lm.py train, /usr/bin/python3, one thread",
    command: taskCommand("parity"),
    date: new Date().toISOString(),
  };
  await Deno.mkdir(values.out, { recursive: true });
  await writeFileAtomic(
    join(values.out, "parity.json"),
    JSON.stringify({ meta, rows }, null, 1) + "\n",
  );
  await writeFileAtomic(join(values.out, "summary.md"), summary(meta, rows));
  await writeFileAtomic(
    values.fixture,
    JSON.stringify({ ...meta, seed: 0, steps: fixtureSteps, ...fixture }) + "\n",
  );
  console.log(summary(meta, rows));
  return 0;
}

function summary(meta: Record<string, string>, rows: Record<string, unknown>[]): string {
  const steps = Object.keys((rows[0]?.losses ?? {}) as object);
  const lines = [
    "# Ours vs PyTorch on the same run",
    "",
    `${meta.recipe}; ours: ${meta.backend}; PyTorch: ${meta.torch}. Made by \`${meta.command}\` on ${
      meta.date.slice(0, 10)
    }.`,
    "",
    `| mode | step-1 gradients: max ‖ours − torch‖ / ‖torch‖, all parameters | the GRU's weights | ${
      steps.map((s) => `loss at step ${s}: ours / torch (relative)`).join(" | ")
    } |`,
    `|---|---|---|${steps.map(() => "---").join("|")}|`,
  ];
  for (const r of rows) {
    const l = r.losses as Record<string, { ours: number; torch: number; relative: number }>;
    lines.push(
      `| ${r.mode} | ${(r.maxGradError as number).toExponential(2)} | ${
        (r.maxRnnGradError as number).toExponential(2)
      } | ${
        steps.map((s) =>
          `${l[s].ours.toFixed(5)} / ${l[s].torch.toFixed(5)} (${l[s].relative.toExponential(1)})`
        ).join(" | ")
      } |`,
    );
  }
  return lines.join("\n") + "\n";
}

await runCommand("parity", main);
