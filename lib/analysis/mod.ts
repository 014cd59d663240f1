/**
 * Analyses beyond training: the state Jacobians J_t and how diagonal and stationary they are
 * (DSF's assumption), exact BPTT as the reverse-time linear system of eq. 11, gradient alignment
 * of DSF and FT-BPTT with BPTT, and the feedbacks compared. (The fitted feedback, λ fitted to the
 * Jacobians' diagonal during training, is in lib/feedback/.) Browser-safe.
 *
 * @module
 */
export * from "./jacobian.ts";
export * from "./jacobian_stats.ts";
export * from "./bptt_linear_system.ts";
export {
  jacobiansAt,
  type JacobiansAtOptions,
  recurrentActivity,
  recurrentInputs,
  type RecurrentModel,
} from "../feedback/mod.ts";
export * from "./alignment.ts";
export * from "./compare.ts";
export * from "./feedback_checks.ts";
export * from "./feedback_compare.ts";
export * from "./lag_alignment.ts";
export * from "./lag_summary.ts";
export * from "./headline.ts";
export * from "./mode_sweep.ts";
export * from "./paper_comparison.ts";
export * from "./paper_tables.ts";
export * from "./reproduction.ts";
export * from "./run_stats.ts";
export * from "./quick_search.ts";
