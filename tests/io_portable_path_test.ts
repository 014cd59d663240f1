/**
 * Commands recorded in runs and results name paths relative to the repository (`taskCommand`,
 * lib/io/portable_path.ts), never the absolute paths of the machine that ran them.
 */
import assert from "node:assert/strict";
import { taskCommand } from "../lib/cli/command_line.ts";
import { portableArg, portablePath, portableText, runRecordPath } from "../lib/io/portable_path.ts";

Deno.test("taskCommand: absolute paths in and beside the checkout are written relative to it", () => {
  const root = "/w/dsf";
  assert.equal(portablePath("/w/dsf/runs/x", root), "runs/x");
  assert.equal(portablePath("/w/dsf", root), ".");
  assert.equal(portablePath("/w/main/runs", root), "../main/runs"); // a sibling checkout
  assert.equal(portablePath("/usr/bin/python3", root), "/usr/bin/python3"); // the system's
  assert.equal(portablePath("runs/x", root), "runs/x");
  assert.equal(portableArg("data.path=/w/dsf/my.txt", root), "data.path=my.txt");
  assert.equal(
    taskCommand("train", ["--runs-dir", "/w/dsf/runs", "--set", "data.path=/w/dsf/a b.txt"], root),
    "deno task train --runs-dir runs --set 'data.path=a b.txt'",
  );
  assert.equal(taskCommand("x", ["it's"], root), `deno task x 'it'\\''s'`);
  assert.equal(
    portableText("deno task train --runs-dir /w/dsf/runs; then --resume /w/dsf", root),
    "deno task train --runs-dir runs; then --resume .",
  );
});

Deno.test("runRecordPath: a sibling checkout's run is named as its own command made it", () => {
  assert.equal(runRecordPath("/w/main/runs/x", "/w/main"), "runs/x");
  assert.equal(runRecordPath("/w/dsf-pin/runs/x", "/w/main"), "runs/x");
  assert.equal(runRecordPath("/elsewhere/far/runs/x", "/w/main"), "/elsewhere/far/runs/x");
});
