import assert from "node:assert/strict";
import { failureLine } from "../lib/cli/train_failure.ts";
import { resolveConfig } from "../lib/config/resolve.ts";

Deno.test("train failure line: wasm's bare Aborted() says the heap and what to lower", () => {
  const c = resolveConfig("wt-gru-3L256", { scale: "paper", patch: { batchSize: 32 } });
  const line = failureLine(new Error("Aborted(). Build with -sASSERTIONS for more info."), c, {
    vocabulary: 16000,
  });
  // 32 × 256 × 16000 floats = 500 MB of logits.
  assert.match(line, /heap \(at most 4 GB\) ran out; the logits of one batch alone are 500 MB/);
  assert.match(
    line,
    /set microBatches \(now 1\) higher, or lower batchSize \(or evalBatchSize\), context or vocabSize$/,
  );
  assert.doesNotMatch(line, /\n/);
  const other = failureLine(new Error("disk full\nmore"), c, { vocabulary: 16000 });
  assert.equal(other, "disk full");
});
