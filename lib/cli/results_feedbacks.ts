/**
 * `deno task results GROUP` for a group of `deno task feedbacks` files: per measured checkpoint,
 * the cosine of each feedback's gradient with BPTT's, the share of same-sign entries, and the time
 * of one loss + gradient relative to DSF's (`results/GROUP/summary.md`).
 *
 * @module
 */
import { basename, join } from "node:path";
import { type FeedbackFile, readFeedbackFiles } from "../io/feedback_files.ts";
import { writeToolSummary } from "./results_table.ts";

const VARIANTS = ["ft-bptt", "dsf", "dsf-fitted", "dsf-jacobian-diagonal"];

/**
 * The feedback comparisons of a group of `deno task feedbacks` files: one table row per measured
 * checkpoint. Null for a group that holds training runs (their feedbacks files time the methods'
 * steps for the group's own summary) or no such file.
 */
export async function summarizeFeedbacks(
  group: string,
): Promise<{ md: string; block: string } | null> {
  const dir = join("results", group);
  if ([...Deno.readDirSync(dir)].some((e) => e.name.endsWith(".metrics.jsonl"))) return null;
  const files = await readFeedbackFiles(dir);
  if (!files.length) return null;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const cell = (f: FeedbackFile, v: string) => {
    const r = f.rows.find((x) => x.variant === v);
    return r ? `${mean(r.cosine).toFixed(3)}` : "–";
  };
  const time = (f: FeedbackFile, v: string) => {
    const r = f.rows.find((x) => x.variant === v);
    const d = f.rows.find((x) => x.variant === "dsf");
    return r && d ? (r.ms / d.ms).toFixed(2) : "–";
  };
  const head = `| weights | ${VARIANTS.map((v) => `cos ${v}`).join(" | ")} | same sign as BPTT ` +
    `(${VARIANTS.join(" / ")}) | time bptt / dsf | time jacobian-diagonal / dsf | refit (ms) ` +
    `|\n|---|${VARIANTS.map(() => "---").join("|")}|---|---|---|---|`;
  const signs = (f: FeedbackFile) => {
    const v = VARIANTS.map((x) => f.rows.find((r) => r.variant === x)?.signAgreement);
    return v.every((a) => a?.length) ? v.map((a) => mean(a!).toFixed(3)).join(" / ") : "–";
  };
  const lines = files.map((f) =>
    `| ${f.config}, ${
      f.checkpoint === "init" ? "initial" : `${basename(f.run)} at update ${f.step}`
    } | ` +
    `${VARIANTS.map((v) => cell(f, v)).join(" | ")} | ${signs(f)} | ${time(f, "bptt")} | ` +
    `${time(f, "dsf-jacobian-diagonal")} | ` +
    `${f.rows.find((x) => x.variant === "dsf-fitted")?.refitMs?.toFixed(0) ?? "–"} |`
  );
  const block = [
    `Cosine of each gradient with the exact BPTT gradient over all recurrent weights (mean over ` +
    `${batchCounts(files)} training batches; ${files[0].backend}), and the time of one loss + ` +
    `gradient relative to DSF's (\`results/${group}/\`):`,
    "",
    head,
    ...lines,
  ].join("\n");
  const md = await writeToolSummary(group, "feedbacks", block, files.map((f) => f.command));
  return { md, block };
}

/** "3", or "3 or 4" when the files used different numbers of batches. */
function batchCounts(files: readonly { batches: number }[]): string {
  const counts = [...new Set(files.map((f) => f.batches))].sort((a, b) => a - b);
  return counts.length === 1
    ? `${counts[0]}`
    : `${counts.slice(0, -1).join(", ")} or ${counts.at(-1)}`;
}
