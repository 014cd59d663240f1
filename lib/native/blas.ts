/**
 * Finds and opens a native BLAS through Deno's FFI (Deno only; never imported by the
 * browser-safe part of lib except dynamically, where `Deno.dlopen` exists and FFI is allowed).
 *
 * Which library, from env `DSF_BLAS`:
 * - unset or `auto`: OpenBLAS on Linux (`libopenblas.so.0`, Debian's `libopenblas0-pthread`),
 *   Accelerate on macOS (untested here), none elsewhere; none found is not an error;
 * - `off`: none;
 * - `require`: as `auto`, but none found is an error;
 * - a path: that library (any CBLAS with `cblas_sgemm`); failing to open it is an error.
 *
 * Threads, from env `DSF_THREADS` (a positive integer; default every core): set through
 * `openblas_set_num_threads` where the library has it.
 *
 * @module
 */

/** An opened BLAS: `sgemm` on float32 views, row-major. */
export interface Blas {
  /** The library's name and version, e.g. "OpenBLAS 0.3.21". */
  readonly name: string;
  /** The file it was opened from. */
  readonly path: string;
  /** Threads its calls use (as set, or as the library reports). */
  readonly threads: number;
  /** The library's own description (OpenBLAS's config string), when it has one. */
  readonly config?: string;
  /**
   * The CPU kernels it runs, when it says (OpenBLAS's core name, e.g. "Haswell" for AVX2,
   * "Cooperlake" for AVX-512), and "set by OPENBLAS_CORETYPE" when that variable chose them
   * instead of the CPU: on one 2-core AMD EPYC machine the environment set Haswell, and the
   * [2048, 256]·[256, 768] product took 8.7 ms against 4.1 ms with the CPU's own choice
   * (`results/bench/`, `results/bench-avx512/`).
   */
  readonly kernels?: string;
  /**
   * `C = A·B + beta·C` (each optionally transposed), row-major:
   * A is [M, K] ([K, M] when transA), B is [K, N] ([N, K] when transB), C is [M, N].
   */
  sgemm(
    shape: { m: number; n: number; k: number; transA: boolean; transB: boolean; beta?: number },
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
  ): void;
  /** Sets the thread count (where the library allows it); returns the count in force. */
  setThreads(threads: number): number;
}

/** What {@link openBlas} found: a BLAS, or why there is none. */
export type BlasChoice =
  | { blas: Blas; reason?: undefined }
  | { blas?: undefined; reason: string };

/** The request read from the environment. */
export interface BlasRequest {
  /** "auto", "off", "require", or a library path. */
  library: string;
  /** Thread count (undefined: every core). */
  threads?: number;
}

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // M
      "i32", // N
      "i32", // K
      "f32", // alpha
      "buffer", // A
      "i32", // lda
      "buffer", // B
      "i32", // ldb
      "f32", // beta
      "buffer", // C
      "i32", // ldc
    ],
    result: "void",
  },
  cblas_sgemv: {
    parameters: [
      "i32", // order
      "i32", // trans
      "i32", // M
      "i32", // N
      "f32", // alpha
      "buffer", // A
      "i32", // lda
      "buffer", // x
      "i32", // incx
      "f32", // beta
      "buffer", // y
      "i32", // incy
    ],
    result: "void",
    optional: true,
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
} as const;

/**
 * Reads `DSF_BLAS` and `DSF_THREADS`.
 * @throws Error (one line) for a `DSF_THREADS` that is not a positive integer
 */
export function blasRequest(): BlasRequest {
  const library = envValue("DSF_BLAS") || "auto";
  const raw = envValue("DSF_THREADS");
  if (raw === "") return { library };
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new Error(
      `DSF_THREADS=${raw} is not a thread count: give a whole number from 1 to 1024 ` +
        `(or unset it for every core)`,
    );
  }
  return { library, threads };
}

/** The libraries tried, in order, when none is named. */
export function defaultCandidates(os: string = Deno.build.os): string[] {
  if (os === "linux") {
    return [
      "libopenblas.so.0",
      "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
      "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
      "libopenblas.so",
    ];
  }
  if (os === "darwin") {
    return [
      "/System/Library/Frameworks/Accelerate.framework/Accelerate",
      "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
      "/usr/local/opt/openblas/lib/libopenblas.dylib",
    ];
  }
  return [];
}

/**
 * Opens the BLAS the request names.
 * @returns the BLAS, or the reason there is none (for "auto" and "off")
 * @throws Error (one line) for "require" with none found, or a path that does not open
 */
export function openBlas(request: BlasRequest = blasRequest()): BlasChoice {
  const { library } = request;
  if (library === "off") return { reason: "DSF_BLAS=off" };
  const named = library !== "auto" && library !== "require";
  const candidates = named ? [library] : defaultCandidates();
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return { blas: wrap(Deno.dlopen(path, SYMBOLS), path, request.threads) };
    } catch (err) {
      failures.push(`${path}: ${firstLine(err)}`);
    }
  }
  const why = candidates.length === 0
    ? `no BLAS is known for ${Deno.build.os} (set DSF_BLAS=/path/to/libcblas)`
    : `none of ${candidates.join(", ")} opened (${failures[failures.length - 1]})`;
  if (named) {
    throw new Error(`DSF_BLAS=${library} cannot be opened: ${failures[0]}`);
  }
  if (library === "require") {
    throw new Error(
      `DSF_BLAS=require but no BLAS loads: ${why}; install libopenblas0-pthread ` +
        `(apt-get install libopenblas0-pthread) or set DSF_BLAS=/path/to/libopenblas.so`,
    );
  }
  return { reason: `no BLAS: ${why}; apt-get install libopenblas0-pthread to use one` };
}

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

function wrap(lib: Lib, path: string, threads: number | undefined): Blas {
  const s = lib.symbols;
  const config = s.openblas_get_config ? cString(s.openblas_get_config()) : undefined;
  const name = libraryName(path, config);
  const core = s.openblas_get_corename ? cString(s.openblas_get_corename()) : undefined;
  const forced = core !== undefined && envValue("OPENBLAS_CORETYPE") !== "";
  const kernels = core && `${core} kernels${forced ? " set by OPENBLAS_CORETYPE" : ""}`;
  const setThreads = (n: number): number => {
    if (s.openblas_set_num_threads) s.openblas_set_num_threads(n);
    return s.openblas_get_num_threads ? s.openblas_get_num_threads() : n;
  };
  const inForce = setThreads(threads ?? navigator.hardwareConcurrency ?? 1);
  const blas: Blas = {
    name,
    path,
    threads: inForce,
    config,
    kernels,
    sgemm({ m, n, k, transA, transB, beta = 0 }, a, b, c) {
      // A product with a vector (a bias gradient ones·G, say) as one: OpenBLAS 0.3.21's sgemm
      // packs the matrix first, its sgemv is 3× faster at [1, 2048]·[2048, 768].
      if (s.cblas_sgemv && (m === 1 || n === 1)) {
        const [mat, vec, transMat] = m === 1 ? [b, a, !transB] : [a, b, transA];
        const [rows, cols] = m === 1 ? (transB ? [n, k] : [k, n]) : (transA ? [k, m] : [m, k]);
        const t = transMat ? CBLAS_TRANS : CBLAS_NO_TRANS;
        s.cblas_sgemv(CBLAS_ROW_MAJOR, t, rows, cols, 1, mat, cols, vec, 1, beta, c, 1);
        return;
      }
      s.cblas_sgemm(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        k,
        1,
        a,
        transA ? m : k,
        b,
        transB ? k : n,
        beta,
        c,
        n,
      );
    },
    setThreads(n: number): number {
      const now = setThreads(n);
      (blas as { threads: number }).threads = now;
      return now;
    },
  };
  return blas;
}

/** "OpenBLAS 0.3.21" from OpenBLAS's config string; else a name from the file. */
function libraryName(path: string, config: string | undefined): string {
  const version = config?.match(/OpenBLAS\s+([0-9][0-9.]*)/);
  if (version) return `OpenBLAS ${version[1]}`;
  if (/Accelerate/.test(path)) return "Accelerate";
  return path.split("/").pop() ?? path;
}

/** A variable's trimmed value; "" when unset or without env permission (the defaults). */
function envValue(name: string): string {
  try {
    return (Deno.env.get(name) ?? "").trim();
  } catch {
    return "";
  }
}

function cString(ptr: Deno.PointerValue): string | undefined {
  return ptr === null ? undefined : Deno.UnsafePointerView.getCString(ptr).trim();
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}
