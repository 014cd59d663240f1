/**
 * `deno task web [--out DIR]`: builds the browser page into `out/web/` (default): `index.html`,
 * `app.js` (web/train_page.ts bundled for the browser with every module it imports, no Deno API)
 * and `wasm/` (tfjs-backend-wasm's binaries, loaded from `/wasm/`). Serve the folder over HTTP
 * (e.g. `deno run -A tools/web_build.ts --serve`) and open it: the page trains in the three modes.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds the page into `out`. */
export async function buildWebPage(out: string): Promise<void> {
  await Deno.mkdir(join(out, "wasm"), { recursive: true });
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "-o",
      join(out, "app.js"),
      join(ROOT, "web/train_page.ts"),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (o.code !== 0) throw new Error(`deno bundle failed: ${new TextDecoder().decode(o.stderr)}`);
  await Deno.copyFile(join(ROOT, "web/index.html"), join(out, "index.html"));
  const wasmPkg = dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm")));
  for (const e of Deno.readDirSync(wasmPkg)) {
    if (e.name.endsWith(".wasm")) {
      await Deno.copyFile(join(wasmPkg, e.name), join(out, "wasm", e.name));
    }
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

/**
 * Serves `dir` on 127.0.0.1 (`port` 0: any free one) and hands each POST to `/result` to
 * `onResult`. Returns the server (its `addr.port`, `shutdown()`).
 */
export function serveWebPage(
  dir: string,
  port: number,
  onResult: (body: string) => void,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/result") {
      onResult(await req.text());
      return new Response("ok");
    }
    const file = path === "/" ? "index.html" : path.slice(1);
    if (file.includes("..")) return new Response("no", { status: 400 });
    try {
      const data = await Deno.readFile(join(dir, file));
      const ext = file.slice(file.lastIndexOf("."));
      return new Response(data, {
        headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string" }, serve: { type: "boolean" }, port: { type: "string" } },
  });
  const out = values.out ?? join(ROOT, "out", "web");
  await buildWebPage(out);
  console.log(`web: built ${out}`);
  if (values.serve) {
    const server = serveWebPage(out, Number(values.port ?? 8000), (body) => console.log(body));
    console.log(`web: open http://127.0.0.1:${server.addr.port}/`);
  }
}
