// runExperiment's progress line ends on the final evaluation, the one the table under it shows.
import assert from "node:assert/strict";
import { runExperiment, runName } from "../lib/notebook/experiment.ts";

Deno.test("runExperiment: the final progress line shows the last validation perplexity", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  let result;
  try {
    result = await runExperiment("synthetic-recall", {
      scale: "smoke",
      set: ["backend=cpu", "steps=6", "evalEvery=3", "lr=0.05"],
      skipTest: true,
    });
  } finally {
    console.log = log;
  }
  const valid = result.rows.filter((r) => r.split === "valid");
  assert.ok(valid.length >= 2, "two evaluations");
  // The last two evaluations differ at the shown precision, so the line cannot match by chance.
  assert.notEqual(valid.at(-2)!.ppl.toFixed(2), valid.at(-1)!.ppl.toFixed(2));
  const final = lines.filter((l) => l.includes("done step")).at(-1);
  assert.ok(final, `a final line among: ${lines.join(" / ")}`);
  assert.match(final, /step 6\/6/);
  assert.match(final, new RegExp(`valid ppl ${valid.at(-1)!.ppl.toFixed(2).replace(".", "\\.")}`));
});

Deno.test("runName: the size a run has where its preset's name states another", () => {
  const c = (layers: number, hidden: number, context: number) => ({ layers, hidden, context });
  assert.equal(runName("ptb-gru-1L256", c(1, 256, 64)), "ptb-gru-1L256");
  assert.equal(runName("ptb-gru-1L256", c(1, 128, 64)), "ptb-gru-1L256 (here 1 × 128)");
  assert.equal(
    runName("wt-gru-3L512-T256", c(3, 64, 32)),
    "wt-gru-3L512-T256 (here 3 × 64, T = 32)",
  );
  assert.equal(runName("synthetic-recall", c(1, 64, 32)), "synthetic-recall");
});
