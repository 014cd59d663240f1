/**
 * One colour per method across every figure of the project, from the Okabe–Ito palette (safe
 * for the common forms of colour blindness): a series named after a method (`bptt`, `BPTT`,
 * `dsf-fitted`, …) is drawn in its colour wherever it appears; other series take colours of the
 * same palette that no method in the same figure uses.
 *
 * @module
 */

/** The methods' colours, by the lower-case names the runs and notebooks use. */
export const METHOD_COLORS: Readonly<Record<string, string>> = {
  bptt: "#0072B2", // blue
  "ft-bptt": "#E69F00", // orange
  dsf: "#009E73", // bluish green
  "dsf-fitted": "#CC79A7", // reddish purple: the fitted λ
  fitted: "#CC79A7",
  "dsf-jacobian-diagonal": "#D55E00", // vermillion: the Jacobian-diagonal feedback
  "jacobian-diagonal": "#D55E00",
  gpt: "#56B4E9", // sky blue: the Transformer baseline
  transformer: "#56B4E9",
  ema: "#000000", // black: the EMA (MEGA) baseline
  // The benchmark's peers and implementations.
  pytorch: "#000000", // black: PyTorch's own BPTT
  "pytorch-dsf-ref": "#999999", // grey: the reference code's DSF in PyTorch
  "dsf-wasm": "#009E73", // DSF with its default kernel on wasm
  "dsf-scan": "#56B4E9", // sky blue: DSF by the Hillis–Steele scan
};

/**
 * Colours for series that are no method: Okabe–Ito's sky blue and yellow, then Tol's
 * colour-blind-safe muted colours (black and grey stay for PyTorch and the baselines).
 */
const OTHER_COLORS = [
  "#56B4E9",
  "#F0E442",
  "#882255",
  "#44AA99",
  "#332288",
  "#DDCC77",
  "#117733",
  "#88CCEE",
  "#AA4499",
  "#999933",
];

/**
 * The colour of a series named after a method, or undefined for any other name: the exact name
 * (`bptt`, `FT-BPTT`, `dsf-fitted`), or a label that starts with one (`DSF (linspace λ)`,
 * `bptt · wasm+blas1`); labels naming our feedbacks (`DSF (Jacobian diagonal)`,
 * `DSF (fitted λ)`) take the feedback's colour.
 */
export function methodColor(series: string): string | undefined {
  const s = series.trim().toLowerCase();
  if (METHOD_COLORS[s]) return METHOD_COLORS[s];
  if (/^dsf\b.*jacobian/.test(s)) return METHOD_COLORS["jacobian-diagonal"];
  if (/^dsf\b.*(fitted|adaptive)/.test(s)) return METHOD_COLORS.fitted;
  return METHOD_COLORS[s.split(/[\s·(]/)[0]];
}

/**
 * A colour for each series: the method's where the name is one, else the first colours of
 * `palette` (default: Okabe–Ito's colours no method has) not taken in this figure, in order.
 */
export function seriesColors(
  series: readonly string[],
  palette: readonly string[] = OTHER_COLORS,
): string[] {
  const taken = new Set(series.map(methodColor).filter((c): c is string => c !== undefined));
  const free = palette.filter((c) => !taken.has(c));
  let next = 0;
  return series.map((s) => methodColor(s) ?? free[next++ % free.length]);
}
