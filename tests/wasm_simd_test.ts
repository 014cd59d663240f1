import assert from "node:assert/strict";
import { assembledModule, WAT_SOURCES } from "../tools/wasm.ts";

Deno.test("the committed wasm modules are what their .wat sources assemble to", async () => {
  for (const wat of WAT_SOURCES) {
    const committed = await Deno.readTextFile(wat.replace(/\.wat$/, "_bytes.ts"));
    assert.equal(committed, await assembledModule(wat), `${wat}: run deno task wasm`);
  }
});
