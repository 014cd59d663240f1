/**
 * Tests of lib/notebook/jacobians.ts: the statements under notebook 02's figures (claim, then
 * the numbers) computed from known statistics, their checks on inconsistent input, and the
 * statistics charts split by scale (no norm on the axis of the 0–1 statistics).
 */
import assert from "node:assert/strict";
import type { BpttCheckRow } from "../lib/analysis/bptt_linear_system.ts";
import { jacobianStatRows, type JacobianStepStats } from "../lib/analysis/jacobian_stats.ts";
import { METHOD_COLORS } from "../lib/plot/method_colors.ts";
import {
  bpttCheckFindings,
  diagonalVsLambdaChart,
  jacobianFindings,
  type JacobianFindingsInput,
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
// Steps 1..4: ‖J‖₂ 2, 0.5, 2, 2 (3 above 1); ρ 0.9, 1.2, 0.9, 0.9 (1 above 1); deviation 0.8 at
// t = 2, 0.2 elsewhere (mean 0.35); diagonal share 0.2 at t = 2, 0.6 elsewhere: mean 0.5, but the
// diagonal's mean part of ‖J_t‖²_F is (0.04 + 3·0.36)/4 = 28%, not 0.5² = 25%.
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
// A 4×4 J_t: diagonal 0.6, one off-diagonal entry −0.8 → diagonal energy 4·0.36/(1.44+0.64).
const matrix = Float32Array.from({ length: 16 }, (_, q) => q % 5 === 0 ? 0.6 : q === 1 ? -0.8 : 0);
const input: JacobianFindingsInput = {
  size: 4,
  first,
  last,
  shown: { t: 3, matrix },
  meanDiagonal: [0.9, -0.2, 0.5, 0.4],
};

Deno.test("jacobianFindings: each statement is the claim, then the numbers", () => {
  const f = jacobianFindings(input);
  const claim =
    /^\*\*Claim\*\* \(§[\d.]+[^)]*\): [^\n]+\.\n\n\*\*Data\*\* \([^\n]+\):\n\n(- [^\n]+\.(\n|$))+$/;
  for (const text of Object.values(f)) {
    for (const one of text.split(/\n\n(?=\*\*Claim)/)) assert.match(one, claim, one);
    // No verdict words of the old template.
    assert.doesNotMatch(text, /\b(mostly|partly|nearly|strongly|moderately)\b/);
  }
  assert.equal(f.structure.split("**Claim**").length - 1, 2);
  assert.match(f.heatmap, /\*\*Data\*\* \(J_t at t = 3, after step 300\)/);
  assert.match(
    f.heatmap,
    /the diagonal holds 69\.2% of ‖J_t‖²_F \(share 0\.832; a dense random 4×4 matrix: 25\.0%, share 0\.500\)/,
  );
  assert.match(
    f.heatmap,
    /largest \|J_t\[i\]\[i\]\|: 0\.600; largest off-diagonal \|J_t\[i\]\[j\]\|: 0\.800\./,
  );
  assert.match(f.structure, /after step 300, mean over the 4 steps t/);
  assert.match(
    f.structure,
    /holds 28\.0% of ‖J_t‖²_F, mean over t \(mean share 0\.500; .*\); after step 1: 81\.0%, mean share 0\.900\./,
  );
  assert.match(f.structure, /mean \|J_ii\| = 0\.400; after step 1: 0\.500\./);
  assert.match(
    f.structure,
    /‖J_t − J̄‖_F\/‖J̄‖_F = 0\.350 \(0 would be stationary\); after step 1: 0\.010\./,
  );
  assert.match(f.structure, /largest at t = 2: 0\.800\./);
  assert.match(f.norms, /‖J_t‖₂ = 1\.625, above 1 at 3 of 4 steps; after step 1: 0\.700\./);
  assert.match(f.norms, /spectral radius 0\.975, above 1 at 1 of 4 steps; after step 1: 0\.600\./);
  // Sorted −0.2, 0.4, 0.5, 0.9 against linspace 0, ⅓, ⅔, 1: |Δ| 0.2, 0.067, 0.167, 0.1.
  assert.match(f.diagonal, /\(here linspace\(0, 1, 4\)\)/);
  assert.match(
    f.diagonal,
    /it spans \[-0\.20, 0\.90\], median 0\.45; λ spans \[0\.00, 1\.00\], median 0\.50\./,
  );
  // As DSF pairs them (λ_i = 0, ⅓, ⅔, 1 with 0.9, −0.2, 0.5, 0.4): |Δ| 0.9, 0.533, 0.167, 0.6.
  assert.match(
    f.diagonal,
    /- as DSF pairs them \(λ_i with channel i\): they differ by 0\.55 per channel on average, correlation across channels −0\.23; the 1 channels with the largest λ \(1\.00 to 1\.00\) have a measured diagonal of median 0\.40\./,
  );
  assert.match(
    f.diagonal,
    /- sorted \(the best pairing of the same values\): they differ by 0\.13 per channel/,
  );
  assert.match(f.diagonal, /channel i gets λ_i whatever its memory/);
});

Deno.test("jacobianFindings: one probe only, no comparison; a given λ", () => {
  const f = jacobianFindings({
    ...input,
    first: last,
    lambda: { values: [0.5, 0.5, 0.5, 0.5], label: "λ = 0.5" },
  });
  assert.doesNotMatch(Object.values(f).join("\n"), /after step 1\b/);
  assert.match(f.diagonal, /\(here λ = 0\.5\)/);
  assert.match(f.diagonal, /λ spans \[0\.50, 0\.50\], median 0\.50\./);
});

Deno.test("jacobianFindings: inconsistent sizes are errors", () => {
  assert.throws(
    () => jacobianFindings({ ...input, shown: { t: 1, matrix: new Float32Array(9) } }),
    /shown J_t has 9 entries, expected S² = 16/,
  );
  assert.throws(
    () => jacobianFindings({ ...input, meanDiagonal: [1, 2, 3] }),
    /meanDiagonal has 3 channels, expected S = 4/,
  );
  assert.throws(
    () => jacobianFindings({ ...input, lambda: { values: [0, 1], label: "x" } }),
    /λ has 2 channels/,
  );
  assert.throws(() => jacobianFindings({ ...input, last: { step: 2, stats: [] } }), /no steps/);
  assert.throws(() => jacobianFindings({ ...input, size: 0 }), /positive integer/);
});

Deno.test("bpttCheckFindings: the worst differences and their verdict against float32", () => {
  const row = (cell: string, dd: number, dg: number): BpttCheckRow => ({
    cell,
    state: 16,
    "max |Δδ|": dd,
    "max |δ|": 4,
    "max |Δ∂L/∂θ|": dg,
    "max |∂L/∂θ|": 20,
  });
  const ok = bpttCheckFindings([row("rnn", 3e-7, 2e-6), row("gru", 1e-7, 4e-6)]);
  assert.match(
    ok,
    /^\*\*Claim\*\* \(§2\.2, eqs\. 11–12\): exact BPTT is .*\.\n\n\*\*Data\*\* \(rnn, gru;/,
  );
  assert.match(ok, /- max \|δ\(eq\. 11\) − δ\(autodiff\)\| = 3\.0e-7, with \|δ\| up to 4\./);
  assert.match(ok, /- max \|Δ∂L\/∂θ\| .* = 4\.0e-6, with \|∂L\/∂θ\| up to 20\./);
  assert.match(ok, /- at most 2\.0e-7 of the values' scale .*: float32 rounding\.$/);
  const bad = bpttCheckFindings([row("lstm", 0.5, 1e-6)]);
  assert.match(bad, /at most 1\.3e-1 .*\*\*larger than float32 rounding explains\*\*\.$/);
  assert.throws(() => bpttCheckFindings([]), /no rows/);
});

Deno.test("jacobianStatsChart: 0–1 statistics and norms on separate axes", () => {
  const probes = [first, last, last];
  const structure = jacobianStatsChart(probes, { group: "structure", size: 4 }).svg;
  const norms = jacobianStatsChart(probes, { group: "norms", size: 4 }).svg;
  for (const label of ["diagonal share", "mean |J_ii|", "non-stationarity"]) {
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
  assert.match(svg, new RegExp(`stroke="${METHOD_COLORS.dsf}"[^>]*/><text[^>]*>DSF&apos;s λ_i<`));
  assert.match(svg, />mean over t of J_t\[i\]\[i\], channel i</);
  assert.match(svg, />the same, sorted</);
  assert.match(svg, /DSF pairs λ_i with channel i by index/);
});
