import assert from "node:assert/strict";
import {
  lineChart,
  logAxis,
  logTicks,
  METHOD_COLORS,
  methodKey,
  PALETTE,
  seriesColors,
} from "../lib/plot/mod.ts";

Deno.test("method colours: one per method whatever the order or case; others from the palette", () => {
  assert.deepEqual(seriesColors(["dsf", "BPTT"], PALETTE), [METHOD_COLORS.dsf, METHOD_COLORS.bptt]);
  assert.deepEqual(seriesColors(["BPTT", "dsf"], PALETTE), [METHOD_COLORS.bptt, METHOD_COLORS.dsf]);
  // A non-method series takes the first palette colour no method of the figure uses.
  const [, other] = seriesColors(["ft-bptt", "reference"], [METHOD_COLORS["ft-bptt"], "#123456"]);
  assert.equal(other, "#123456");
  // Display labels take their method's colour.
  assert.deepEqual(
    seriesColors(["DSF (linspace λ)", "DSF (Jacobian diagonal)", "DSF (fitted λ)", "BPTT · wasm"]),
    [
      METHOD_COLORS.dsf,
      METHOD_COLORS["jacobian-diagonal"],
      METHOD_COLORS.fitted,
      METHOD_COLORS.bptt,
    ],
  );
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

Deno.test("lineChart: ticks at the measured x when few; plain tick labels, never SI prefixes", () => {
  const rows = [32, 64, 256, 1024].flatMap((T) => [
    { T, ms: T * 0.3, method: "dsf" },
    { T, ms: T * 0.5, method: "bptt" },
  ]);
  const svg = lineChart(rows, { x: "T", y: "ms", stroke: "method", logX: true, logY: true }).svg;
  // The labels at the data are text marks (a log axis's own labels are filtered by Plot).
  const texts = [...svg.matchAll(/aria-label="text">(.*?)<\/g>/gs)][0][1];
  assert.deepEqual([...texts.matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1]), [
    "32",
    "64",
    "256",
    "1024",
  ]);
  const linear = lineChart(rows, { x: "T", y: "ms", stroke: "method" }).svg;
  const labels = [...linear.matchAll(/aria-label="x-axis tick label">(.*?)<\/g>/gs)][0][1];
  assert.deepEqual([...labels.matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1]), [
    "32",
    "64",
    "256",
    "1024",
  ]);
  assert.doesNotMatch(svg, />\d+m<\/text>/, "no SI-prefixed tick labels");
});

Deno.test("logTicks: 1, 2, 5 × 10^k over decades; even steps over a narrow range", () => {
  assert.deepEqual(logTicks(0.3, 300), [0.5, 1, 2, 5, 10, 20, 50, 100, 200]);
  assert.deepEqual(logTicks(4.13, 7.2), [4.5, 5, 5.5, 6, 6.5, 7]);
  assert.deepEqual(logTicks(140, 160), [140, 145, 150, 155, 160]);
  assert.deepEqual(logTicks(0, 1), []);
});

Deno.test("lineChart: a log y axis labels its ticks in plain numbers", () => {
  const rows = [1, 2, 3].map((step) => ({ step, ppl: 4 + step, method: "bptt" }));
  const svg = lineChart(rows, { x: "step", y: "ppl", stroke: "method", logY: true }).svg;
  const groups = [...svg.matchAll(/aria-label="text">(.*?)<\/g>/gs)].map((m) => m[1]);
  const labels = groups.flatMap((g) => [...g.matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1]));
  for (const v of ["5", "5.5", "6", "6.5", "7"]) assert.ok(labels.includes(v), `${v} in ${labels}`);
});

Deno.test("logAxis: the domain ends at ticks, so no value lies beyond the outermost labels", () => {
  // The 30-epoch PTB curves: 141 to 387; ticks used to start at 150, above the lowest value.
  assert.deepEqual(logAxis(141.35, 386.9), {
    domain: [100, 400],
    ticks: [100, 150, 200, 250, 300, 350, 400],
  });
  assert.deepEqual(logAxis(4.13, 7.2).domain, [4, 7.5]);
  assert.deepEqual(logAxis(1.47, 16), { domain: [1, 20], ticks: [1, 2, 5, 10, 20] });
  // A step larger than the low end: the domain starts at the 1-2-5 value below it.
  assert.deepEqual(logAxis(1.76, 16.01), { domain: [1, 20], ticks: [1, 5, 10, 15, 20] });
  const svg = lineChart([{ s: 1, p: 141 }, { s: 2, p: 387 }], { x: "s", y: "p", logY: true }).svg;
  const labels = [...svg.matchAll(/y="0.32em">(\d+)<\/text>/g)].map((m) => Number(m[1]));
  assert.equal(Math.min(...labels), 100);
  assert.equal(Math.max(...labels), 400);
});

Deno.test("method colours: labels that start with a method take its colour; feedbacks apart from FT-BPTT", () => {
  assert.equal(methodKey("FT-BPTT (λ = 0)"), "ft-bptt");
  assert.equal(methodKey("DSF, linspace [0, 1] (reference)"), "dsf");
  assert.equal(methodKey("DSF's λ_i"), "dsf");
  assert.equal(methodKey("linspace [0, 0.5]"), undefined);
  assert.equal(methodKey("layer0"), undefined);
  // The Jacobian diagonal shares figures with FT-BPTT: their colours lie far apart.
  const rgb = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const distance = (a: string, b: string) => Math.hypot(...rgb(a).map((v, i) => v - rgb(b)[i]));
  for (const m of ["dsf-jacobian-diagonal", "dsf-fitted", "dsf", "bptt"]) {
    assert.ok(distance(METHOD_COLORS[m], METHOD_COLORS["ft-bptt"]) > 150, m);
  }
  // Beside DSF's green, a series that is no method takes no green-looking teal.
  const [, other1, other2] = seriesColors(["dsf", "a", "b"]);
  assert.equal(methodKey("dsf-lam0-0.5"), "dsf-capped");
  assert.notEqual(other1, "#44AA99");
  assert.notEqual(other2, "#44AA99");
  assert.equal(seriesColors(["a"])[0], "#44AA99", "without a method, the palette's order");
  // A series that is no method never takes a training method's colour.
  const others = seriesColors(["a", "b", "c", "d", "e", "f", "g", "h"]);
  for (const m of ["bptt", "ft-bptt", "dsf", "dsf-fitted", "dsf-jacobian-diagonal", "gpt"]) {
    assert.ok(!others.includes(METHOD_COLORS[m]), m);
  }
});
