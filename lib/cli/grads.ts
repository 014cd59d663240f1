/**
 * `deno task grads`: reads one JSON gradient-inspection spec on stdin, writes one JSON result on
 * stdout (see lib/grads.ts for the format). Default backend: cpu. A malformed spec or a
 * non-finite result prints a one-line error naming the field and exits with status 2.
 *
 * ```sh
 * deno task grads < tests/fixtures/gru_dsf.json
 * ```
 *
 * @module
 */
import { runCommand } from "./command_line.ts";
import { initBackend } from "../backend.ts";
import { computeGrads, parseGradsSpec } from "../grads.ts";
import { MAX_JSON_BYTES, readStdinBounded } from "../io/bounded_file.ts";

async function main(): Promise<number> {
  if (Deno.stdin.isTerminal()) {
    throw new Error("reads a JSON spec on stdin: deno task grads < spec.json (see lib/grads.ts)");
  }
  const text = await readStdinBounded(MAX_JSON_BYTES, "a gradient-inspection spec");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    console.error(`grads: stdin is not valid JSON (${(e as Error).message})`);
    return 2;
  }
  // Fixture files carry their expected answer and a name beside the spec: ignore those two.
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    delete (raw as Record<string, unknown>).expected;
    delete (raw as Record<string, unknown>).name;
  }
  try {
    const { spec } = parseGradsSpec(raw);
    await initBackend({ backend: spec.backend ?? "cpu", allowSoftwareGpu: true, quiet: true });
    const result = await computeGrads(spec);
    console.log(JSON.stringify(result));
    return 0;
  } catch (e) {
    console.error(`grads: ${(e as Error).message}`);
    return 2;
  }
}

await runCommand("grads", main);
