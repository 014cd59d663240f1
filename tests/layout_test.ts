// The layout lib/ keeps: no import cycle between its folders (a file directly in lib/ counts as
// its own node), and no file over 400 lines.
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));
const LIB = join(ROOT, "lib");

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await tsFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** A file's node: its folder under lib/, or the file itself when it sits directly in lib/. */
const nodeOf = (file: string) =>
  dirname(file) === LIB ? relative(ROOT, file) : relative(ROOT, dirname(file));

Deno.test("lib/: no import cycle between folders", async () => {
  const edges = new Map<string, Map<string, string>>(); // from → to → an importing file
  for (const file of await tsFiles(LIB)) {
    const src = await Deno.readTextFile(file);
    for (const m of src.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gs)) {
      const target = normalize(join(dirname(file), m[1]));
      const [a, b] = [nodeOf(file), nodeOf(target)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, relative(ROOT, file));
    }
  }
  // Depth-first search for a back edge; report the cycle with one importing file per edge.
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (v: string): string[] | null => {
    state.set(v, "open");
    path.push(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (state.get(w) === "open") return [...path.slice(path.indexOf(w)), w];
      if (!state.has(w)) {
        const found = visit(w);
        if (found) return found;
      }
    }
    path.pop();
    state.set(v, "done");
    return null;
  };
  for (const v of edges.keys()) {
    if (state.has(v)) continue;
    const cycle = visit(v);
    if (cycle) {
      const steps = cycle.slice(1).map((w, i) =>
        `${cycle[i]} → ${w} (${edges.get(cycle[i])!.get(w)})`
      );
      assert.fail(`import cycle: ${steps.join("; ")}`);
    }
  }
});

Deno.test("lib/: no file over 400 lines", async () => {
  const long: string[] = [];
  for (const file of await tsFiles(LIB)) {
    const lines = (await Deno.readTextFile(file)).split("\n").length - 1;
    if (lines > 400 && !file.endsWith("_bytes.ts")) long.push(`${relative(ROOT, file)} (${lines})`);
  }
  assert.deepEqual(long, []);
});
