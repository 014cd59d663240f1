/**
 * The README's opening lines on the paper's claim: for one group of runs of the three modes
 * (BPTT, FT-BPTT, DSF), the minimum validation perplexities, the ordering and the share of the
 * FT-BPTT → BPTT gap DSF closes — at the end of training, or, while a run trains, at the last
 * update every run has reached — and where DSF's curve crosses the others'.
 *
 * @module
 */
import {
  commonStep,
  crossings,
  meanCurves,
  type ReproRun,
  runsAt,
  summarizeMethods,
} from "./reproduction.ts";
import { modeLabel, PAPER_MODES } from "./paper_tables.ts";

const MODES: string[] = [...PAPER_MODES];

/** Where each run of the group stands: its method and, while it trains, its progress line. */
export interface RunProgress {
  method: string;
  inProgress?: string;
}

/**
 * Three markdown lines (a list), or null when the group lacks one of the three modes.
 * @param runs the group's runs (seed 0 and others)
 * @param progress each run's method and progress line, for the runs still training
 */
export function headline(
  runs: readonly ReproRun[],
  progress: readonly RunProgress[],
): string | null {
  const three = runs.filter((r) => MODES.includes(r.method));
  if (!MODES.every((m) => three.some((r) => r.method === m))) return null;
  const seeds = [...new Set(three.map((r) => r.seed))].sort();
  const training = progress.filter((p) => p.inProgress && MODES.includes(p.method));
  const final = summarizeMethods(three, MODES);
  const ppl = (x: number) => x.toFixed(2);
  const minima = final.map((r) => {
    const running = training.find((p) => p.method === r.method);
    return `${modeLabel(r.method)} ${ppl(r.minValPpl.mean)}` +
      (Number.isFinite(r.testPpl.mean) ? ` (test ${ppl(r.testPpl.mean)})` : "") +
      (running ? ` so far (${running.inProgress})` : "");
  }).join(", ");
  const seedText = seeds.length === 1 ? `seed ${seeds[0]}` : `mean of seeds ${seeds.join(", ")}`;
  const lines = [`**Minimum validation perplexity** (${seedText}): ${minima}.`];
  // The comparison: at the end, or at the common horizon while a run trains.
  const horizon = training.length ? commonStep(three) : null;
  const at = horizon === null ? final : summarizeMethods(runsAt(three, horizon), MODES);
  const order = [...at].sort((a, b) => a.minValPpl.mean - b.minValPpl.mean)
    .map((r) => modeLabel(r.method)).join(" < ");
  const gap = at.find((r) => r.method === "dsf")!.gapClosed.mean;
  const where = horizon === null
    ? "At the end of training"
    : `Up to update ${horizon}, the last evaluation all three have reached (a run is still ` +
      `training, so this is not yet the end-of-training answer)`;
  lines.push(
    `**${where}:** ${order}` +
      (Number.isFinite(gap)
        ? `; DSF closes ${(100 * gap).toFixed(0)}% of the FT-BPTT → BPTT gap (the paper: 59–91%).`
        : "; BPTT is not ahead of FT-BPTT, so there is no gap for DSF to close."),
  );
  const curves = meanCurves(three);
  const swaps = ["bptt", "ft-bptt"].flatMap((other) => crossings(curves, "dsf", other));
  lines.push(
    swaps.length
      ? `**Where the curves cross:** ${
        swaps.map((c) =>
          `${modeLabel(c.ahead)} overtakes ${modeLabel(c.behind)} between updates ${
            c.between[0]
          } and ` +
          `${c.between[1]}`
        ).join("; ")
      }.`
      : "**Where the curves cross:** DSF's curve crosses neither BPTT's nor FT-BPTT's.",
  );
  return lines.map((l) => `- ${l}`).join("\n");
}
