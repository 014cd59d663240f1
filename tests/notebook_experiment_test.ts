// runExperiment's progress line ends on the final evaluation, the one the table under it shows.
import assert from "node:assert/strict";
import { runExperiment } from "../lib/notebook/experiment.ts";

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
