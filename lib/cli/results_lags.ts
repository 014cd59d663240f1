/**
 * `deno task results GROUP` for a group of `deno task lags` files: per file, each feedback's
 * cosine with BPTT's state gradient (mean over positions, and by distance to the sequence end),
 * its share of ‖δ̃‖² in the top λ quartile beside BPTT's, and the true Jacobian's diagonal
 * statistics — the table the README quotes through its `<!-- results:GROUP -->` block.
 *
 * @module
 */
import { basename, join } from "node:path";
import { writeToolSummary } from "./results_table.ts";
import { readInputFile } from "../io/bounded_file.ts";

/** What the summary reads of a lags file. */
interface LagsFile {
  run: string;
  config: string;
  mode: string;
  /** The run's feedback kind (`fixed` is the paper's λ). */
  feedbackKind?: string;
  checkpoint: string;
  step: number;
  /** The measured layer and the model's number of recurrent layers (files since layers). */
  layer?: number;
  layers?: number;
  rows: number[][];
  lambda: { source: string; mean: number; min: number; max: number };
  labels: Record<string, string>;
  diagonal: {
    channelQuantiles: number[];
    diagonalShare: number;
    mean: number;
    channelMean?: number[];
  };
  feedbacks: {
    feedback: string;
    cosine: number;
    byLag: { kMin: number; kMax: number; cosine: number }[];
    groups: { by: string; group: number; share: number; shareBptt: number }[];
  }[];
  command: string;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");

function isLags(x: unknown): x is LagsFile {
  const f = x as Partial<LagsFile>;
  return Array.isArray(f?.feedbacks) && typeof f?.diagonal === "object" && !!f?.labels;
}

/** Ranks of `v` (0-based, ties in index order). */
function ranks(v: readonly number[]): number[] {
  const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
  const r = new Array<number>(v.length);
  order.forEach((i, k) => (r[i] = k));
  return r;
}

/** Pearson correlation of two equal-length series. */
function pearson(a: readonly number[], b: readonly number[]): number {
  const m = (v: readonly number[]) => v.reduce((x, y) => x + y, 0) / v.length;
  const [ma, mb] = [m(a), m(b)];
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/**
 * With a linspace(0, 1) λ (channel i's λ grows with i): the true mean Jacobian diagonal per
 * quarter of the channels in λ order, and its rank correlation with λ — does the trained network
 * keep its memory where DSF's λ says it is? Null for another λ or a file without the channels.
 */
export function lambdaOrder(
  f: { lambda: { mean: number; min: number; max: number }; diagonal: { channelMean?: number[] } },
): { quarters: number[]; rho: number } | null {
  const cm = f.diagonal.channelMean;
  const linspace = f.lambda.min === 0 && f.lambda.max === 1 && Math.abs(f.lambda.mean - 0.5) < 1e-6;
  if (!cm || cm.length < 8 || !linspace) return null;
  const n = cm.length;
  const quarters = [0, 1, 2, 3].map((q) => {
    const part = cm.slice(Math.floor((q * n) / 4), Math.floor(((q + 1) * n) / 4));
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  return { quarters, rho: pearson(ranks(cm), cm.map((_, i) => i)) };
}

/** The method a file's weights were trained with: the mode, and a feedback other than λ's. */
const trainedIn = (f: LagsFile) =>
  f.mode === "dsf" && f.feedbackKind && f.feedbackKind !== "fixed"
    ? `dsf with the ${f.feedbackKind} feedback`
    : f.mode;

/**
 * One row per file: how diagonal the true Jacobian is (‖diag J‖ / ‖J‖_F) beside the cosine with
 * BPTT's δ of FT-BPTT, DSF and the two Jacobian-based diagonal feedbacks. A diagonal feedback
 * carries only diag J_t's part of the backward: the share bounds what any of them can align.
 */
function ceilingTable(files: readonly LagsFile[]): string[] {
  const cos = (f: LagsFile, k: string) =>
    f2(f.feedbacks.find((x) => x.feedback === k)?.cosine ?? NaN);
  return [
    "How diagonal the true Jacobian J_t is, and how close each diagonal feedback's state gradient " +
    "comes to BPTT's (mean cosine over positions; FT-BPTT keeps no temporal term):",
    "",
    "| weights | layer | ‖diag J‖ / ‖J‖_F | cos FT-BPTT | cos DSF (the run's λ) | " +
    "cos fitted λ | cos Jacobian diagonal |",
    "|---|---|---|---|---|---|---|",
    ...files.map((f) =>
      `| ${f.config}, trained in ${trainedIn(f)}, update ${f.step} | ${
        f.layer === undefined ? "top" : `${f.layer + 1} of ${f.layers}`
      } | ${f2(f.diagonal.diagonalShare)} | ${cos(f, "ft-bptt")} | ${cos(f, "dsf")} | ` +
      `${cos(f, "dsf-fitted")} | ${cos(f, "dsf-jacobian-diagonal")} |`
    ),
  ];
}

/** The group's summary (null when it holds no lags file). */
export async function summarizeLags(group: string): Promise<{ md: string; block: string } | null> {
  const dir = join("results", group);
  const files: LagsFile[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.name.endsWith("-lags-last.json") && !/-lags-\w+\.json$/.test(e.name)) continue;
    const path = join(dir, e.name);
    const bytes = await readInputFile(path, { what: "a lags result", maxBytes: 64 * 2 ** 20 });
    let f: unknown;
    try {
      f = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new Error(`${path} is not valid JSON (${(err as Error).message}): restore it`);
    }
    if (isLags(f)) files.push(f);
  }
  if (!files.length) return null;
  const parts: string[] = [];
  for (const f of files) {
    const lags = f.feedbacks[0].byLag.map((
      b,
    ) => (b.kMin === b.kMax ? `${b.kMin}` : `${b.kMin}–${b.kMax}`));
    const q = f.diagonal.channelQuantiles.map(f2).join(" / ");
    const byLambda = lambdaOrder(f);
    parts.push(
      `\`${basename(f.run)}\` (${f.config}, trained in ${trainedIn(f)}, update ${f.step}; ` +
        `${f.rows.flat().length} sequences of ${Math.max(...f.rows.flat())} steps or fewer; ` +
        `DSF's λ: ${f.lambda.source}). The true Jacobian's per-channel mean diagonal, ` +
        `min / q1 / median / q3 / max: ${q}; ‖diag J‖ / ‖J‖_F ${f2(f.diagonal.diagonalShare)}.` +
        (byLambda
          ? ` Its mean per quarter of the channels in λ order: ${
            byLambda.quarters.map(f2).join(" / ")
          } ` +
            `(Spearman ρ of the channel's mean diagonal with its λ: ${f2(byLambda.rho)}).`
          : ""),
      "",
      `| state gradient | cos with BPTT's δ | share of ‖δ̃‖² in the top λ quartile (BPTT's) | ` +
        `${lags.map((l) => `cos at k = ${l}`).join(" | ")} |`,
      `|---|---|---|${lags.map(() => "---").join("|")}|`,
      ...f.feedbacks.map((x) => {
        const top = x.groups.filter((g) => g.by === "lambda").at(-1);
        return `| ${f.labels[x.feedback] ?? x.feedback} | ${f2(x.cosine)} | ` +
          `${top ? `${f2(top.share)} (${f2(top.shareBptt)})` : "–"} | ` +
          `${x.byLag.map((b) => f2(b.cosine)).join(" | ")} |`;
      }),
      "",
    );
  }
  const block = [
    ...ceilingTable(files),
    "",
    "Per position, the cosine of each method's state gradient δ̃_t with BPTT's exact δ_t (k = " +
    `steps to the sequence's end; \`results/${group}/\`, made by \`deno task lags\`):`,
    "",
    ...parts,
  ].join("\n").trimEnd();
  const md = await writeToolSummary(group, "lags", block, files.map((f) => f.command));
  return { md, block };
}
