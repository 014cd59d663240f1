import { strict as assert } from "node:assert";
import { join, resolve } from "node:path";
import { projectRoot, resolveCacheDir, resolveDataDir } from "../lib/io/dirs.ts";

const noEnv = () => undefined;

Deno.test("data dir: option, then DSF_DATA_DIR, then <root>/.cache/data", async () => {
  const root = await Deno.makeTempDir();
  try {
    const env = (n: string) => (n === "DSF_DATA_DIR" ? "/from/env" : undefined);
    assert.equal(resolveDataDir({ dataDir: "/opt/d", env, root }), "/opt/d");
    assert.equal(resolveDataDir({ env, root }), "/from/env");
    assert.equal(resolveDataDir({ env: noEnv, root }), join(root, ".cache", "data"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("data dir: falls back to ../shared/data only for reading, only if .cache/data is absent", async () => {
  const base = await Deno.makeTempDir();
  try {
    const root = join(base, "main");
    await Deno.mkdir(join(base, "shared", "data"), { recursive: true });
    await Deno.writeTextFile(join(base, "shared", "data", "SHA256SUMS"), "");
    assert.equal(resolveDataDir({ env: noEnv, root }), join(base, "shared", "data"));
    assert.equal(
      resolveDataDir({ env: noEnv, root, forWriting: true }),
      join(root, ".cache", "data"),
    );
    await Deno.mkdir(join(root, ".cache", "data"), { recursive: true });
    assert.equal(resolveDataDir({ env: noEnv, root }), join(root, ".cache", "data"));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("cache dir: option, then DSF_CACHE_DIR, then <root>/.cache", () => {
  const env = (n: string) => (n === "DSF_CACHE_DIR" ? "rel/cache" : undefined);
  assert.equal(resolveCacheDir({ cacheDir: "/c", env }), "/c");
  assert.equal(resolveCacheDir({ env }), resolve("rel/cache"));
  assert.equal(resolveCacheDir({ env: noEnv, root: "/r" }), join("/r", ".cache"));
  assert.ok(Deno.statSync(join(projectRoot(), "deno.json")).isFile);
});
