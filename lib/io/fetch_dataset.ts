/**
 * Downloads a dataset into a data folder: tries each source in order, extracts the needed
 * files, checks their hashes, and writes them atomically. Files already present and
 * verified are kept; present but different files are an error unless `force` is set.
 * The network function is injectable (tests use an in-memory fake).
 *
 * @module
 */

import { join } from "node:path";
import { type ArchiveEntry, memberMatches } from "./archive_entry.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { type DataFileSpec, datasetFiles, type DatasetName, DATASETS } from "./manifest.ts";
import { DATA_SOURCES, type DataSource, sourceLabel } from "./sources.ts";
import { readTgz } from "./tar.ts";
import { checkBytes, DataFileError, readVerified } from "./verify.ts";
import { readZip } from "./zip.ts";

/** The part of `fetch` that the downloader uses. */
export type FetchLike = (url: string) => Promise<Response>;

/** Options of {@link fetchDataset}. */
export interface FetchDatasetOptions {
  /** Data folder to fill (created if needed). */
  dir: string;
  /** Network function (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Sources to try, in order (default {@link DATA_SOURCES}, filtered by dataset). */
  sources?: readonly DataSource[];
  /** Expected files (default: the manifest's); tests pass their own. */
  files?: readonly DataFileSpec[];
  /** Replace present files whose hash differs (default false: error). */
  force?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What {@link fetchDataset} did. */
export interface FetchReport {
  /** Dataset. */
  dataset: DatasetName;
  /** Data folder. */
  dir: string;
  /** "present": nothing downloaded; "downloaded": files written from `source`. */
  status: "present" | "downloaded";
  /** The source used, when downloaded. */
  source?: string;
  /** Paths (relative) written. */
  written: string[];
}

async function download(fetchFn: FetchLike, url: string): Promise<Uint8Array> {
  const res = await fetchFn(url);
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
  }
  return new Uint8Array(await res.arrayBuffer());
}

async function extract(
  source: DataSource,
  need: readonly DataFileSpec[],
  fetchFn: FetchLike,
  log: (line: string) => void,
): Promise<Map<string, Uint8Array>> {
  const got = new Map<string, Uint8Array>();
  if (source.kind === "files") {
    for (const spec of need) {
      const url = source.files[spec.path];
      if (!url) throw new Error(`no URL for ${spec.path}`);
      log(`  GET ${url}`);
      got.set(spec.path, await download(fetchFn, url));
    }
    return got;
  }
  log(`  GET ${source.url}`);
  const bytes = await download(fetchFn, source.url);
  log(`  ${(bytes.length / 1e6).toFixed(1)} MB; extracting`);
  const wanted = need.map((s) => {
    const member = source.members[s.path];
    if (!member) throw new Error(`archive has no member listed for ${s.path}`);
    return [s.path, member] as const;
  });
  const only = (name: string) => wanted.some(([, m]) => memberMatches(name, m));
  const entries: ArchiveEntry[] = source.kind === "zip"
    ? readZip(bytes, { only })
    : readTgz(bytes, { only });
  for (const [path, member] of wanted) {
    const e = entries.find((x) => memberMatches(x.name, member));
    if (!e) throw new Error(`archive has no ${member}`);
    got.set(path, e.data);
  }
  return got;
}

/** Downloads (if needed) and verifies one dataset into `opts.dir`. */
export async function fetchDataset(
  dataset: DatasetName,
  opts: FetchDatasetOptions,
): Promise<FetchReport> {
  if (!DATASETS.includes(dataset)) {
    throw new Error(`fetchDataset: unknown dataset ${JSON.stringify(dataset)}; use ${DATASETS}`);
  }
  const log = opts.log ?? (() => {});
  const fetchFn = opts.fetch ?? ((url: string) => fetch(url));
  const files = (opts.files ?? datasetFiles(dataset)).filter((f) => f.dataset === dataset);
  const need: DataFileSpec[] = [];
  for (const spec of files) {
    try {
      await readVerified(spec, opts.dir);
    } catch (e) {
      if (!(e instanceof DataFileError)) throw e;
      if (e.kind === "mismatch" && !opts.force) {
        throw new Error(`${e.message}\n(or rerun the fetch with --force to replace it)`);
      }
      need.push(spec);
    }
  }
  if (need.length === 0) {
    log(`${dataset}: present and verified in ${opts.dir}`);
    return { dataset, dir: opts.dir, status: "present", written: [] };
  }
  const sources = (opts.sources ?? DATA_SOURCES).filter((s) => s.dataset === dataset);
  const failures: string[] = [];
  for (const source of sources) {
    const label = sourceLabel(source);
    log(`${dataset}: trying ${label}`);
    try {
      const got = await extract(source, need, fetchFn, log);
      for (const spec of need) {
        const actual = checkBytes(spec, got.get(spec.path)!);
        if (actual !== null) {
          throw new Error(
            `${spec.path} has hash ${actual}, expected ${spec.sha256 ?? spec.sha1}`,
          );
        }
      }
      for (const spec of need) {
        await writeFileAtomic(join(opts.dir, spec.path), got.get(spec.path)!);
      }
      log(`${dataset}: wrote ${need.map((s) => s.path).join(", ")}`);
      return {
        dataset,
        dir: opts.dir,
        status: "downloaded",
        source: label,
        written: need.map((s) => s.path),
      };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log(`  failed: ${msg}`);
      failures.push(`${label}: ${msg}`);
    }
  }
  throw new Error(
    `Could not fetch ${dataset}: every source failed:\n  ${failures.join("\n  ")}\n` +
      `Download the files by hand (see data/README.md), put them in ${opts.dir} as ` +
      `${need.map((s) => s.path).join(", ")}, or set DSF_DATA_DIR to a folder that has them.`,
  );
}
