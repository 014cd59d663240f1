import assert from "node:assert/strict";
import { escapeXml, Figure, heatmap, lineChart, renderPlot } from "../lib/plot/mod.ts";
import * as Plot from "@observablehq/plot";

/** Asserts the text is well-formed XML as far as tags and entities go (no DOM parser here). */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const body = xml.replace(/<style>[\s\S]*?<\/style>/g, "");
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `closing </${name}> does not match`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], "unclosed tags");
  assert.doesNotMatch(body, /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i, "raw & in XML");
  const stripped = body.replace(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, "");
  assert.doesNotMatch(stripped, /</, "a '<' that is not part of a tag");
}

/** Number of `tag` elements inside the mark group(s) with aria-label `label`. */
function countInGroups(svg: string, label: string, tag: string): number {
  let n = 0;
  for (
    const g of svg.matchAll(new RegExp(`<g[^>]* aria-label="${label}"[^>]*>([\\s\\S]*?)</g>`, "g"))
  ) {
    n += (g[1].match(new RegExp(`<${tag}\\b`, "g")) ?? []).length;
  }
  return n;
}

const rows = ["bptt", "dsf", "frozen"].flatMap((mode) =>
  ["train", "valid"].flatMap((split) =>
    [0, 100, 200, 300].map((step) => ({
      step,
      mode,
      split,
      perplexity: 300 / (1 + step / 100) + (split === "valid" ? 10 : 0),
    }))
  )
);

Deno.test("lineChart: one path per series x line style, legend, axis labels, caption", () => {
  const fig = lineChart(rows, {
    x: "step",
    y: "perplexity",
    stroke: "mode",
    strokeDasharray: "split",
    title: "Perplexity <by> mode & split",
    xLabel: "training step",
    yLabel: "validation perplexity",
    logY: true,
    meta: { scale: "quick", backend: "cpu", seed: 7 },
  });
  assert.ok(fig instanceof Figure);
  assert.equal(fig.width, 640);
  assert.match(fig.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640"/);
  assertWellFormed(fig.svg);
  assert.equal(countInGroups(fig.svg, "line", "path"), 6);
  assert.match(fig.svg, /training step/);
  assert.match(fig.svg, /validation perplexity/);
  assert.match(fig.svg, /Perplexity &lt;by&gt; mode &amp; split/);
  for (const label of ["bptt", "dsf", "frozen", "train", "valid"]) {
    assert.match(fig.svg, new RegExp(`<g class="legend-item">.*?>${label}</text></g>`));
  }
  // train dashed, valid solid: only the train lines' group carries a dash array
  const linePaths = [...fig.svg.matchAll(/<g([^>]*) aria-label="line"[^>]*>/g)].map((m) => m[1]);
  assert.equal(linePaths.length, 2);
  assert.equal(linePaths.filter((attrs) => /stroke-dasharray="6,4"/.test(attrs)).length, 1);
  assert.match(fig.svg, /scale: quick · backend: cpu · seed: 7/);
  assert.match(fig.svg, /stroke-dasharray="6,4"/);
});

Deno.test("lineChart: rows with non-finite or (log axis) non-positive values are left out", () => {
  const fig = lineChart([
    { step: 0, ppl: 10 },
    { step: 1, ppl: Number.NaN },
    { step: 2, ppl: 0 },
    { step: 3, ppl: 5 },
    { step: Infinity, ppl: 4 },
  ], { x: "step", y: "ppl", logY: true });
  assert.doesNotMatch(fig.svg, /NaN/);
  assert.equal(countInGroups(fig.svg, "line", "path"), 1);
  // two points: the path has one move and one line segment
  const d = fig.svg.match(/<g[^>]* aria-label="line"[^>]*><path[^>]* d="([^"]+)"/)?.[1] ?? "";
  assert.equal((d.match(/[ML]/g) ?? []).length, 2, d);
});

Deno.test("heatmap: one cell per entry and a colour ramp legend", () => {
  const m = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]];
  const fig = heatmap(m, { title: "W", colorLabel: "weight", xLabel: "input", yLabel: "unit" });
  assertWellFormed(fig.svg);
  assert.equal(countInGroups(fig.svg, "cell", "rect"), 12);
  assert.match(fig.svg, /class="ramp"/);
  assert.match(fig.svg, />weight</);
  assert.match(fig.svg, /input/);
  assert.match(fig.svg, /unit/);
});

Deno.test("heatmap: big matrices are block-averaged and the caption says so", () => {
  const m = Array.from(
    { length: 100 },
    (_, i) => Float32Array.from({ length: 30 }, (_, j) => i - j),
  );
  const fig = heatmap(m, { maxCells: 10, diverging: true });
  assert.equal(countInGroups(fig.svg, "cell", "rect"), 10 * 10);
  assert.match(fig.svg, /100x30 matrix shown as 10x3 block means/);
  assert.throws(() => heatmap([]), /empty matrix/);
});

Deno.test("Figure: Jupyter display symbol returns the SVG as image/svg+xml and inline HTML", async () => {
  const fig = lineChart(rows, { x: "step", y: "perplexity", stroke: "mode", title: "t" });
  const displayFn = (fig as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  assert.equal(typeof displayFn, "function");
  const bundle = await displayFn.call(fig);
  assert.equal(bundle["image/svg+xml"], fig.svg);
  assert.equal(bundle["text/html"], `<div class="dsf-figure">${fig.svg}</div>`);
  assert.match(bundle["text/plain"], /figure: t/);
  assert.equal(String(fig), fig.svg);
});

Deno.test("renderPlot: categorical legend as swatches, HTML-only legends rejected", () => {
  const data = [{ a: "x", v: 1 }, { a: "y", v: 2 }];
  const fig = renderPlot({
    color: { legend: true },
    marks: [Plot.barY(data, { x: "a", y: "v", fill: "a" })],
    caption: "two bars",
  });
  assertWellFormed(fig.svg);
  assert.equal(countInGroups(fig.svg, "bar", "rect"), 2);
  assert.equal((fig.svg.match(/<g class="legend-item"><rect/g) ?? []).length, 2);
  assert.match(fig.svg, /two bars/);
  assert.throws(
    () =>
      renderPlot({
        symbol: { legend: true },
        marks: [Plot.dot(data, { x: "v", y: "v", symbol: "a" })],
      }),
    /HTML figure/,
  );
});

Deno.test("escapeXml escapes markup characters", () => {
  assert.equal(
    escapeXml(`<a href="x">&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;",
  );
});
