import { strict as assert } from "node:assert";
import { join } from "node:path";
import { readTokenFile, writeTokenFile } from "../lib/io/token_file.ts";

Deno.test("token files round-trip Uint16 and Int32 ids; bad files read as absent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const u16 = Uint16Array.from([0, 1, 15_999, 65_535, 7]);
    await writeTokenFile(join(dir, "a.u16"), u16);
    const back = await readTokenFile(join(dir, "a.u16"));
    assert.ok(back instanceof Uint16Array);
    assert.deepEqual(Array.from(back), Array.from(u16));
    assert.equal((await Deno.stat(join(dir, "a.u16"))).size, 20 + 2 * 5);
    const i32 = Int32Array.from([-1, 70_000, 3]);
    await writeTokenFile(join(dir, "sub/b.i32"), i32);
    const back32 = await readTokenFile(join(dir, "sub/b.i32"));
    assert.ok(back32 instanceof Int32Array);
    assert.deepEqual(Array.from(back32), [-1, 70_000, 3]);
    assert.equal(await readTokenFile(join(dir, "missing")), null);
    await Deno.writeTextFile(join(dir, "junk"), "not a token file at all");
    assert.equal(await readTokenFile(join(dir, "junk")), null);
    const truncated = (await Deno.readFile(join(dir, "a.u16"))).slice(0, 20);
    await Deno.writeFile(join(dir, "trunc"), truncated);
    assert.equal(await readTokenFile(join(dir, "trunc")), null);
    // An id changed in range (no size change) fails the CRC and is reported, naming the file.
    const flipped = await Deno.readFile(join(dir, "a.u16"));
    flipped[20 + 2 * 4] ^= 0x01; // id 7 → 6: still a valid id
    await Deno.writeFile(join(dir, "flip"), flipped);
    const why: string[] = [];
    assert.equal(await readTokenFile(join(dir, "flip"), (w) => why.push(w)), null);
    assert.match(why[0], /flip fails its CRC-32/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
