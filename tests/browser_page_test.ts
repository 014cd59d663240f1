/**
 * The library in a browser (web/train_page.ts, built by tools/web_build.ts): the bundled page
 * trains a small GRU in the three gradient modes on wasm in headless Chromium (Debian's
 * `chromium-headless-shell`, which `./dsf.sh test` installs) and posts its validation losses; each
 * mode's loss must fall below its first value, every number finite. Without Chromium the test says
 * so and passes, unless `DSF_REQUIRE_BROWSER=1` (CI) makes that a failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildWebPage, serveWebPage } from "../tools/web_build.ts";

const CHROMIUM = ["chromium-headless-shell", "chromium"];

async function findChromium(): Promise<string | null> {
  for (const name of CHROMIUM) {
    const o = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "piped" })
      .output();
    if (o.code === 0) return new TextDecoder().decode(o.stdout).trim();
  }
  return null;
}

Deno.test("browser page: the three modes train on wasm in headless Chromium", async () => {
  const chromium = await findChromium();
  if (!chromium) {
    const msg = `no headless Chromium (${
      CHROMIUM.join(", ")
    }): apt-get install chromium-headless-shell`;
    if (Deno.env.get("DSF_REQUIRE_BROWSER") === "1") throw new Error(msg);
    console.log(`browser_page_test: skipped, ${msg}`);
    return;
  }
  const dir = await Deno.makeTempDir();
  const profile = await Deno.makeTempDir();
  let resolveBody: (b: string) => void;
  const posted = new Promise<string>((r) => (resolveBody = r));
  await buildWebPage(join(dir, "web"));
  const server = serveWebPage(join(dir, "web"), 0, (b) => resolveBody(b));
  const browser = new Deno.Command(chromium, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      `--user-data-dir=${profile}`,
      `http://127.0.0.1:${server.addr.port}/`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const body = await Promise.race([
      posted,
      new Promise<string>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no result from the page in 240 s")), 240_000);
      }),
    ]);
    const result = JSON.parse(body) as {
      ok: boolean;
      error?: string;
      runs: { backend: string; mode: string; valid: number[]; steps: number }[];
    };
    assert.ok(result.ok, result.error);
    const wasm = result.runs.filter((r) => r.backend === "wasm");
    assert.deepEqual(wasm.map((r) => r.mode), ["bptt", "ft-bptt", "dsf"]);
    for (const r of result.runs) {
      assert.equal(r.steps, 30, `${r.backend} ${r.mode}`);
      assert.ok(r.valid.length >= 3 && r.valid.every(Number.isFinite), JSON.stringify(r));
      assert.ok(r.valid.at(-1)! < r.valid[0], `${r.backend} ${r.mode} did not learn: ${r.valid}`);
    }
  } finally {
    clearTimeout(timer);
    try {
      browser.kill("SIGKILL");
    } catch { /* already gone */ }
    await browser.status;
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
});
