/**
 * A run directory's `config.json`: the resolved config, plus an `environment` record of what
 * trained it (backend line, native BLAS and threads, commit, Deno and tfjs versions). The
 * record is informative: it is stripped before the config is validated.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInfo } from "../backend.ts";
import { cannotRead, checkInputDir, MAX_JSON_BYTES, readInputText } from "./bounded_file.ts";
import { type Config, validateConfig, withLaterKeys } from "../config/schema.ts";

/** What a run was trained with. */
export interface RunEnvironment {
  /** The backend's one line, e.g. "backend: wasm + OpenBLAS 0.3.21 (1 thread) (…)". */
  backend: string;
  /** The native BLAS (library and version, threads, file), or null for none. */
  blas: { name: string; threads: number; path: string; kernels?: string } | null;
  /** Why there is no BLAS, when there is none. */
  noBlas?: string;
  /** The git commit of the code (null outside a checkout); `dirty` when files differ from it. */
  commit: string | null;
  dirty: boolean;
  deno: string;
  tfjs: string;
  /**
   * The keys a `--resume` changed from the checkpoint's config (its `--set`, a finished
   * `stopAfter` cleared) and their values: until the resumed run writes a checkpoint, these are
   * the only differences the next resume accepts between `config.json` and the checkpoint.
   */
  resumeSet?: Record<string, unknown>;
}

/** The environment of this process for a run on `backend`. */
export async function runEnvironment(backend: BackendInfo): Promise<RunEnvironment> {
  const { commit, dirty } = await gitState();
  return {
    backend: backend.line,
    blas: backend.blas ?? null,
    ...(backend.noBlas ? { noBlas: backend.noBlas } : {}),
    commit,
    dirty,
    deno: Deno.version.deno,
    tfjs: tf.version.tfjs,
  };
}

/** The commit this code was loaded from, and whether tracked files differ from it. */
export async function gitState(): Promise<{ commit: string | null; dirty: boolean }> {
  const cwd = fileURLToPath(new URL("../..", import.meta.url));
  const git = async (args: string[]) => {
    try {
      const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
        .output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    } catch {
      return null;
    }
  };
  const commit = await git(["rev-parse", "HEAD"]);
  if (commit === null) return { commit: null, dirty: false };
  const status = await git(["status", "--porcelain", "--untracked-files=no", "--", "lib"]);
  return { commit, dirty: status !== null && status !== "" };
}

/** The text of a `config.json`: the config, then its environment record. */
export function runConfigText(config: Config, environment?: RunEnvironment): string {
  return JSON.stringify(environment ? { ...config, environment } : config, null, 2) + "\n";
}

/**
 * Reads a run's `config.json`.
 * @returns the validated config and the environment record (undefined in older runs)
 * @throws Error naming the file when it is missing or not a config
 */
export async function readRunConfig(
  dir: string,
): Promise<{ config: Config; environment?: RunEnvironment; raw: Record<string, unknown> }> {
  const path = join(dir, "config.json");
  let text: string;
  try {
    await checkInputDir(dir, "a run folder written by `deno task train`");
    text = await readInputText(path, { what: "a run's config.json", maxBytes: MAX_JSON_BYTES });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${path} does not exist: is ${dir} a folder written by \`deno task train\`?`);
    }
    throw cannotRead(path, err);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: restore it from the run's checkpoint config`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${path} is not a JSON object: restore it from the run's checkpoint config`);
  }
  const { environment, ...rest } = raw as Record<string, unknown> & {
    environment?: RunEnvironment;
  };
  const bad = environmentProblem(environment);
  if (bad) {
    throw new Error(
      `${path}: ${bad}: the record of what trained the run is damaged; correct that field ` +
        `(or remove "environment" to drop the record)`,
    );
  }
  try {
    const filled = withLaterKeys(rest);
    return { config: validateConfig(filled), environment, raw: filled };
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** What is wrong with an `environment` record's fields (types only), or null. */
function environmentProblem(env: unknown): string | null {
  if (env === undefined) return null;
  if (env === null || typeof env !== "object" || Array.isArray(env)) {
    return `"environment" must be an object, got ${JSON.stringify(env)}`;
  }
  const e = env as Record<string, unknown>;
  const wants: [string, string, (x: unknown) => boolean][] = [
    [
      "commit",
      "a git commit (hex string) or null",
      (x) => x === null || (typeof x === "string" && /^[0-9a-f]{4,64}$/.test(x)),
    ],
    ["dirty", "true or false", (x) => typeof x === "boolean"],
    ["backend", "a string", (x) => typeof x === "string"],
    ["noBlas", "a string", (x) => typeof x === "string"],
    ["deno", "a string", (x) => typeof x === "string"],
    ["tfjs", "a string", (x) => typeof x === "string"],
    [
      "blas",
      "an object or null",
      (x) => x === null || (typeof x === "object" && !Array.isArray(x)),
    ],
  ];
  for (const [key, what, ok] of wants) {
    if (key in e && !ok(e[key])) {
      return `"environment.${key}" must be ${what}, got ${JSON.stringify(e[key])}`;
    }
  }
  return null;
}
