/**
 * The DSF feedback, the paper's central object, in one place: its kinds (`fixed`, `fitted`,
 * `jacobian-diagonal`), λ's initialisation, the `fitted` λ refitted to the mean Jacobian diagonal
 * (and its trainer plug-in, {@link feedbackPlugins}), the time-varying `jacobian-diagonal`
 * feedback, and the measurements they are made from (the layers' activations, exact Jacobians).
 * Browser-safe.
 *
 * @module
 */
export * from "./kinds.ts";
export * from "./layer.ts";
export * from "./init.ts";
export * from "./jacobian_diagonal.ts";
export * from "./exact_jacobians.ts";
export * from "./recurrent_activity.ts";
export * from "./fitted.ts";
export * from "./plugins.ts";
