import assert from "node:assert/strict";
import { findingsReport, notebookFindings } from "../notebooks/findings.ts";

const md = (t: string) => ({ data: { "text/markdown": t, "text/plain": t } });
const nb = {
  cells: [
    { cell_type: "markdown" },
    { cell_type: "code", outputs: [md("**Run:** scale: quick · backend: wasm · seed: 0")] },
    { cell_type: "code", outputs: [md("a table, not a finding")] },
    { cell_type: "code", outputs: [md("**Claim** (Figure 1): x.\n\n**Data** (ours):\n\n- y")] },
    { cell_type: "markdown" },
    { cell_type: "code", outputs: [md("- DSF closes 59% of the gap: closes 59% ✓\n- z ✓")] },
  ],
};

Deno.test("notebookFindings: the run line and the last code cell's Markdown only", () => {
  const f = notebookFindings(nb);
  assert.equal(f.run, "scale: quick · backend: wasm · seed: 0");
  assert.deepEqual(f.findings, ["- DSF closes 59% of the gap: closes 59% ✓\n- z ✓"]);
  assert.deepEqual(notebookFindings({ cells: [] }), { run: "", findings: [] });
});

Deno.test("findingsReport: total time of the timed notebooks, no repeated run line", () => {
  const t = { seconds: 130, ok: true, date: "2026-12-03T13:00:00Z", scale: "quick", threads: "1" };
  const page = findingsReport([{ name: "01_x", nb }, { name: "02_y", nb }], {
    "01_x.ipynb": t,
  });
  assert.match(page, /1 of 2 notebooks timed, 2 min 10 s in all/);
  assert.match(page, /## `01_x`\n\n\*scale: quick · backend: wasm · seed: 0 — 2 min 10 s/);
  assert.equal(page.match(/\*scale: quick/g)!.length, 2); // one per notebook
  assert.doesNotMatch(page, /a table|\*\*Claim\*\*/);
  assert.equal(page.match(/- z ✓\n/g)!.length, 2);
});
