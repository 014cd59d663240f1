/**
 * The PyTorch peer script on a tiny shape: its last stdout line parses as JSON rows with every
 * field. Skipped, with a printed note, where python3-torch is missing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { ROW_FIELDS } from "../lib/bench/results.ts";

const SCRIPT = new URL("../bench/pytorch_peer.py", import.meta.url).pathname;
const PYTHON = Deno.env.get("DSF_PYTHON") ??
  (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

Deno.test("pytorch_peer.py: tiny shapes give parseable rows (skips without torch)", async () => {
  const request = {
    cases: [
      { cell: "gru", mode: "pytorch", B: 2, T: 4, D: 8 },
      { cell: "gru", mode: "pytorch-dsf-ref", B: 2, T: 4, D: 8 },
      { cell: "lstm", mode: "pytorch-dsf-ref", B: 2, T: 3, D: 4 },
      { cell: "rnn", mode: "pytorch", B: 2, T: 3, D: 4 },
    ],
    warmup: 0,
    runs: 1,
  };
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(PYTHON, {
      args: [SCRIPT, JSON.stringify(request)],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    console.log(`bench_pytorch_test: skipped, cannot run ${PYTHON} (${(err as Error).message})`);
    return;
  }
  const stdout = new TextDecoder().decode(out.stdout).trimEnd();
  if (out.code === 3) {
    console.log(`bench_pytorch_test: skipped, ${stdout}`);
    return;
  }
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const lines = stdout.split("\n");
  const rows = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>[];
  assert.equal(rows.length, request.cases.length);
  for (const [i, r] of rows.entries()) {
    assert.equal(r.error, undefined, `case ${i}: ${r.error}`);
    for (const k of ROW_FIELDS) assert.ok(k in r, `row ${i} lacks ${k}`);
    assert.equal(r.mode, request.cases[i].mode);
    assert.equal(r.backend, "torch-cpu");
    for (const k of ["forwardMs", "matmulFloorMs", "stepMs", "stepMinMs", "stepMaxMs"]) {
      assert.ok(typeof r[k] === "number" && Number.isFinite(r[k] as number), `${k} = ${r[k]}`);
    }
  }
});
