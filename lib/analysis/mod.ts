/**
 * Analyses beyond training: the state Jacobians J_t and how diagonal and stationary they are
 * (DSF's assumption), exact BPTT as the reverse-time linear system of eq. 11, gradient alignment
 * of DSF and FT-BPTT with BPTT, and an adaptive feedback (λ fitted to the Jacobians' diagonal
 * during training). Browser-safe.
 *
 * @module
 */
export * from "./jacobian.ts";
export * from "./alignment.ts";
export * from "./adaptive_feedback.ts";
export * from "./compare.ts";
