/**
 * Committed records name what a reader can get: the rewrite of the commands committed with a
 * machine's absolute paths (tools/portable_results.ts), and the check that fails on such a path
 * or on a git tag the repository does not hold (tools/path_lint.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findMachinePaths, namedTags } from "../tools/machine_paths.ts";
import { portableCommand, rewriteRunJson, untagReadme } from "../tools/portable_results.ts";

const LINT = new URL("../tools/path_lint.ts", import.meta.url).pathname;

Deno.test("portable_results: the committed commands, rewritten once", () => {
  const cmd = "deno task train --config c --set mode=ft-bptt --runs-dir /work/main/runs; " +
    "then deno task train --resume /work/main/runs/c-ft-bptt-1";
  const want = "from a checkout at commit 892ae00: deno task train --config c --set mode=ft-bptt " +
    "--runs-dir runs; then deno task train --resume runs/c-ft-bptt-1";
  assert.equal(portableCommand(cmd, "892ae008a931"), want);
  assert.equal(portableCommand(want, "892ae008a931"), want, "idempotent");
  assert.equal(
    portableCommand("deno task train --runs-dir /tmp/measure2", "66e3783a", true),
    "from a checkout at commit 66e3783 with uncommitted changes: deno task train --runs-dir runs",
  );
  assert.equal(
    portableCommand("deno task train --set seed=1", "892ae00"),
    "deno task train --set seed=1",
  );
  const json = JSON.stringify(
    {
      run: "/tmp/measure2/r-1",
      command: "deno task train --runs-dir /tmp/measure2",
      environment: { commit: "66e3783a", dirty: false },
    },
    null,
    2,
  );
  const out = rewriteRunJson(json);
  assert.deepEqual(JSON.parse(out.text), {
    run: "runs/r-1",
    command: "from a checkout at commit 66e3783: deno task train --runs-dir runs",
    environment: { commit: "66e3783a", dirty: false },
  });
  assert.equal(rewriteRunJson(out.text).text, out.text, "idempotent");
  assert.equal(
    rewriteRunJson('{"meta": {"results": "/work/main/results/bench/r.jsonl"}}').text,
    '{"meta": {"results": "results/bench/r.jsonl"}}',
  );
  assert.equal(
    untagReadme("from the tag `campaign-2` = a8ab222, and the tag `campaign-4`\n(11a1b78)."),
    "from commit `a8ab222`, and commit `11a1b78`.",
  );
});

Deno.test("path_lint: machine paths and absent tags fail, URLs and repository paths pass", async () => {
  assert.deepEqual(
    findMachinePaths('x "/work/main/runs" `/tmp/a`; (/home/me/f),\n--dir=/root/x').map((f) =>
      f.path
    ),
    [
      "/work/main/runs",
      "/tmp/a",
      "/home/me/f",
      "/root/x",
    ],
  );
  assert.deepEqual(findMachinePaths("https://host/home/x, results/tmp/x, /usr/bin/python3"), []);
  assert.deepEqual(namedTags("at the tag `campaign-1` (commit"), [{ line: 1, tag: "campaign-1" }]);
  const root = await Deno.makeTempDir();
  const git = (...args: string[]) =>
    new Deno.Command("git", { args, cwd: root, stdout: "null", stderr: "null" }).outputSync();
  git("init", "-q");
  Deno.mkdirSync(join(root, "results/g"), { recursive: true });
  const lint = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", LINT, root],
      stdout: "piped",
      stderr: "piped",
    })
      .outputSync();
  Deno.writeTextFileSync(join(root, "README.md"), "# r\n\nFrom the tag `v1`.\n");
  Deno.writeTextFileSync(join(root, "results/g/a.json"), '{"command": "deno task x"}\n');
  git("add", ".");
  let r = lint();
  assert.equal(r.code, 1, "an absent tag passed");
  assert.match(new TextDecoder().decode(r.stderr), /README\.md:3: names git tag v1/);
  git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x");
  git("tag", "v1");
  assert.equal(lint().code, 0, new TextDecoder().decode(lint().stderr));
  Deno.writeTextFileSync(join(root, "results/g/a.json"), '{"run": "/work/main/runs/r"}\n');
  r = lint();
  assert.equal(r.code, 1, "a machine path passed");
  assert.match(new TextDecoder().decode(r.stderr), /results\/g\/a\.json:1: \/work\/main\/runs\/r/);
  await Deno.remove(root, { recursive: true });
});
