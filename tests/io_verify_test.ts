import { strict as assert } from "node:assert";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../lib/io/atomic_write.ts";
import { dataFile, datasetFiles, parseSha256Sums, SHA256SUMS } from "../lib/io/manifest.ts";
import { DataFileError, hashBytes, readVerified, verifyDataset } from "../lib/io/verify.ts";

const DATA_DIR = Deno.env.get("DSF_DATA_DIR") ??
  resolve(fileURLToPath(new URL("..", import.meta.url)), "../shared/data");

Deno.test("embedded SHA256SUMS is the verified copies' table", async () => {
  const shipped = parseSha256Sums(await Deno.readTextFile(join(DATA_DIR, "SHA256SUMS")));
  assert.deepEqual([...parseSha256Sums(SHA256SUMS)].sort(), [...shipped].sort());
  assert.equal(dataFile("ptb", "train").sha256, shipped.get("ptb/ptb.train.txt"));
  assert.equal(dataFile("wikitext-103", "train").sha256, undefined);
  assert.match(dataFile("wikitext-103", "train").sha1!, /^[0-9a-f]{40}$/);
  assert.throws(() => dataFile("nope" as "ptb", "train"), /unknown dataset/);
  assert.throws(() => parseSha256Sums("xyz  a.txt"), /malformed/);
});

Deno.test("hashes: sha256 and sha1 of known strings", () => {
  const abc = new TextEncoder().encode("abc");
  assert.equal(
    hashBytes(abc),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(hashBytes(abc, "sha1"), "a9993e364706816aba3e25717850c26c9cd0d89d");
});

Deno.test("the verified copies pass the check", async () => {
  for (const d of ["ptb", "wikitext-2"] as const) {
    const check = await verifyDataset(d, DATA_DIR);
    assert.deepEqual(check.problems.map((p) => p.message), []);
    assert.equal(check.ok.length, 3);
  }
  const check103 = await verifyDataset("wikitext-103", DATA_DIR);
  assert.deepEqual(check103.ok, [
    "wikitext-103/wiki.valid.tokens",
    "wikitext-103/wiki.test.tokens",
  ]);
  assert.equal(check103.problems[0].kind, "missing");
});

Deno.test("a corrupt or missing file: error names file, expected hash and fix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = dataFile("ptb", "train");
    await writeFileAtomic(join(dir, spec.path), "hello");
    const err = await readVerified(spec, dir).then(() => null, (e) => e);
    assert.ok(err instanceof DataFileError);
    assert.equal(err.kind, "mismatch");
    const msg = err.message;
    assert.ok(msg.includes(join(dir, "ptb/ptb.train.txt")), msg);
    assert.ok(msg.includes(spec.sha256!), msg);
    // sha256("hello"), the actual hash
    assert.ok(msg.includes("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
    assert.ok(msg.includes("DSF_DATA_DIR") && msg.includes("deno task fetch --dataset ptb"), msg);

    const missing = await readVerified(dataFile("wikitext-2", "valid"), dir).then(
      () => null,
      (e) => e,
    );
    assert.ok(missing instanceof DataFileError);
    assert.equal(missing.kind, "missing");
    assert.match(missing.message, /wikitext-2\/wiki\.valid\.tokens is missing/);
    assert.ok(missing.message.includes(dataFile("wikitext-2", "valid").sha256!));
    assert.match(missing.message, /DSF_DATA_DIR.*deno task fetch --dataset wikitext-2/s);
    const entries = [...Deno.readDirSync(join(dir, "ptb"))].map((e) => e.name);
    assert.deepEqual(entries, ["ptb.train.txt"]); // the atomic write left no temp file
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(datasetFiles("ptb").length, 3);
});
