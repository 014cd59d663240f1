/**
 * `deno task bench --quick` end to end (as a subprocess, on wasm): well-formed rows, the
 * output files, and that a second run over the same results file measures nothing again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROW_FIELDS } from "../lib/bench/results.ts";

const CLI = new URL("../lib/cli/bench.ts", import.meta.url).pathname;

async function runQuick(dir: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "--quick",
      "--backend",
      "wasm",
      "--results",
      join(dir, "results.jsonl"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split("\n");
  return lines[lines.length - 1];
}

const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;

Deno.test("bench --quick: well-formed rows, JSON and SVG files; a rerun skips them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_quick_" });
  try {
    const first = await runQuick(dir);
    assert.equal(first.code, 0, first.stderr);
    const rows = JSON.parse(lastLine(first.stdout)) as Record<string, unknown>[];
    assert.ok(Array.isArray(rows) && rows.length > 0, "last line is a non-empty JSON array");
    const own = rows.filter((r) => ["bptt", "ft-bptt", "dsf"].includes(r.mode as string));
    // 2 T × (bptt, ft-bptt, 4 dsf impls: sequential, scan, fft, wasm) layer rows + 6 PTB rows.
    assert.equal(own.length, 18, `own rows: ${own.length}`);
    for (const r of rows) {
      for (const k of ROW_FIELDS) assert.ok(k in r, `row ${JSON.stringify(r)} lacks ${k}`);
      for (const k of ["stepMs", "stepMinMs", "stepMaxMs"]) assert.ok(finite(r[k]), `${k} ${r[k]}`);
      assert.ok((r.stepMinMs as number) <= (r.stepMs as number));
      assert.ok((r.stepMs as number) <= (r.stepMaxMs as number));
      assert.ok(["B", "T", "D"].every((k) => Number.isInteger(r[k])));
    }
    for (const r of own) {
      for (const k of ["forwardMs", "matmulFloorMs", "peakBytes", "seqDispatches"]) {
        assert.ok(finite(r[k]), `${r.mode}/${r.impl} T=${r.T}: ${k} = ${r[k]}`);
      }
      assert.ok((r.peakBytes as number) > 0);
    }
    const peers = new Set(rows.map((r) => r.mode).filter((m) => !own.some((o) => o.mode === m)));
    assert.ok(peers.has("tfjs-layers"), "the tfjs-layers peer ran");
    if (!peers.has("pytorch")) console.log("bench_quick_test: no PyTorch rows (torch absent?)");
    const json = JSON.parse(await Deno.readTextFile(join(dir, "quick.json")));
    assert.equal(json.rows.length, rows.length);
    const svg = await Deno.readTextFile(join(dir, "quick_gru.svg"));
    assert.match(svg, /^<svg[\s>]/);

    const second = await runQuick(dir);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /resuming .*: \d+ of \d+ cases already recorded, not run again/);
    assert.match(second.stdout, /measured now: 0;/);
    assert.doesNotMatch(second.stderr, /^done /m);
    const again = JSON.parse(lastLine(second.stdout)) as Record<string, unknown>[];
    assert.deepEqual(again, rows);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
