/**
 * One mode's comparison of a parity run (ours against PyTorch, lib/bench/parity.ts) and the
 * Markdown summary of a run's modes: the step-1 gradient error per parameter, the largest loss
 * difference over the first steps and over the run, and the command that made it.
 *
 * @module
 */
import type { NamedTensor } from "../models/torch_names.ts";
import { relativeError } from "./parity.ts";

/** The largest loss difference over some steps. */
export interface LossGap {
  /** Steps compared (1..steps). */
  steps: number;
  /** max |ours − torch|. */
  absolute: number;
  /** max |ours − torch| / |torch|. */
  relative: number;
  /** The step (1-based) of the largest relative difference. */
  at: number;
}

/** One mode of a parity run. */
export interface ParityRow {
  /** Gradient mode. */
  mode: string;
  /** max over parameters of ‖ours − torch‖ / ‖torch‖ (step-1 gradients). */
  maxGradError: number;
  /** The same over the recurrent cells' weights. */
  maxRnnGradError: number;
  /** ‖ours − torch‖ / ‖torch‖ per parameter (PyTorch names). */
  gradErrors: Record<string, number>;
  /** Both losses at steps 1, 2, 10, 50 (those run) with their relative difference. */
  losses: Record<string, { ours: number; torch: number; relative: number }>;
  /** The largest loss differences over the first `fixtureSteps` steps and over all. */
  lossGaps: LossGap[];
  /** Our losses, steps 1..n. */
  oursLosses: number[];
  /** PyTorch's losses, steps 1..n. */
  torchLosses: number[];
  /** Wall time of our training, s. */
  oursSeconds: number;
  /** Wall time of PyTorch's (the process), s. */
  torchSeconds: number;
  /**
   * How far PyTorch's step-1 gradients of the nearest other mode are from this mode's (max over
   * parameters of the relative distance): the error a swapped mode would show.
   */
  separation?: { mode: string; distance: number };
}

/** The largest loss difference over steps 1..steps. */
export function lossGap(ours: number[], torch: number[], steps: number): LossGap {
  const gap: LossGap = { steps, absolute: 0, relative: 0, at: 1 };
  for (let s = 1; s <= steps; s++) {
    const d = Math.abs(ours[s - 1] - torch[s - 1]);
    gap.absolute = Math.max(gap.absolute, d);
    if (d / Math.abs(torch[s - 1]) > gap.relative) {
      gap.relative = d / Math.abs(torch[s - 1]);
      gap.at = s;
    }
  }
  return gap;
}

/** One mode's row from both sides' losses and step-1 gradients. */
export function parityRow(
  mode: string,
  ours: { losses: number[]; grads: Record<string, NamedTensor>; seconds: number },
  torch: { losses: number[]; grads: Record<string, NamedTensor>; seconds: number },
  fixtureSteps: number,
): ParityRow {
  const gradErrors: Record<string, number> = {};
  for (const [name, g] of Object.entries(torch.grads)) {
    gradErrors[name] = relativeError(ours.grads[name].data, g.data);
  }
  const steps = torch.losses.length;
  const rel = (s: number) =>
    Math.abs(ours.losses[s - 1] - torch.losses[s - 1]) / Math.abs(torch.losses[s - 1]);
  const at = [1, 2, 10, 50].filter((s) => s <= steps);
  const rnn = Object.entries(gradErrors).filter(([n]) => n.includes(".rnn.")).map(([, e]) => e);
  return {
    mode,
    maxGradError: Math.max(...Object.values(gradErrors)),
    maxRnnGradError: Math.max(...rnn),
    gradErrors,
    losses: Object.fromEntries(
      at.map((
        s,
      ) => [s, { ours: ours.losses[s - 1], torch: torch.losses[s - 1], relative: rel(s) }]),
    ),
    lossGaps: [...new Set([Math.min(fixtureSteps, steps), steps])].map((n) =>
      lossGap(ours.losses, torch.losses, n)
    ),
    oursLosses: ours.losses,
    torchLosses: torch.losses,
    oursSeconds: ours.seconds,
    torchSeconds: torch.seconds,
  };
}

/**
 * Sets each row's {@link ParityRow.separation} from PyTorch's step-1 gradients of every mode.
 * @param torch per mode, the gradients by name
 */
export function setSeparations(
  rows: ParityRow[],
  torch: Record<string, Record<string, NamedTensor>>,
): void {
  for (const r of rows) {
    for (const [other, grads] of Object.entries(torch)) {
      if (other === r.mode) continue;
      const distance = Math.max(
        ...Object.entries(torch[r.mode]).map(([n, g]) => relativeError(grads[n].data, g.data)),
      );
      if (!r.separation || distance < r.separation.distance) {
        r.separation = { mode: other, distance };
      }
    }
  }
}

/** What made a run: the setting, both sides, the command (repository-relative), the date. */
export interface ParityMeta {
  /** The parity case. */
  case: string;
  /** One line: model, shapes, data. */
  recipe: string;
  /** Our backend's line. */
  backend: string;
  /** PyTorch's side. */
  torch: string;
  /** The command, paths relative to the repository. */
  command: string;
  /** ISO date. */
  date: string;
}

const e2 = (x: number) => x.toExponential(2);

/** The run's Markdown summary. */
export function paritySummary(meta: ParityMeta, rows: ParityRow[]): string {
  const modes = rows.map((r) => r.mode);
  const steps = Object.keys(rows[0]?.losses ?? {});
  const lines = [
    `# Ours vs PyTorch on the same run (case \`${meta.case}\`)`,
    "",
    `${meta.recipe}; ours: ${meta.backend}; PyTorch: ${meta.torch}. Made by \`${meta.command}\` ` +
    `on ${meta.date.slice(0, 10)}.`,
    "",
    "## Step-1 gradients and losses",
    "",
    `| mode | step-1 gradients: max ‖ours − torch‖ / ‖torch‖, all parameters | the recurrent cells' weights | the same between PyTorch's gradients of this mode and the nearest other | ${
      rows[0]?.lossGaps.map((g) => `max relative loss difference, steps 1–${g.steps} (at step)`)
        .join(" | ")
    } | ${steps.map((s) => `loss at step ${s}: ours / torch (relative)`).join(" | ")} |`,
    `|---|---|---|---|${rows[0]?.lossGaps.map(() => "---").join("|")}|${
      steps.map(() => "---").join("|")
    }|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.mode} | ${e2(r.maxGradError)} | ${e2(r.maxRnnGradError)} | ${
        r.separation ? `${e2(r.separation.distance)} (${r.separation.mode})` : "–"
      } | ${
        r.lossGaps.map((g) => `${e2(g.relative)} (${g.at}); absolute ${e2(g.absolute)}`).join(" | ")
      } | ${
        steps.map((s) => {
          const l = r.losses[s];
          return `${l.ours.toFixed(5)} / ${l.torch.toFixed(5)} (${l.relative.toExponential(1)})`;
        }).join(" | ")
      } |`,
    );
  }
  lines.push(
    "",
    "## Step-1 gradient error per parameter: ‖ours − torch‖ / ‖torch‖",
    "",
    `| parameter | ${modes.join(" | ")} |`,
    `|---|${modes.map(() => "---:").join("|")}|`,
  );
  for (const name of Object.keys(rows[0]?.gradErrors ?? {})) {
    lines.push(`| ${name} | ${rows.map((r) => e2(r.gradErrors[name])).join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}
