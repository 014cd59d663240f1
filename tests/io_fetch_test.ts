import { strict as assert } from "node:assert";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { main } from "../data/fetch.ts";
import { fetchDataset, type FetchLike } from "../lib/io/fetch_dataset.ts";
import type { DataFileSpec } from "../lib/io/manifest.ts";
import type { DataSource } from "../lib/io/sources.ts";
import { buildTar, buildZip } from "./io_archive_builders.ts";

const DATA_DIR = Deno.env.get("DSF_DATA_DIR") ??
  resolve(fileURLToPath(new URL("..", import.meta.url)), "../shared/data");

const enc = new TextEncoder();
const content: Record<string, Uint8Array> = {
  "ptb/ptb.train.txt": enc.encode(" the cat sat \n a dog \n"),
  "ptb/ptb.valid.txt": enc.encode(" the dog \n"),
  "ptb/ptb.test.txt": enc.encode(" a cat \n"),
};

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function specs(): Promise<DataFileSpec[]> {
  const out: DataFileSpec[] = [];
  for (const split of ["train", "valid", "test"] as const) {
    const path = `ptb/ptb.${split}.txt`;
    out.push({ dataset: "ptb", split, path, sha256: await sha256(content[path]) });
  }
  return out;
}

const members = (prefix: string) =>
  Object.fromEntries(Object.keys(content).map((p) => [p, prefix + p.slice(4)]));

const goodZip = buildZip(
  Object.keys(content).map((p) => ({ name: `pack/${p.slice(4)}`, data: content[p] })),
);
const wrongZip = buildZip(
  Object.keys(content).map((p) => ({ name: `pack/${p.slice(4)}`, data: enc.encode("v2") })),
);
const goodTgz = new Uint8Array(gzipSync(buildTar(
  Object.keys(content).map((p) => ({
    name: `simple-examples/data/${p.slice(4)}`,
    data: content[p],
  })),
)));

/** A fake network: url → bytes (200) or a status number; records the calls. */
function fakeFetch(routes: Record<string, Uint8Array | number>) {
  const calls: string[] = [];
  const fn: FetchLike = (url) => {
    calls.push(url);
    const r = routes[url];
    if (r === undefined || typeof r === "number") {
      return Promise.resolve(new Response("nope", { status: typeof r === "number" ? r : 404 }));
    }
    return Promise.resolve(new Response(r.slice()));
  };
  return { fn, calls };
}

async function withDir(f: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function assertFiles(dir: string) {
  for (const [p, bytes] of Object.entries(content)) {
    assert.deepEqual(await Deno.readFile(join(dir, p)), bytes);
  }
}

const zipSource = (url: string): DataSource => ({
  dataset: "ptb",
  kind: "zip",
  url,
  members: members("pack/"),
});

Deno.test("fetch: a failing mirror is skipped; the zip is extracted and verified", async () => {
  await withDir(async (dir) => {
    const net = fakeFetch({ "https://b/x.zip": goodZip });
    const lines: string[] = [];
    const report = await fetchDataset("ptb", {
      dir,
      fetch: net.fn,
      files: await specs(),
      sources: [zipSource("https://a/x.zip"), zipSource("https://b/x.zip")],
      log: (l) => lines.push(l),
    });
    assert.equal(report.status, "downloaded");
    assert.equal(report.source, "https://b/x.zip");
    assert.deepEqual(net.calls, ["https://a/x.zip", "https://b/x.zip"]);
    assert.ok(lines.some((l) => l.includes("HTTP 404")), lines.join("\n"));
    await assertFiles(dir);
    // Second run: everything present and verified, no network.
    const again = await fetchDataset("ptb", { dir, fetch: net.fn, files: await specs() });
    assert.equal(again.status, "present");
    assert.equal(net.calls.length, 2);
  });
});

Deno.test("fetch: a mirror with another version is rejected by hash; tgz and raw files work", async () => {
  await withDir(async (dir) => {
    const net = fakeFetch({ "https://w/x.zip": wrongZip, "http://m/s.tgz": goodTgz });
    const report = await fetchDataset("ptb", {
      dir,
      fetch: net.fn,
      files: await specs(),
      sources: [zipSource("https://w/x.zip"), {
        dataset: "ptb",
        kind: "tgz",
        url: "http://m/s.tgz",
        members: members("simple-examples/data/"),
      }],
    });
    assert.equal(report.source, "http://m/s.tgz");
    await assertFiles(dir);
  });
  await withDir(async (dir) => {
    const routes = Object.fromEntries(
      Object.entries(content).map(([p, b]) => [`https://raw/${p}`, b]),
    );
    const files = Object.fromEntries(Object.keys(content).map((p) => [p, `https://raw/${p}`]));
    const report = await fetchDataset("ptb", {
      dir,
      fetch: fakeFetch(routes).fn,
      files: await specs(),
      sources: [{ dataset: "ptb", kind: "files", files }],
    });
    assert.equal(report.written.length, 3);
    await assertFiles(dir);
  });
});

Deno.test("fetch: when every source fails, the error lists them and the manual fix", async () => {
  await withDir(async (dir) => {
    const net = fakeFetch({ "https://a/x.zip": 503, "https://w/x.zip": wrongZip });
    const err = await fetchDataset("ptb", {
      dir,
      fetch: net.fn,
      files: await specs(),
      sources: [zipSource("https://a/x.zip"), zipSource("https://w/x.zip")],
    }).then(() => null, (e) => e as Error);
    assert.ok(err);
    assert.match(err.message, /https:\/\/a\/x\.zip: HTTP 503/);
    assert.match(err.message, /https:\/\/w\/x\.zip: ptb\/ptb\.train\.txt has hash/);
    assert.match(err.message, /DSF_DATA_DIR/);
    assert.deepEqual([...Deno.readDirSync(dir)], []); // nothing written
  });
});

Deno.test("fetch: a present file with another hash is an error unless forced", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "ptb"));
    await Deno.writeTextFile(join(dir, "ptb/ptb.valid.txt"), "edited");
    const net = fakeFetch({ "https://b/x.zip": goodZip });
    const opts = {
      dir,
      fetch: net.fn,
      files: await specs(),
      sources: [zipSource("https://b/x.zip")],
    };
    await assert.rejects(fetchDataset("ptb", opts), /not the expected version.*--force/s);
    assert.equal(net.calls.length, 0);
    const report = await fetchDataset("ptb", { ...opts, force: true });
    assert.equal(report.written.length, 3);
    await assertFiles(dir);
  });
});

Deno.test("fetch: real HTTP download from a local server on 127.0.0.1", async () => {
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/wikitext.zip"
        ? new Response(goodZip.slice())
        : new Response("missing", { status: 404 }),
  );
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    await withDir(async (dir) => {
      const report = await fetchDataset("ptb", {
        dir,
        files: await specs(),
        sources: [zipSource(`${base}/gone.zip`), zipSource(`${base}/wikitext.zip`)],
      });
      assert.equal(report.source, `${base}/wikitext.zip`);
      await assertFiles(dir);
    });
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("fetch CLI: present data is verified offline; bad arguments exit 2", async () => {
  const log = console.log;
  const error = console.error;
  const out: string[] = [];
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => out.push(a.join(" "));
  try {
    assert.equal(await main(["--dataset", "ptb", "--dir", DATA_DIR]), 0);
    assert.ok(out.some((l) => l.includes("present and verified")), out.join("\n"));
    assert.equal(await main(["--dataset", "mnist"]), 2);
    assert.equal(await main(["--bogus"]), 2);
  } finally {
    console.log = log;
    console.error = error;
  }
});
