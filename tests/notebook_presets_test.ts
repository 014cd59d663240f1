import assert from "node:assert/strict";
import { resolveConfig } from "../lib/config/resolve.ts";
import { mergePatches, SCALES } from "../lib/config/schema.ts";
import { FEEDBACK_RECALL, presetPatch, QUICK_LM, RECALL } from "../lib/notebook/presets.ts";
import { QUICK_SEARCH_SETTINGS } from "../lib/analysis/quick_search.ts";

Deno.test("notebook presets: quick overrides only at quick, always at every scale", () => {
  assert.equal(presetPatch(RECALL, "quick").lag, 8);
  assert.deepEqual(presetPatch(RECALL, "small"), {});
  assert.equal(presetPatch(FEEDBACK_RECALL, "paper").layers, 2);
  assert.equal(presetPatch(FEEDBACK_RECALL, "quick").layers, 2);
  for (const scale of SCALES) {
    for (const p of [RECALL, FEEDBACK_RECALL, QUICK_LM]) {
      const c = resolveConfig(p.preset, { scale, patch: presetPatch(p, scale) });
      assert.equal(c.scale, scale);
    }
  }
});

Deno.test("notebook presets: the quick LM is the quick search's setting E", () => {
  const e = QUICK_SEARCH_SETTINGS.find((s) => s.id === "E")!;
  const c = resolveConfig(QUICK_LM.preset, {
    scale: "quick",
    patch: presetPatch(QUICK_LM, "quick"),
  });
  const s = resolveConfig(e.preset, { scale: "quick", patch: e.patch });
  assert.deepEqual(c, s);
  assert.equal(c.hidden, 128);
});

Deno.test("notebook presets: feedback patches merge key by key", () => {
  const m = mergePatches({ feedback: { kind: "fitted" }, lr: 1 }, { feedback: { every: 5 } });
  assert.deepEqual(m, { feedback: { kind: "fitted", every: 5 }, lr: 1 });
  assert.deepEqual(mergePatches({ lr: 1 }, { lr: 2 }), { lr: 2 });
});

Deno.test("typed patches: a partial data part keeps the other text-data defaults", () => {
  const c = resolveConfig("ptb-gru-1L256", {
    scale: "quick",
    patch: { dataset: "text", data: { path: "my.txt", framing: "chunks" } },
  });
  assert.equal(c.data.path, "my.txt");
  assert.equal(c.data.framing, "chunks");
  assert.equal(c.data.tokenizer, "char");
  assert.deepEqual(c.data.split, [0.9, 0.05, 0.05]);
  const m = mergePatches({ data: { path: "a.txt" } }, { data: { tokenizer: "bpe" } });
  assert.deepEqual(m.data, { path: "a.txt", tokenizer: "bpe" });
});
