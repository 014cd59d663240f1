/**
 * Confirmation groups (lib/analysis/confirmation.ts, lib/cli/results_confirm.ts): a new method's
 * run beside a reference group's runs at one update, and reproduction points across commits.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  commitOf,
  parseCompareSpec,
  reproductions,
  runsEvaluatedAt,
  type SourcedRun,
} from "../lib/analysis/confirmation.ts";
import type { ReproRun } from "../lib/analysis/reproduction.ts";

const CLI = new URL("../lib/cli/results.ts", import.meta.url).pathname;

function run(method: string, seed: number, losses: [number, number][]): ReproRun {
  return {
    method,
    point: "cfg",
    seed,
    minValPpl: Math.min(...losses.map(([, l]) => Math.exp(l))),
    testPpl: null,
    seconds: 1,
    steps: losses.at(-1)![0],
    tokens: 1,
    extraSeconds: 0,
    rows: losses.map(([step, loss]) => ({
      step,
      split: "valid" as const,
      loss,
      ppl: Math.exp(loss),
      seconds: 0,
      tokens: step,
    })),
  } as ReproRun;
}
const at = (r: ReproRun, group: string, commit: string): SourcedRun => ({ run: r, group, commit });

Deno.test("parseCompareSpec: accepts groups and an update, refuses the rest with one line", () => {
  assert.deepEqual(parseCompareSpec({ with: ["a-b"], at: 5 }, "c.json"), { with: ["a-b"], at: 5 });
  for (const bad of [null, [], { with: [], at: 5 }, { with: ["../x"], at: 5 }, { with: ["a"] }]) {
    assert.throws(() => parseCompareSpec(bad, "c.json"), /c\.json: expected .*fix the file/);
  }
  assert.throws(() => parseCompareSpec({ with: ["a"], at: 0.5 }, "c.json"), /expected/);
});

Deno.test("commitOf reads the commit a run recorded, else the one its command names", () => {
  assert.equal(
    commitOf({ command: "from a checkout at commit 7daeb4c: deno task train" }),
    "7daeb4c",
  );
  assert.equal(commitOf({ command: "deno task train" }), "unknown");
  const environment = { commit: "7daeb4c2b97ece0c07c466308f6dcb1be1203fb4", dirty: false };
  assert.equal(commitOf({ command: "deno task train", environment }), "7daeb4c");
  assert.equal(commitOf({ environment: { ...environment, dirty: true } }), "7daeb4c+dirty");
});

Deno.test("reproductions: same config, method and seed; the largest relative difference", () => {
  const here = [
    at(run("dsf", 0, [[10, 2.0]]), "new", "b"),
    at(run("dsf-jacobian-diagonal", 0, [[10, 1.9], [20, 1.8]]), "new", "b"),
  ];
  const refs = [
    at(run("dsf", 0, [[10, 2.0002], [20, 1.9]]), "old", "a"),
    at(run("dsf", 1, [[10, 3.0]]), "old", "a"),
  ];
  const r = reproductions(here, refs);
  assert.equal(r.length, 1);
  assert.deepEqual(r[0].steps, [10]);
  assert.ok(Math.abs(r[0].maxRelDiff - 0.0002 / 2.0002) < 1e-12);
  assert.equal(r[0].reference.commit, "a");
});

Deno.test("runsEvaluatedAt: runs evaluated at the update, the group's own first", () => {
  const mine = at(run("dsf", 0, [[10, 2], [20, 1.5]]), "new", "b");
  const short = at(run("bptt", 0, [[10, 2]]), "new", "b");
  const refDsf = at(run("dsf", 0, [[10, 2], [20, 1.6]]), "old", "a");
  const refBptt = at(run("bptt", 0, [[10, 2], [20, 1.4]]), "old", "a");
  const got = runsEvaluatedAt([mine, short], [refDsf, refBptt], 20);
  assert.deepEqual(got, [mine, refBptt]);
});

Deno.test("results CLI on a confirmation group: table at the update, reproduction verdicts", async () => {
  const root = await Deno.makeTempDir();
  const write = (group: string, name: string, s: Record<string, unknown>, curve: number[]) => {
    const dir = join(root, "results", group);
    Deno.mkdirSync(dir, { recursive: true });
    const summary = {
      config: "cfg",
      steps: 10 * curve.length,
      minValPpl: Math.min(...curve),
      seconds: 20,
      tokens: 1e6,
      backend: "wasm",
      scale: "small",
      ...s,
    };
    Deno.writeTextFileSync(join(dir, `${name}.json`), JSON.stringify(summary));
    Deno.writeTextFileSync(
      join(dir, `${name}.metrics.jsonl`),
      curve.map((ppl, i) =>
        JSON.stringify({ step: 10 * (i + 1), split: "valid", loss: Math.log(ppl), ppl })
      ).join("\n") + "\n",
    );
  };
  const old = (mode: string) =>
    `from a checkout at commit aaaaaaa: deno task train --set mode=${mode}`;
  write("ref", "cfg-bptt-seed0", { mode: "bptt", seed: 0, command: old("bptt") }, [30, 20, 10, 9]);
  write("ref", "cfg-ft-bptt-seed0", { mode: "ft-bptt", seed: 0, command: old("ft-bptt") }, [
    30,
    22,
    20,
    19,
  ]);
  write("ref", "cfg-dsf-seed0", { mode: "dsf", seed: 0, command: old("dsf") }, [30, 21, 15, 14]);
  const now = "from a checkout at commit bbbbbbb: deno task train";
  write("conf", "cfg-dsf-jd-seed0", {
    mode: "dsf",
    feedback: "jacobian-diagonal",
    seed: 0,
    command: now,
  }, [30, 20, 11]);
  // Reproduces the first two evaluations of the reference DSF run, then the reference diverges.
  write("conf", "cfg-dsf-seed0", { mode: "dsf", seed: 0, command: now }, [30, 21]);
  Deno.writeTextFileSync(
    join(root, "results", "conf", "compare.json"),
    JSON.stringify({ with: ["ref"], at: 30 }),
  );
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "conf"],
    cwd: root,
  }).output();
  const out = new TextDecoder().decode(o.stdout);
  assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  // At update 30: BPTT 10, FT-BPTT 20, DSF 15 (50%), the Jacobian diagonal 11 (90%).
  assert.match(out, /\| dsf \| 0 \| 15\.00 \| – \| – \| – \| .*\| 50% \|/);
  assert.match(out, /\| dsf-jacobian-diagonal \| 0 \| 11\.00 .*\| 90% \|/);
  assert.match(
    out,
    /cfg dsf seed 0 \| bbbbbbb \| `results\/ref\/` \| aaaaaaa \| 10, 20 \| 0\.0e\+0 \| reproduced/,
  );
  const md = Deno.readTextFileSync(join(root, "results", "conf", "summary.md"));
  assert.match(md, /^# conf/);
  assert.doesNotMatch(md, /`compare`/, "compare.json is not a run");
  assert.ok(Deno.statSync(join(root, "results", "conf", "curves.svg")).size > 1000);
  // A reproduction that differs says so.
  write("conf", "cfg-dsf-seed0", { mode: "dsf", seed: 0, command: now }, [30, 21.5]);
  const o2 = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "conf"],
    cwd: root,
  })
    .output();
  assert.match(new TextDecoder().decode(o2.stdout), /\*\*not reproduced\*\*/);
  // A broken compare.json: one line, exit 2.
  Deno.writeTextFileSync(join(root, "results", "conf", "compare.json"), '{"with": "ref"}');
  const o3 = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "conf"],
    cwd: root,
  })
    .output();
  assert.equal(o3.code, 2);
  assert.match(new TextDecoder().decode(o3.stderr), /compare\.json: expected/);
});
