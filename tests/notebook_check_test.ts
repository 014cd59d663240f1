import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { extractCode } from "../notebooks/check.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const FIXTURES = `${ROOT}/tests/fixtures/notebooks`;

async function runCheck(...notebooks: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "notebooks/check.ts", ...notebooks],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

function leftovers(): string[] {
  return [...Deno.readDirSync(FIXTURES)].map((e) => e.name).filter((n) => n.startsWith(".check_"));
}

Deno.test("extractCode: cells in order, magics skipped, lines mapped back to cells", () => {
  const { code, lines, cells } = extractCode({
    cells: [
      { cell_type: "markdown", source: "# t" },
      { cell_type: "code", source: ["const a = 1;\n", "a\n"] },
      { cell_type: "code", source: "%timeit a" },
      { cell_type: "code", source: "!ls" },
      { cell_type: "code", source: "(a + 1)" },
    ],
  });
  assert.equal(cells, 2);
  const generated = code.split("\n");
  const at = (text: string) => lines[generated.indexOf(text)];
  assert.deepEqual(at("a"), { cell: 2, line: 2 });
  assert.deepEqual(at("(a + 1)"), { cell: 5, line: 1 });
  assert.ok(!code.includes("%timeit") && !code.includes("!ls"));
  // a glue `;` keeps "(a + 1)" from calling the previous cell's last expression
  assert.match(code, /\na\n; \/\/ cell 5\n\(a \+ 1\)/);
  assert.match(code, /export \{\};\n$/);
});

Deno.test("check.ts passes a good notebook", async () => {
  const { code, text } = await runCheck("tests/fixtures/notebooks/plot_ok.ipynb");
  assert.equal(code, 0, text);
  assert.match(text, /ok\s+tests\/fixtures\/notebooks\/plot_ok\.ipynb \(5 code cells\)/);
  assert.deepEqual(leftovers(), []);
});

Deno.test("check.ts reports a type error with its notebook cell and line, exit 1", async () => {
  const { code, text } = await runCheck(
    "tests/fixtures/notebooks/plot_ok.ipynb",
    "tests/fixtures/notebooks/type_error.ipynb",
  );
  assert.equal(code, 1, text);
  assert.match(text, /FAIL\s+tests\/fixtures\/notebooks\/type_error\.ipynb: 1 error/);
  assert.match(text, /TS2322/);
  assert.match(text, /type_error\.ipynb \[cell 3, line 2:7\]/);
  assert.match(text, /ok\s+tests\/fixtures\/notebooks\/plot_ok\.ipynb/);
  assert.doesNotMatch(text, /\.check_/);
  assert.deepEqual(leftovers(), []);
});

Deno.test("check.ts: a missing notebook is a usage error (exit 2)", async () => {
  const { code, text } = await runCheck("tests/fixtures/notebooks/no_such.ipynb");
  assert.equal(code, 2, text);
  assert.match(text, /no_such\.ipynb/);
});
