/**
 * Fails when a committed file under `results/`, or the README, names an absolute path of the
 * machine that made it (`/work/…`, `/root/…`, `/home/…`, `/tmp/…`; tools/machine_paths.ts): a
 * reader of the repository cannot get those; nor a git tag the repository does not hold. Part of
 * `deno task check`.
 * `deno run -A tools/portable_results.ts` rewrites the commands of committed runs that name one.
 *
 *     deno run -A tools/path_lint.ts [ROOT]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { hasTag, machinePathsIn, namedTags } from "./machine_paths.ts";

const root = Deno.args[0] ?? fileURLToPath(new URL("../", import.meta.url));
const found = await machinePathsIn(root);
for (const f of found) console.error(`${f.file}:${f.line}: ${f.path}`);
// The README's git tags: a tag only the machine that made it holds names nothing for a reader.
const readme = await Deno.readTextFile(join(root, "README.md")).catch(() => "");
const missing = [];
for (const t of namedTags(readme)) if (!(await hasTag(root, t.tag))) missing.push(t);
for (const t of missing) {
  console.error(
    `README.md:${t.line}: names git tag ${t.tag}, which the repository does not hold: ` +
      `name its commit`,
  );
}
if (missing.length > 0) Deno.exit(1);
if (found.length > 0) {
  console.error(
    `path_lint: ${found.length} absolute path(s) of a machine in committed results or the ` +
      `README: write them relative to the repository (deno run -A tools/portable_results.ts ` +
      `rewrites run commands)`,
  );
  Deno.exit(1);
}
console.log("path_lint: no machine paths in results/ or the README");
