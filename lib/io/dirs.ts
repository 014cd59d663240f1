/**
 * Where the project finds its data (read-only) and writes its caches.
 *
 * Data: the `dataDir` option, else `$DSF_DATA_DIR`, else `<project>/.cache/data` (where
 * `deno task fetch` writes). When none is set and `.cache/data` does not exist, the
 * workspace's verified read-only copy `<project>/../shared/data` is used if it exists.
 * Caches (tokenizers, token files): the `cacheDir` option, else `$DSF_CACHE_DIR`, else
 * `<project>/.cache` (git-ignored). Nothing is ever written into the data folder by loaders.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Environment variable naming the data folder. */
export const DATA_DIR_ENV = "DSF_DATA_DIR";
/** Environment variable naming the cache folder. */
export const CACHE_DIR_ENV = "DSF_CACHE_DIR";

/** The project's root folder (two levels above this file). */
export function projectRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url)).replace(/[\\/]$/, "");
}

/** Reads an environment variable; `undefined` when unset, empty or not permitted. */
export function readEnv(name: string): string | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined;
  }
}

/** Options of {@link resolveDataDir}. */
export interface DataDirOptions {
  /** Explicit folder (wins over everything). */
  dataDir?: string;
  /** Environment lookup (default: the process environment). */
  env?: (name: string) => string | undefined;
  /** Project root (default: {@link projectRoot}). */
  root?: string;
  /** For writing (fetch): never fall back to the read-only workspace copy. */
  forWriting?: boolean;
}

/** The data folder (absolute), following the order described in the module doc. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  if (opts.dataDir) return resolve(opts.dataDir);
  const fromEnv = (opts.env ?? readEnv)(DATA_DIR_ENV);
  if (fromEnv) return resolve(fromEnv);
  const root = opts.root ?? projectRoot();
  const local = join(root, ".cache", "data");
  if (opts.forWriting || existsSync(local)) return local;
  const shared = resolve(root, "..", "shared", "data");
  return existsSync(join(shared, "SHA256SUMS")) ? shared : local;
}

/** Options of {@link resolveCacheDir}. */
export interface CacheDirOptions {
  /** Explicit folder (wins over everything). */
  cacheDir?: string;
  /** Environment lookup (default: the process environment). */
  env?: (name: string) => string | undefined;
  /** Project root (default: {@link projectRoot}). */
  root?: string;
}

/** The cache folder (absolute): option, else `$DSF_CACHE_DIR`, else `<project>/.cache`. */
export function resolveCacheDir(opts: CacheDirOptions = {}): string {
  if (opts.cacheDir) return resolve(opts.cacheDir);
  const fromEnv = (opts.env ?? readEnv)(CACHE_DIR_ENV);
  if (fromEnv) return resolve(fromEnv);
  return join(opts.root ?? projectRoot(), ".cache");
}
