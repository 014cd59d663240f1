/**
 * Tests of lib/notebook/jacobians.ts: notebook 02's statistics charts split by scale (no norm on
 * the axis of the 0–1 statistics), and the measured diagonal against DSF's λ.
 */
import assert from "node:assert/strict";
import { jacobianStatRows, type JacobianStepStats } from "../lib/analysis/jacobian_stats.ts";
import { METHOD_COLORS } from "../lib/plot/method_colors.ts";
import {
  diagonalVsLambdaChart,
  jacobianStatsChart,
  type ProbeStats,
} from "../lib/notebook/jacobians.ts";

function stats(n: number, f: (t: number) => Omit<JacobianStepStats, "t">): JacobianStepStats[] {
  return Array.from({ length: n }, (_, i) => ({ t: i + 1, ...f(i + 1) }));
}

const first: ProbeStats = {
  step: 1,
  stats: stats(4, () => ({
    diagonalShare: 0.9,
    topSingularValue: 0.7,
    spectralRadius: 0.6,
    meanAbsDiagonal: 0.5,
    deviation: 0.01,
  })),
};
// Steps 1..4: ‖J‖₂ 2, 0.5, 2, 2; ρ 0.9, 1.2, 0.9, 0.9; deviation 0.8 at t = 2, 0.2 elsewhere.
const last: ProbeStats = {
  step: 300,
  stats: stats(4, (t) => ({
    diagonalShare: t === 2 ? 0.2 : 0.6,
    topSingularValue: t === 2 ? 0.5 : 2,
    spectralRadius: t === 2 ? 1.2 : 0.9,
    meanAbsDiagonal: 0.4,
    deviation: t === 2 ? 0.8 : 0.2,
  })),
};

Deno.test("jacobianStatsChart: 0–1 statistics and norms on separate axes", () => {
  const probes = [first, last, last];
  const structure = jacobianStatsChart(probes, { group: "structure", size: 4 }).svg;
  const norms = jacobianStatsChart(probes, { group: "norms", size: 4 }).svg;
  for (const label of ["diagonal share", "mean |Jᵢᵢ|", "non-stationarity"]) {
    assert.ok(structure.includes(label), label);
    assert.ok(!norms.includes(label), label);
  }
  for (const label of ["spectral radius", "top singular value"]) {
    assert.ok(norms.includes(label), label);
    assert.ok(!structure.includes(`>${label}`), label);
  }
  assert.ok(structure.includes("1/√S = 0.500: diagonal share of a dense random matrix"));
  assert.ok(norms.includes("1: one step neither grows nor shrinks the gradient"));
  // One legend entry per probe step (the repeated probe drawn once).
  assert.equal(structure.split(">after step 300<").length - 1, 1);
  assert.equal(structure.split(">after step 1<").length - 1, 1);
  // The rows of each group.
  assert.equal(jacobianStatRows(last.stats, {}, { group: "structure" }).length, 3 * 4);
  assert.equal(jacobianStatRows(last.stats, {}, { group: "norms" }).length, 2 * 4);
  assert.equal(jacobianStatRows(last.stats).length, 5 * 4);
});

Deno.test("diagonalVsLambdaChart: λ in DSF's colour, the channels as paired and the values sorted", () => {
  const svg = diagonalVsLambdaChart([0.9, -0.2, 0.5, 0.4]).svg;
  assert.match(svg, new RegExp(`stroke="${METHOD_COLORS.dsf}"[^>]*/><text[^>]*>DSF&apos;s λᵢ<`));
  assert.match(svg, />mean over t of Jₜ\[i\]\[i\], channel i</);
  assert.match(svg, />the same, sorted</);
  assert.match(svg, /DSF pairs λᵢ with channel i by index/);
  // The channels as dots (one per channel), not a line through unrelated neighbours.
  assert.equal(svg.split("<circle").length - 1, 4);
  // No TeX subscripts in the figure's text.
  assert.ok(!/J_t|λ_i|h_\{/.test(svg));
});
