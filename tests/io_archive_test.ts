import { strict as assert } from "node:assert";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { crc32 } from "../lib/io/crc32.ts";
import { gunzip, readTar, readTgz } from "../lib/io/tar.ts";
import { readZip } from "../lib/io/zip.ts";
import { buildTar, buildZip, crc32Bitwise } from "./io_archive_builders.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const big = enc.encode("the quick brown fox\n".repeat(5000));

Deno.test("crc32: the standard check value and the bitwise reference", () => {
  assert.equal(crc32(enc.encode("123456789")), 0xcbf43926);
  assert.equal(crc32Bitwise(enc.encode("123456789")), 0xcbf43926);
  assert.equal(crc32(big), crc32Bitwise(big));
  assert.equal(crc32(new Uint8Array(0)), 0);
});

Deno.test("zip: stored and deflated entries extract exactly; directories skipped", () => {
  const zip = buildZip([
    { name: "top/a.txt", data: enc.encode("hello"), method: 0 },
    { name: "top/sub/b.tokens", data: big, method: 8 },
    { name: "top/empty", data: new Uint8Array(0), method: 8 },
  ]);
  assert.ok(zip.length < big.length / 10, "deflate should have compressed");
  const all = readZip(zip);
  assert.deepEqual(all.map((e) => e.name), ["top/a.txt", "top/sub/b.tokens", "top/empty"]);
  assert.equal(dec.decode(all[0].data), "hello");
  assert.deepEqual(all[1].data, big);
  assert.equal(all[2].data.length, 0);
  const some = readZip(zip, { only: (n) => n.endsWith(".tokens") });
  assert.deepEqual(some.map((e) => e.name), ["top/sub/b.tokens"]);
});

Deno.test("zip: corrupt data and non-zip input give clear errors", () => {
  const bad = buildZip([{ name: "x.txt", data: big }], { corruptCrc: true });
  assert.throws(() => readZip(bad), /CRC-32/);
  assert.throws(() => readZip(enc.encode("<html>not found</html>")), /not a readable zip/);
});

Deno.test("tar / tgz: short, prefixed and GNU long names; checksums checked", () => {
  const longDir = "d".repeat(60) + "/" + "e".repeat(60);
  const files = [
    { name: "simple-examples/data/ptb.train.txt", data: enc.encode(" a b \n") },
    { name: `${longDir}/f.txt`, data: big }, // 127 chars: ustar prefix
    { name: "g".repeat(120), data: enc.encode("long") }, // no slash: GNU long name
  ];
  const tar = buildTar(files);
  const out = readTar(tar);
  assert.deepEqual(out.map((e) => e.name), files.map((f) => f.name));
  assert.deepEqual(out[1].data, big);
  assert.equal(dec.decode(out[2].data), "long");
  const tgz = new Uint8Array(gzipSync(tar));
  const only = readTgz(tgz, { only: (n) => n.endsWith("ptb.train.txt") });
  assert.deepEqual(only.map((e) => dec.decode(e.data)), [" a b \n"]);
  const broken = tar.slice();
  broken[0] ^= 1; // first header's name changes, checksum no longer matches
  assert.throws(() => readTar(broken), /checksum/);
  assert.throws(() => gunzip(enc.encode("<html>")), /not gzip/);
});

const hasTools = (() => {
  try {
    for (const tool of ["zip", "tar"]) {
      new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync();
    }
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "archives made by the system's zip and tar read back the same files",
  ignore: !hasTools,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(join(dir, "w/wikitext-2"), { recursive: true });
      await Deno.writeFile(join(dir, "w/wikitext-2/wiki.valid.tokens"), big);
      await Deno.writeTextFile(join(dir, "w/wikitext-2/wiki.test.tokens"), " = Senjō = \n");
      const run = async (cmd: string, args: string[]) => {
        const r = await new Deno.Command(cmd, { args, cwd: join(dir, "w"), stdout: "null" })
          .output();
        assert.equal(r.code, 0, `${cmd} failed`);
      };
      await run("zip", ["-q", "-r", "../a.zip", "wikitext-2"]);
      await run("tar", ["czf", "../a.tgz", "wikitext-2"]);
      for (
        const entries of [
          readZip(await Deno.readFile(join(dir, "a.zip"))),
          readTgz(await Deno.readFile(join(dir, "a.tgz"))),
        ]
      ) {
        const byName = new Map(entries.map((e) => [e.name, e.data]));
        assert.deepEqual(byName.get("wikitext-2/wiki.valid.tokens"), big);
        assert.equal(dec.decode(byName.get("wikitext-2/wiki.test.tokens")), " = Senjō = \n");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
