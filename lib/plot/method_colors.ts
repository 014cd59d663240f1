/**
 * One colour per method across every figure of the project, from the Okabe–Ito palette and
 * Tol's muted palette (both safe for the common forms of colour blindness): a series named after
 * a method (`bptt`, `BPTT`, `dsf-fitted`, `DSF (fitted λ)`, …) is drawn in its colour wherever it
 * appears — notebooks, `results/` figures, benchmark plots; other series take colours that no
 * training method uses. `tests/plot_method_colors_svg_test.ts` holds every committed figure to
 * this table.
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
  // Wine, well apart from FT-BPTT's orange (the two share figures): the Jacobian-diagonal feedback.
  "dsf-jacobian-diagonal": "#882255",
  "jacobian-diagonal": "#882255",
  // Indigo: DSF with λ's range set (`dsf-capped` in results/why-lags/, `dsf-lam0-0.5` in a run's
  // method label: λ = linspace(0, 0.5)).
  "dsf-capped": "#332288",
  gpt: "#56B4E9", // sky blue: the Transformer baseline
  transformer: "#56B4E9",
  ema: "#000000", // black: the EMA (MEGA) baseline
  // The benchmark's peers and DSF's implementations (one colour each in every part of 04).
  pytorch: "#000000", // black: PyTorch's own BPTT
  "pytorch-dsf-ref": "#999999", // grey: the reference code's DSF in PyTorch
  "tfjs-layers": "#CC6677", // rose: TensorFlow.js's own GRU layer
  "dsf-wasm": "#009E73", // DSF with its default kernel on wasm: DSF's green
  "dsf-scan": "#56B4E9", // sky blue: DSF by the Hillis–Steele scan
  "dsf-sequential": "#999933", // olive: DSF by a loop of T steps
  "dsf-fft": "#AA4499", // purple: DSF by an FFT convolution
  "dsf-webgpu": "#44AA99", // teal: DSF's scan in one WebGPU kernel
};

/**
 * Colours for series that are no method: Tol's muted colours and Okabe–Ito's yellow, none of
 * them a training method's (BPTT, FT-BPTT, DSF and its feedbacks, the baselines); the first ones
 * are DSF's implementations', which share no figure with these series.
 */
const OTHER_COLORS = [
  "#44AA99",
  "#AA4499",
  "#999933",
  "#CC6677",
  "#88CCEE",
  "#DDCC77",
  "#117733",
  "#F0E442",
];

/**
 * The key of {@link METHOD_COLORS} a series label names, or undefined for any other label: the
 * exact name (`bptt`, `FT-BPTT`, `dsf-fitted`), or a label that starts with one (`DSF (linspace
 * λ)`, `DSF, λ = linspace[0, 1]`, `bptt · wasm+blas1`, `DSF's λ`); labels naming our feedbacks
 * (`DSF (Jacobian diagonal)`, `DSF (fitted λ)`) name the feedback.
 */
export function methodKey(series: string): string | undefined {
  const s = series.trim().toLowerCase();
  if (METHOD_COLORS[s]) return s;
  if (/^dsf\b.*jacobian/.test(s)) return "jacobian-diagonal";
  if (/^dsf\b.*(fitted|adaptive)/.test(s)) return "fitted";
  if (/^dsf-lam[0-9]/.test(s)) return "dsf-capped";
  const head = s.split(/[\s·(,'’:=]/)[0];
  return METHOD_COLORS[head] ? head : undefined;
}

/** The colour of a series named after a method ({@link methodKey}), or undefined. */
export function methodColor(series: string): string | undefined {
  const key = methodKey(series);
  return key === undefined ? undefined : METHOD_COLORS[key];
}

/** The red, green and blue of a `#RRGGBB` colour (0 to 255). */
const rgb = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

/** The distance of two `#RRGGBB` colours in RGB (0 to 441). */
function rgbDistance(a: string, b: string): number {
  const [x, y] = [rgb(a), rgb(b)];
  return Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
}

/** `#RRGGBB` at `t` ∈ [0, 1] between two colours, mixed in RGB (a sequential ramp). */
export function mixColor(a: string, b: string, t: number): string {
  const [x, y] = [rgb(a), rgb(b)];
  return "#" + x.map((v, i) => Math.round(v + (y[i] - v) * t).toString(16).padStart(2, "0"))
    .join("").toUpperCase();
}

/** Below this RGB distance a series' colour reads as a method's of the same figure. */
const NEAR = 100;

/**
 * A colour for each series: the method's where the name is one, else the first colours of
 * `palette` (default: colours no training method has) not taken in this figure, in order —
 * those that look like a method's colour of the figure (teal beside DSF's green, olive beside
 * FT-BPTT's orange) last.
 */
export function seriesColors(
  series: readonly string[],
  palette: readonly string[] = OTHER_COLORS,
): string[] {
  const taken = [...new Set(series.map(methodColor).filter((c): c is string => !!c))];
  const near = (c: string) => taken.some((t) => rgbDistance(c, t) < NEAR);
  const untaken = palette.filter((c) => !taken.includes(c));
  const free = [...untaken.filter((c) => !near(c)), ...untaken.filter(near)];
  let next = 0;
  return series.map((s) => methodColor(s) ?? free[next++ % free.length]);
}
