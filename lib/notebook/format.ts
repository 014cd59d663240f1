/**
 * How the notebooks' computed statements write numbers: fixed decimals, signed differences,
 * percentages and short exponentials, "n/a" for a number that is not finite.
 *
 * @module
 */

/** `digits` decimals ("n/a" when missing or not finite). */
export function fix(v: number | undefined, digits = 3): string {
  return v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/** A signed difference, "+0.250" or "−0.100" ("0.000" when it rounds to zero; "n/a"). */
export function signed(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return "n/a";
  const s = Math.abs(v).toFixed(digits);
  return Number(s) === 0 ? s : `${v < 0 ? "−" : "+"}${s}`;
}

/** A fraction as a percentage with `digits` decimals ("75%"; "n/a"). */
export function pct(v: number, digits = 0): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : "n/a";
}

/** One significant decimal in exponent form, "3.4e-7" ("n/a"). */
export function exp1(v: number): string {
  return Number.isFinite(v) ? v.toExponential(1) : "n/a";
}
