/**
 * Native BLAS for the wasm backend (Deno only, through FFI): finds a BLAS and registers the
 * wasm matMul kernels on it. `lib/backend.ts` imports this module dynamically, only where
 * `Deno.dlopen` exists and FFI is permitted.
 *
 * @module
 */
import { registerGruForward } from "./wasm_gru.ts";
import { type Blas, openBlas } from "./blas.ts";
import { registerBlasMatMul } from "./wasm_matmul.ts";

export { type Blas, blasRequest, defaultCandidates, openBlas } from "./blas.ts";
export { blasMatMul, setBlasMatMul } from "./wasm_matmul.ts";

/** What {@link enableNativeBlas} did: the BLAS in use, or why there is none. */
export interface NativeBlasStatus {
  blas?: Blas;
  reason?: string;
}

let opened: NativeBlasStatus | undefined;

/**
 * Opens the BLAS that `DSF_BLAS` / `DSF_THREADS` ask for (once per process) and registers the
 * wasm `BatchMatMul` and `_FusedMatMul` kernels on it, and the GRU forward kernel that calls it.
 * @throws Error (one line) when `DSF_BLAS=require` or a named library cannot be opened
 */
export function enableNativeBlas(): NativeBlasStatus {
  if (opened === undefined) {
    const choice = openBlas();
    opened = choice.blas ? { blas: choice.blas } : { reason: choice.reason };
  }
  if (opened.blas) {
    registerBlasMatMul(opened.blas);
    registerGruForward();
  }
  return opened;
}
