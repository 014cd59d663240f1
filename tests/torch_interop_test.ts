/**
 * Weights PyTorch can read, both ways: our rnn-lm and transformer-like exported as safetensors
 * under PyTorch's names (lib/models/torch_names.ts), loaded by bench/torch_lm.py into real
 * `nn.GRU` / `nn.LSTM` / `nn.RNN` / `nn.Linear` / `nn.LayerNorm` modules, and the loss of one
 * batch compared (≤ 1e-4 relative); and PyTorch's own initialisation written by the script and
 * loaded into ours. Needs /usr/bin/python3 with torch (Debian python3-torch); with
 * DSF_REQUIRE_TORCH=1 (CI) its absence fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type Config, makeConfig } from "../lib/config/schema.ts";
import { encodeSafetensors, readSafetensors, writeSafetensors } from "../lib/io/safetensors.ts";
import { createModel } from "../lib/models/mod.ts";
import { loadTorchState, torchState } from "../lib/models/torch_names.ts";
import { batchTensors } from "../lib/train/step.ts";
import { decodeSafetensors } from "../lib/io/safetensors.ts";
import { useBackend } from "./_util.ts";

const SCRIPT = new URL("../bench/torch_lm.py", import.meta.url).pathname;
const PYTHON = Deno.env.get("DSF_PYTHON") ?? "/usr/bin/python3";

function hasTorch(): boolean {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import torch"], stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}
const torch = hasTorch();
if (!torch && Deno.env.get("DSF_REQUIRE_TORCH") === "1") {
  throw new Error(
    `DSF_REQUIRE_TORCH=1 but ${PYTHON} cannot import torch (apt-get install python3-torch)`,
  );
}

async function python(args: string[]): Promise<number> {
  const out = await new Deno.Command(PYTHON, {
    args: [SCRIPT, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, err);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!).loss;
}

const V = 37;
const B = 3;
const T = 7;

function batch(seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const x = Array.from({ length: B * T }, () => Math.floor(next() * V));
  const y = Array.from({ length: B * T }, () => Math.floor(next() * V));
  const mask: number[] = Array.from({ length: B * T }, (_, i) => (i % T < T - (i / T | 0) ? 1 : 0)); // ragged
  return { x, y, mask, count: mask.reduce((a, b) => a + b, 0) };
}

function ourLoss(model: ReturnType<typeof createModel>, b: ReturnType<typeof batch>): number {
  const { ids, targets, rows } = batchTensors({ ...b, B, T } as never);
  const loss = model.loss(ids, targets, rows);
  const v = loss.dataSync()[0];
  tf.dispose([ids, targets, loss]);
  return v;
}

const CASES: [string, Partial<Config>][] = [
  ["rnn-lm gru, 2 layers", { model: "rnn-lm", cell: "gru", layers: 2 }],
  ["rnn-lm lstm", { model: "rnn-lm", cell: "lstm", layers: 1 }],
  ["rnn-lm rnn, E ≠ D", { model: "rnn-lm", cell: "rnn", layers: 2, embed: 6 }],
  ["transformer-like gru, 2 layers", { model: "transformer-like", cell: "gru", layers: 2 }],
  ["transformer-like lstm", { model: "transformer-like", cell: "lstm", layers: 1 }],
];

Deno.test({
  name: "torch interop: our weights in PyTorch and PyTorch's in ours give the same loss",
  ignore: !torch,
  async fn(t) {
    await useBackend("cpu");
    const dir = await Deno.makeTempDir();
    for (const [what, patch] of CASES) {
      await t.step(what, async () => {
        const config = makeConfig({
          hidden: 8,
          embed: null,
          context: T,
          mode: "dsf",
          seed: 3,
          ...patch,
        });
        const b = batch(11);
        const rows = Array.from({ length: B }, (_, r) => b.x.slice(r * T, (r + 1) * T));
        const bpath = join(dir, "batch.json");
        await Deno.writeTextFile(
          bpath,
          JSON.stringify({
            ids: rows,
            targets: Array.from({ length: B }, (_, r) => b.y.slice(r * T, (r + 1) * T)),
            mask: Array.from({ length: B }, (_, r) => b.mask.slice(r * T, (r + 1) * T)),
          }),
        );
        // Ours → PyTorch, with weights far from the small initialisation (a loss that depends
        // on every weight, not ≈ log V for any near-zero logits).
        const ours = createModel(config, V);
        Object.values(ours.params).forEach((v, i) =>
          v.assign(tf.randomNormal(v.shape, 0, 0.4, "float32", 100 + i))
        );
        const file = join(dir, "ours.safetensors");
        await writeSafetensors(file, await torchState(ours), { config: JSON.stringify(config) });
        const mine = ourLoss(ours, b);
        const theirs = await python(["loss", file, bpath]);
        assert.ok(
          Math.abs(mine - Math.log(V)) > 0.1,
          `${what}: loss ${mine} ≈ log V tests nothing`,
        );
        assert.ok(
          Math.abs(mine - theirs) <= 1e-4 * Math.abs(theirs),
          `${what}: ours ${mine}, PyTorch ${theirs}`,
        );
        // PyTorch's initialisation → ours.
        const cpath = join(dir, "config.json");
        await Deno.writeTextFile(cpath, JSON.stringify(config));
        const tfile = join(dir, "torch.safetensors");
        const torchLoss = await python(["init", cpath, String(V), "5", tfile, bpath]);
        const fresh = createModel(config, V);
        loadTorchState(fresh, (await readSafetensors(tfile)).tensors);
        const loaded = ourLoss(fresh, b);
        assert.ok(Math.abs(loaded - mine) > 1e-3, `${what}: the PyTorch init did not load`);
        assert.ok(
          Math.abs(loaded - torchLoss) <= 1e-4 * Math.abs(torchLoss),
          `${what}: PyTorch-initialised ${torchLoss}, loaded into ours ${loaded}`,
        );
        ours.dispose();
        fresh.dispose();
      });
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("safetensors: round trip; a wrong shape or a missing tensor is named", async () => {
  await useBackend("cpu");
  const config = makeConfig({ model: "rnn-lm", cell: "gru", hidden: 4, layers: 1, mode: "dsf" });
  const model = createModel(config, 9);
  const state = await torchState(model);
  assert.deepEqual(Object.keys(state).sort(), [
    "embedding.weight",
    "head.bias",
    "head.weight",
    "layers.0.feedback",
    "layers.0.rnn.bias_hh_l0",
    "layers.0.rnn.bias_ih_l0",
    "layers.0.rnn.weight_hh_l0",
    "layers.0.rnn.weight_ih_l0",
  ]);
  assert.deepEqual(state["head.weight"].shape, [9, 4], "nn.Linear layout [out, in]");
  const back = decodeSafetensors(encodeSafetensors(state, { a: "b" }));
  assert.deepEqual(back.metadata, { a: "b" });
  assert.deepEqual(
    Array.from(back.tensors["head.weight"].data),
    Array.from(state["head.weight"].data),
  );
  const bad = { ...state, "head.weight": { shape: [4, 9], data: state["head.weight"].data } };
  assert.throws(
    () => loadTorchState(model, bad),
    /tensor head\.weight has shape \[4,9\], this model needs \[9,4\]/,
  );
  const { "head.bias": _, ...missing } = state;
  assert.throws(() => loadTorchState(model, missing), /the file has no tensor head\.bias/);
  model.dispose();
});

Deno.test("export CLI: a run's best checkpoint as safetensors with its config; --init reads it back", async () => {
  const dir = await Deno.makeTempDir();
  const cli = (name: string, args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(`../lib/cli/${name}.ts`, import.meta.url).pathname, ...args],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { XDG_RUNTIME_DIR: "/tmp" },
    }).output();
  const sets = ["--config", "synthetic-recall", "--scale", "smoke", "--set", "backend=cpu"];
  const run = await cli("train", [...sets, "--runs-dir", "runs"]);
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  const runDir = join(dir, "runs", [...Deno.readDirSync(join(dir, "runs"))][0].name);
  const out = await cli("export", ["--run", runDir, "--best", "--out", "w.safetensors"]);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { tensors, metadata } = await readSafetensors(join(dir, "w.safetensors"));
  const config = JSON.parse(metadata.config);
  assert.equal(config.name, "synthetic-recall");
  assert.match(metadata.checkpoint, /^best \(step \d+\)$/);
  const { readCheckpointFile } = await import("../lib/io/checkpoint_file.ts");
  const best = await readCheckpointFile(join(runDir, "best.ckpt"));
  assert.deepEqual(
    Array.from(tensors["embedding.weight"].data),
    Array.from(best.params["embedding.weight"].data),
  );
  const again = await cli("train", [
    ...sets,
    "--runs-dir",
    "runs2",
    "--init",
    "w.safetensors",
    "--set",
    "steps=1",
  ]);
  assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
  await Deno.remove(dir, { recursive: true });
});
