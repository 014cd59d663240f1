import assert from "node:assert/strict";
import { lineChart, METHOD_COLORS, PALETTE, seriesColors } from "../lib/plot/mod.ts";

Deno.test("method colours: one per method whatever the order or case; others from the palette", () => {
  assert.deepEqual(seriesColors(["dsf", "BPTT"], PALETTE), [METHOD_COLORS.dsf, METHOD_COLORS.bptt]);
  assert.deepEqual(seriesColors(["BPTT", "dsf"], PALETTE), [METHOD_COLORS.bptt, METHOD_COLORS.dsf]);
  // A non-method series takes the first palette colour no method of the figure uses.
  const [, other] = seriesColors(["ft-bptt", "reference"], [METHOD_COLORS["ft-bptt"], "#123456"]);
  assert.equal(other, "#123456");
  // The seven methods have seven distinct colours.
  const seven = ["bptt", "ft-bptt", "dsf", "dsf-fitted", "dsf-jacobian-diagonal", "gpt", "ema"];
  assert.equal(new Set(seven.map((m) => METHOD_COLORS[m])).size, 7);
});

Deno.test("lineChart draws each method in its colour", () => {
  const rows = [
    { step: 1, ppl: 10, method: "ft-bptt" },
    { step: 2, ppl: 9, method: "ft-bptt" },
    { step: 1, ppl: 11, method: "dsf" },
    { step: 2, ppl: 8, method: "dsf" },
  ];
  const svg = lineChart(rows, { x: "step", y: "ppl", stroke: "method" }).svg;
  for (const m of ["ft-bptt", "dsf"]) {
    assert.ok(svg.toLowerCase().includes(`stroke="${METHOD_COLORS[m].toLowerCase()}"`), m);
  }
  assert.ok(!svg.toLowerCase().includes(`stroke="${METHOD_COLORS.bptt.toLowerCase()}"`));
});
