import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkJupyter, INSTALL_HINT, parseArgs, parseFailure } from "../notebooks/run.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

Deno.test("parseArgs: names resolve in notebooks/, paths against the cwd, options", () => {
  const a = parseArgs(
    ["--out", "tmp/nb", "--scale=paper", "--timeout", "60", "01_intro", "tests/x.ipynb"],
    { cwd: "/w" },
  );
  assert.equal(a.out, "/w/tmp/nb");
  assert.equal(a.scale, "paper");
  assert.equal(a.timeout, 60);
  assert.equal(a.inPlace, false);
  assert.deepEqual(a.notebooks, [join(ROOT, "notebooks", "01_intro.ipynb"), "/w/tests/x.ipynb"]);
  assert.equal(parseArgs(["--in-place"]).inPlace, true);
  assert.throws(() => parseArgs(["--bogus"]), /unknown option --bogus/);
  assert.throws(() => parseArgs(["--out"]), /--out needs a value/);
});

Deno.test("parseFailure finds the failing cell in nbconvert's CellExecutionError", () => {
  const stderr = [
    "Traceback (most recent call last):",
    "nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:",
    "------------------",
    "const x = 1;",
    "throw new Error(`bad ${x}`);",
    "------------------",
    "",
    "Error: bad 1",
    "    at <anonymous>:2:7",
    "",
  ].join("\n");
  const f = parseFailure(stderr, [
    "# md",
    "console.log(1)",
    "const x = 1;\nthrow new Error(`bad ${x}`);\n",
  ]);
  assert.equal(f.cell, 3);
  assert.match(f.error, /^Error: bad 1\n\s+at <anonymous>:2:7/);
  const other = parseFailure("lots\nof\nnoise\nDeadKernelError: Kernel died\n", []);
  assert.equal(other.cell, undefined);
  assert.match(other.error, /DeadKernelError: Kernel died/);
});

async function runNotebooks(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "notebooks/run.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", DSF_SCALE: "quick", DSF_NOTEBOOK_OUT: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

/** Whether the headless-notebook tests can run; fails with the install hint when not. */
async function jupyterReady(): Promise<boolean> {
  const problem = await checkJupyter();
  if (!problem) return true;
  if (Deno.env.get("DSF_SKIP_JUPYTER") === "1") {
    console.warn(`skipped (DSF_SKIP_JUPYTER=1): ${problem}`);
    return false;
  }
  assert.fail(`${problem}\n(set DSF_SKIP_JUPYTER=1 to skip)`);
}

type Output = { output_type: string; data?: Record<string, string | string[]>; text?: string[] };
const joined = (v: string | string[] | undefined) => Array.isArray(v) ? v.join("") : v ?? "";

Deno.test("run.ts executes a notebook headless: inline SVG plot, progress, table, saved figure", async () => {
  if (!(await jupyterReady())) return;
  const out = await Deno.makeTempDir();
  try {
    const { code, text } = await runNotebooks([
      "--out",
      out,
      "tests/fixtures/notebooks/plot_ok.ipynb",
    ]);
    assert.equal(code, 0, text);
    assert.match(text, /ok\s+tests\/fixtures\/notebooks\/plot_ok\.ipynb \d+\.\ds/);
    const nb = JSON.parse(await Deno.readTextFile(join(out, "plot_ok.ipynb")));
    const outputs: Output[][] = nb.cells.map((c: { outputs?: Output[] }) => c.outputs ?? []);
    assert.ok(outputs.flat().every((o) => o.output_type !== "error"));
    // cell 4 ends with the figure: an execute_result with image/svg+xml
    const svg = joined(outputs[3].find((o) => o.data?.["image/svg+xml"])?.data?.["image/svg+xml"]);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /Fixture perplexity/);
    assert.match(svg, /scale: quick/);
    // progress: one output, updated in place to the final state
    assert.equal(outputs[2].length, 1);
    assert.match(joined(outputs[2][0].data?.["text/plain"]), /fixture: done step 5\/5/);
    assert.match(joined(outputs[4][0].data?.["text/html"]), /<table>/);
    assert.equal(joined(outputs[5][0].data?.["text/markdown"]), "scale: quick");
    // the figure was saved next to the executed notebook (DSF_NOTEBOOK_OUT)
    assert.equal(await Deno.readTextFile(join(out, "fixture_perplexity.svg")), svg + "\n");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("run.ts fails naming the notebook, the cell and the error", async () => {
  if (!(await jupyterReady())) return;
  const out = await Deno.makeTempDir();
  try {
    const { code, text } = await runNotebooks([
      "--out",
      out,
      "tests/fixtures/notebooks/cell_error.ipynb",
    ]);
    assert.equal(code, 1, text);
    assert.match(
      text,
      /FAIL\s+tests\/fixtures\/notebooks\/cell_error\.ipynb after [\d.]+s: cell 2 failed/,
    );
    assert.match(text, /Error: fixture boom 42/);
    assert.match(text, /1 failed \(cell_error\.ipynb\)/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the install hint names the packages and the kernel install", () => {
  assert.match(
    INSTALL_HINT,
    /apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient/,
  );
  assert.match(INSTALL_HINT, /deno jupyter --install/);
});
