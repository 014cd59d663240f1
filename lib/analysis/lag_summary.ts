/**
 * The per-lag comparison of each feedback's state gradient δ̃_t with BPTT's δ_t
 * (`lag_alignment.ts`), over the real positions of the measured rows:
 *
 * - the cosine cos(δ̃_t, δ_t) over the S channels, averaged over positions: by step t and by
 *   k = len − 1 − t, the steps to the row's end, in buckets k + 1 ∈ [2^b, 2^(b+1)), i.e.
 *   k ∈ {0}, {1, 2}, {3 … 6}, {7 … 14}, …;
 * - per bucket, the RMS norms ‖δ_t‖ and ‖δ̃_t‖ and their ratio;
 * - per channel group (4 groups by quartile of a key: the run's λ, or the mean diag J_t), the
 *   cosine within the group and the group's share of Σ‖δ̃‖² next to its share of Σ‖δ‖²;
 * - the Jacobians' diagonal: mean and spread of diag J_t, and ‖diag J_t‖/‖J_t‖_F.
 *
 * @module
 */
import { LAG_FEEDBACKS, type LagBatch, type LagFeedback, meanOverReal } from "./lag_alignment.ts";

/** One bucket of k (steps to the row's end). */
export interface LagBucket {
  /** Smallest k of the bucket, 2^b − 1. */
  kMin: number;
  /** Largest k of the bucket, 2^(b+1) − 2. */
  kMax: number;
  /** Real positions in the bucket (over rows and batches). */
  count: number;
  /** Mean over the positions of cos(δ̃_t, δ_t). */
  cosine: number;
  /** RMS over the positions of BPTT's ‖δ_t‖. */
  normBptt: number;
  /** RMS over the positions of the feedback's ‖δ̃_t‖. */
  norm: number;
  /** norm / normBptt. */
  normRatio: number;
}

/** One channel group's comparison. */
export interface ChannelGroup {
  /** What the channels are grouped by: the run's λ or the mean diag J_t. */
  by: "lambda" | "jacobian";
  /** Quartile, 0 (lowest key) to 3. */
  group: number;
  /** The group's channels. */
  channels: number[];
  /** The key's least value in the group. */
  keyMin: number;
  /** The key's greatest value in the group. */
  keyMax: number;
  /** Mean over the positions of the cosine within the group's channels. */
  cosine: number;
  /** The group's share of Σ‖δ̃‖² (the feedback's gradient). */
  share: number;
  /** The group's share of Σ‖δ‖² (BPTT's). */
  shareBptt: number;
}

/** One feedback's comparison with BPTT. */
export interface FeedbackLags {
  /** The feedback ({@link LAG_FEEDBACKS}). */
  feedback: LagFeedback;
  /** Mean over the real positions of cos(δ̃_t, δ_t). */
  cosine: number;
  /** The cosine of the whole fields, Σ⟨δ̃_t, δ_t⟩ / √(Σ‖δ̃_t‖² Σ‖δ_t‖²) (large δ weigh more). */
  cosineField: number;
  /** The mean cosine at each step t (null where no row is real). */
  cosineByStep: (number | null)[];
  /** By k, in buckets. */
  byLag: LagBucket[];
  /** By channel group. */
  groups: ChannelGroup[];
}

/** The Jacobians' diagonal over the real positions. */
export interface DiagonalStats {
  /** Mean of J_t[i][i] over positions and channels. */
  mean: number;
  /** Standard deviation of J_t[i][i] over positions and channels. */
  sd: number;
  /** Standard deviation over the channels of the per-channel mean. */
  channelSd: number;
  /** The per-channel mean's min, quartiles and max. */
  channelQuantiles: [number, number, number, number, number];
  /** Mean over the positions of ‖diag J_t‖/‖J_t‖_F (1/√S for a dense random matrix). */
  diagonalShare: number;
  /** 1/√S. */
  randomShare: number;
  /** The per-channel mean diag J_t, [S] (the key of the `jacobian` groups). */
  channelMean: number[];
}

/** The bucket of k: k + 1 ∈ [2^b, 2^(b+1)). */
export function lagBucket(k: number): number {
  return Math.floor(Math.log2(k + 1));
}

/**
 * Groups the S channels by quartile of `key` (sorted ascending, ties by index): 4 groups of
 * ⌊S/4⌋ or ⌈S/4⌉ channels. For a linspace λ, the groups are contiguous channel ranges.
 */
export function quartileGroups(key: ArrayLike<number>): number[][] {
  const order = Array.from({ length: key.length }, (_, i) => i)
    .sort((a, b) => key[a] - key[b] || a - b);
  return [0, 1, 2, 3].map((g) =>
    order.slice(Math.round((g * order.length) / 4), Math.round(((g + 1) * order.length) / 4))
  );
}

function cosine(a: Float32Array, b: Float32Array, at: number, channels: ArrayLike<number>) {
  let [ab, aa, bb] = [0, 0, 0];
  for (let q = 0; q < channels.length; q++) {
    const c = channels[q];
    ab += a[at + c] * b[at + c];
    aa += a[at + c] ** 2;
    bb += b[at + c] ** 2;
  }
  return { cos: aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN, ab, aa, bb };
}

/**
 * Compares each feedback's δ̃ with BPTT's over every measured batch.
 * @param batches the measurements
 * @param deltas per batch, δ [R, T, S] of each feedback (`feedbackDeltas`)
 * @param lambda the run's λ [S] (the key of the `lambda` groups)
 */
export function summarizeLags(
  batches: readonly LagBatch[],
  deltas: readonly Record<LagFeedback, Float32Array>[],
  lambda: ArrayLike<number>,
): { feedbacks: FeedbackLags[]; diagonal: DiagonalStats } {
  const diagonal = diagonalStats(batches);
  const groupings = [
    { by: "lambda" as const, key: lambda },
    { by: "jacobian" as const, key: diagonal.channelMean },
  ].map(({ by, key }) => ({ by, key, groups: quartileGroups(key) }));
  const steps = Math.max(...batches.map((b) => b.steps));
  const all = Array.from({ length: batches[0].size }, (_, i) => i);
  const feedbacks = LAG_FEEDBACKS.map((feedback): FeedbackLags => {
    const byStep = Array.from({ length: steps }, () => ({ sum: 0, n: 0 }));
    const buckets: { sum: number; nc: number; n: number; bb: number; aa: number }[] = [];
    const groups = groupings.flatMap(({ by, groups }) =>
      groups.map((channels) => ({ by, channels, sum: 0, n: 0, aa: 0, bb: 0 }))
    );
    let [sum, n, ab, aa, bb] = [0, 0, 0, 0, 0];
    batches.forEach((b, bi) => {
      const approx = deltas[bi][feedback];
      const exact = deltas[bi].bptt;
      for (let r = 0; r < b.rows; r++) {
        for (let t = 0; t < b.lengths[r]; t++) {
          const at = (r * b.steps + t) * b.size;
          const c = cosine(approx, exact, at, all);
          const k = b.lengths[r] - 1 - t;
          const bucket = buckets[lagBucket(k)] ??= { sum: 0, nc: 0, n: 0, bb: 0, aa: 0 };
          bucket.aa += c.aa, bucket.bb += c.bb, bucket.n++;
          ab += c.ab, aa += c.aa, bb += c.bb;
          for (const g of groups) {
            const cg = cosine(approx, exact, at, g.channels);
            g.aa += cg.aa, g.bb += cg.bb;
            if (Number.isFinite(cg.cos)) g.sum += cg.cos, g.n++;
          }
          if (!Number.isFinite(c.cos)) continue;
          sum += c.cos, n++;
          byStep[t].sum += c.cos, byStep[t].n++;
          bucket.sum += c.cos, bucket.nc++;
        }
      }
    });
    const total = (f: "aa" | "bb") =>
      groups.filter((g) => g.by === "lambda").reduce((s, g) => s + g[f], 0);
    return {
      feedback,
      cosine: sum / n,
      cosineField: ab / Math.sqrt(aa * bb),
      cosineByStep: byStep.map((s) => (s.n ? s.sum / s.n : null)),
      byLag: buckets.flatMap((q, i) => {
        if (!q) return [];
        const normBptt = Math.sqrt(q.bb / q.n);
        const norm = Math.sqrt(q.aa / q.n);
        return [{
          kMin: 2 ** i - 1,
          kMax: 2 ** (i + 1) - 2,
          count: q.n,
          cosine: q.sum / q.nc,
          normBptt,
          norm,
          normRatio: norm / normBptt,
        }];
      }),
      groups: groups.map((g, i): ChannelGroup => {
        const key = groupings.find((x) => x.by === g.by)!.key;
        const keys = g.channels.map((c) => key[c]);
        return {
          by: g.by,
          group: i % 4,
          channels: g.channels,
          keyMin: Math.min(...keys),
          keyMax: Math.max(...keys),
          cosine: g.sum / g.n,
          share: g.aa / total("aa"),
          shareBptt: g.bb / total("bb"),
        };
      }),
    };
  });
  return { feedbacks, diagonal };
}

/** The diagonal's statistics over every batch's real positions ({@link DiagonalStats}). */
export function diagonalStats(batches: readonly LagBatch[]): DiagonalStats {
  const s = batches[0].size;
  let [sum, sq, n, share, positions] = [0, 0, 0, 0, 0];
  const channelSum = new Float64Array(s);
  for (const b of batches) {
    const means = meanOverReal(b.diag, b.lengths, b);
    let real = 0;
    for (let r = 0; r < b.rows; r++) {
      for (let t = 0; t < b.lengths[r]; t++, real++) {
        share += b.diagShare[r * b.steps + t];
        for (let c = 0; c < s; c++) {
          const v = b.diag[(r * b.steps + t) * s + c];
          sum += v, sq += v * v, n++;
        }
      }
    }
    positions += real;
    means.forEach((m, c) => channelSum[c] += m * real);
  }
  const mean = sum / n;
  const channelMean = Array.from(channelSum, (v) => v / positions);
  const sorted = [...channelMean].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.round(p * (s - 1))];
  const cm = channelMean.reduce((a, v) => a + v, 0) / s;
  return {
    mean,
    sd: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    channelSd: Math.sqrt(channelMean.reduce((a, v) => a + (v - cm) ** 2, 0) / s),
    channelQuantiles: [q(0), q(0.25), q(0.5), q(0.75), q(1)],
    diagonalShare: share / positions,
    randomShare: 1 / Math.sqrt(s),
    channelMean,
  };
}
