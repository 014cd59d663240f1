/**
 * The data files the project uses and their known hashes. `SHA256SUMS` is the same table
 * as the verified copies' `SHA256SUMS` file. The WikiText-103 training split is not among
 * the verified copies: its only known hash is the SHA-1 published by gluon-nlp (whose
 * SHA-1s of the other five WikiText files match the verified copies), so it is checked
 * by SHA-1.
 *
 * @module
 */

/** A dataset of the project. */
export type DatasetName = "ptb" | "wikitext-2" | "wikitext-103";
/** A split of a dataset. */
export type SplitName = "train" | "valid" | "test";

/** All dataset names. */
export const DATASETS: readonly DatasetName[] = ["ptb", "wikitext-2", "wikitext-103"];

/** `sha256sum` output for the verified copies (paths relative to the data folder). */
export const SHA256SUMS = `\
dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0  ptb/ptb.test.txt
fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf  ptb/ptb.train.txt
c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2  ptb/ptb.valid.txt
56db52eb157b1ab5c89646eef70510c1eca6e12a3bfdb99f0d6b05b4eacb75b9  wikitext-103/wiki.test.tokens
9aee9f52d6e77de6c7751fc5e7c44287db3ec0eaf15477098acc6b93c1c4250b  wikitext-103/wiki.valid.tokens
d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0  wikitext-2/wiki.test.tokens
9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f  wikitext-2/wiki.train.tokens
f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8  wikitext-2/wiki.valid.tokens
`;

/** One data file and how to check it. */
export interface DataFileSpec {
  /** Dataset it belongs to. */
  dataset: DatasetName;
  /** Split it holds. */
  split: SplitName;
  /** Path relative to the data folder, e.g. `ptb/ptb.train.txt`. */
  path: string;
  /** Expected SHA-256 (hex), when known. */
  sha256?: string;
  /** Expected SHA-1 (hex), used only when no SHA-256 is known. */
  sha1?: string;
}

/** Parses `sha256sum` output into a path → hash map; throws on a malformed line. */
export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!m) throw new Error(`parseSha256Sums: malformed line ${JSON.stringify(line)}`);
    out.set(m[2], m[1]);
  }
  return out;
}

const SUMS = parseSha256Sums(SHA256SUMS);

function fileName(dataset: DatasetName, split: SplitName): string {
  return dataset === "ptb" ? `ptb/ptb.${split}.txt` : `${dataset}/wiki.${split}.tokens`;
}

/** The spec of one data file (with its expected hash). */
export function dataFile(dataset: DatasetName, split: SplitName): DataFileSpec {
  if (!DATASETS.includes(dataset)) {
    throw new Error(
      `unknown dataset ${JSON.stringify(dataset)}; use one of ${DATASETS.join(", ")}`,
    );
  }
  if (!["train", "valid", "test"].includes(split)) {
    throw new Error(`unknown split ${JSON.stringify(split)}; use train, valid or test`);
  }
  const path = fileName(dataset, split);
  const spec: DataFileSpec = { dataset, split, path };
  const sha256 = SUMS.get(path);
  if (sha256) spec.sha256 = sha256;
  else if (path === "wikitext-103/wiki.train.tokens") {
    spec.sha1 = "b7497e2dfe77e72cfef5e3dbc61b7b53712ac211";
  }
  return spec;
}

/** The three files of a dataset (train, valid, test). */
export function datasetFiles(dataset: DatasetName): DataFileSpec[] {
  return (["train", "valid", "test"] as const).map((s) => dataFile(dataset, s));
}
