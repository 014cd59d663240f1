/**
 * `deno doc --lint lib/mod.ts`, less one known false positive: Deno 2.9 reports a
 * `private-type-ref` for every public signature that names a type from another package
 * (here TensorFlow.js's `Tensor`, `Tensor2D`, `Variable`, …), although that type is public in
 * its own package (denoland/deno#27364; dropped upstream by denoland/deno#34339, not in the
 * Deno this project pins). This script drops exactly those: `private-type-ref` errors whose
 * referenced type is declared nowhere under `lib/`. Everything else fails the check, and the
 * number dropped is printed, so a reader sees what was filtered.
 *
 *     deno run -A tools/doc_lint.ts
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);
const ENTRY = "lib/mod.ts";

/** Names of the classes, interfaces, type aliases and enums declared under `lib/`. */
async function declaredNames(dir: URL): Promise<Set<string>> {
  const names = new Set<string>();
  const declaration =
    /^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      for (const n of await declaredNames(url)) names.add(n);
    } else if (entry.name.endsWith(".ts")) {
      for (const m of (await Deno.readTextFile(url)).matchAll(declaration)) names.add(m[1]);
    }
  }
  return names;
}

const output = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", ENTRY],
  cwd: ROOT,
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
// deno-lint-ignore no-control-regex
const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
const blocks = plain.split(/\n(?=error\[)/).filter((b) => b.startsWith("error["));
const ours = await declaredNames(new URL("lib/", ROOT));
const external = new Map<string, number>();
const kept: string[] = [];
for (const block of blocks) {
  const ref = block.match(/^error\[private-type-ref\]: .* references private type '([^']+)'/);
  if (ref && !ours.has(ref[1])) {
    external.set(ref[1], (external.get(ref[1]) ?? 0) + 1);
  } else {
    kept.push(block.replace(/\n*error: Found \d+ documentation lint errors?\.[\s\S]*$/, ""));
  }
}
const dropped = [...external.values()].reduce((a, b) => a + b, 0);
const droppedList = [...external].map(([n, c]) => `${n} ${c}`).join(", ");
if (blocks.length === 0 && !output.success) {
  console.error(`doc_lint: deno doc --lint ${ENTRY} failed without lint errors:\n${plain}`);
  Deno.exit(1);
}
for (const block of kept) console.error(block.trimEnd() + "\n");
console.log(
  `doc_lint: ${kept.length} error(s) in ${ENTRY}; dropped ${dropped} private-type-ref(s) ` +
    `to other packages' types (denoland/deno#27364)${dropped ? `: ${droppedList}` : ""}`,
);
if (kept.length > 0) Deno.exit(1);
