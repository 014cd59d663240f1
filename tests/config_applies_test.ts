// A key given with --set where it does nothing is refused, naming what it applies to; preset and
// patch values are not checked; every committed command line still resolves.
import assert from "node:assert/strict";
import { KEY_RULES } from "../lib/config/applies.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { DEFAULTS } from "../lib/config/schema.ts";
import { PRESETS } from "../lib/config/presets.ts";

const SCALES = ["smoke", "quick", "small", "paper"] as const;

Deno.test("applies: every rule names a config key", () => {
  for (const key of Object.keys(KEY_RULES)) {
    const [head, sub] = key.split(".");
    assert.ok(head in DEFAULTS, key);
    if (sub) assert.ok(sub in (DEFAULTS as unknown as Record<string, object>)[head], key);
  }
});

/** [preset, --set items, what the error must say]. */
const REFUSED: [string, string[], RegExp][] = [
  [
    "wt-gru-3L128",
    ["data.framing=chunks"],
    /"data\.framing": .*\(dataset wikitext-2\); it applies to dataset ptb, ptb-char, text/,
  ],
  [
    "ptb-gru-1L256",
    ["data.path=my.txt"],
    /"data\.path": .*\(dataset ptb\); it applies to dataset text/,
  ],
  ["ptb-char-gru-1L256", ["data.tokenizer=bpe"], /"data\.tokenizer": .*applies to dataset text/],
  ["synthetic-recall", ['data={"framing":"chunks"}'], /"data\.framing": .*\(dataset synthetic\)/],
  [
    "ptb-gru-1L256",
    ["dataset=text", "data.train=a", "data.valid=b", "data.test=c", "data.split=[0.8,0.1,0.1]"],
    /"data\.split": .*\(data\.train, valid and test given\); it applies to dataset text with data\.path/,
  ],
  [
    "ptb-gru-1L256",
    ["lag=4"],
    /"lag": --set lag does not apply here \(dataset ptb\); it applies to dataset synthetic/,
  ],
  ["wt-gru-3L128", ["alphabet=4"], /"alphabet": .*applies to dataset synthetic/],
  [
    "ptb-gru-1L256",
    ["vocabSize=1000"],
    /"vocabSize": .*\(dataset ptb\); it applies to dataset wikitext-2, wikitext-103, or text with data\.tokenizer=bpe/,
  ],
  [
    "ptb-gru-1L256",
    ["dataset=text", "data.path=x", "vocabSize=1000"],
    /"vocabSize": .*\(data\.tokenizer char\)/,
  ],
  ["synthetic-recall", ["vocabSize=1000"], /"vocabSize": .*\(dataset synthetic\)/],
  ["synthetic-recall", ["evalBatchSize=8"], /"evalBatchSize": .*every dataset but synthetic/],
  [
    "ptb-gru-1L256",
    ["mode=bptt", "feedback.kind=fixed"],
    /"feedback\.kind": .*\(mode bptt\); it applies to mode dsf/,
  ],
  ["ptb-gru-1L256", ["mode=ft-bptt", "feedback.high=0.5"], /"feedback\.high": .*\(mode ft-bptt\)/],
  [
    "ptb-gru-1L256",
    ["mode=bptt", "dsfImpl=fft"],
    /"dsfImpl": .*\(mode bptt\); it applies to mode dsf/,
  ],
  [
    "ptb-gru-1L256",
    ["feedback.every=10"],
    /"feedback\.every": .*\(feedback\.kind fixed\); it applies to mode dsf with feedback\.kind=fitted/,
  ],
  [
    "ptb-gru-1L256",
    ["feedback.seed=3"],
    /"feedback\.seed": .*\(feedback\.init linspace\); it applies to mode dsf with feedback\.init=uniform/,
  ],
  [
    "wt-gpt-3L512",
    ["mode=dsf"],
    /"mode": .*\(model gpt\); it applies to model rnn-lm, transformer-like/,
  ],
  ["wt-gpt-3L512", ["cell=lstm"], /"cell": .*\(model gpt\)/],
  ["wt-ema-3L512", ["cell=rnn"], /"cell": .*\(model ema\)/],
  ["wt-ema-3L512", ["feedback.low=0.2"], /"feedback\.low": .*\(model ema, which has no mode\)/],
  [
    "ptb-gru-1L256",
    ["feedback.kind=jacobian-diagonal", "feedback.high=0.5"],
    /"feedback\.high": .*\(feedback\.kind jacobian-diagonal\); it applies to mode dsf with .*stationary/,
  ],
  [
    "ptb-gru-1L256",
    ["feedback.kind=jacobian-diagonal", "feedback.init=uniform"],
    /"feedback\.init": .*\(feedback\.kind jacobian-diagonal\)/,
  ],
  ["wt-gpt-3L512", ["dsfImpl=scan"], /"dsfImpl": .*\(model gpt, which has no mode\)/],
  ["wt-gru-3L128", ["heads=4"], /"heads": .*\(model transformer-like\); it applies to model gpt/],
  ["ptb-gru-1L256", ["emaDim=4"], /"emaDim": .*\(model rnn-lm\); it applies to model ema/],
  [
    "wt-gru-3L128",
    ["embed=64"],
    /"embed": .*\(model transformer-like\); it applies to model rnn-lm/,
  ],
  [
    "ptb-gru-1L256",
    ["epochs=3"],
    /"epochs": .*\(steps=50 is the budget; add --set steps=null to train by epochs\)/,
  ],
  ["ptb-gru-1L256", ["evals=5"], /"evals": .*\(evalEvery=10\); it applies to evalEvery=0/],
  ["ptb-gru-1L256", ["scale=paper"], /"scale": .*it applies to the --scale option/],
];

Deno.test("applies: a --set key that does nothing here is refused in one line", () => {
  for (const [preset, set, says] of REFUSED) {
    assert.throws(
      () => resolveConfig(preset, { scale: "quick", set }),
      (e: Error) => {
        assert.match(e.message, says, `${preset} ${set.join(" ")}`);
        assert.ok(!e.message.includes("\n"));
        return true;
      },
    );
  }
});

Deno.test("applies: keys where they apply are taken", () => {
  const ok = (preset: string, set: string[], scale: typeof SCALES[number] = "quick") =>
    resolveConfig(preset, { scale, set });
  assert.equal(ok("ptb-gru-1L256", ["data.framing=chunks"]).data.framing, "chunks");
  assert.equal(ok("ptb-char-gru-1L256", ['data={"framing":"chunks"}']).data.framing, "chunks");
  assert.equal(
    ok("ptb-gru-1L256", ["dataset=text", "data.path=x", "data.framing=chunks"]).data.path,
    "x",
  );
  assert.equal(
    ok("ptb-gru-1L256", ["dataset=text", "data.path=x", "data.tokenizer=bpe", "vocabSize=500"])
      .vocabSize,
    500,
  );
  assert.equal(ok("wt-gru-3L128", ["vocabSize=500"]).vocabSize, 500);
  assert.equal(ok("synthetic-recall", ["lag=3", "alphabet=4"]).lag, 3);
  assert.equal(
    ok("ptb-gru-1L256", ["feedback.kind=fitted", "feedback.every=10"]).feedback.every,
    10,
  );
  assert.equal(ok("ptb-gru-1L256", ["feedback.init=uniform", "feedback.seed=3"]).feedback.seed, 3);
  assert.equal(ok("ptb-gru-1L256", ["dsfImpl=fft"]).dsfImpl, "fft");
  assert.equal(ok("wt-gpt-3L512", ["heads=4"]).heads, 4);
  assert.equal(ok("wt-ema-3L512", ["emaDim=4"]).emaDim, 4);
  assert.equal(ok("ptb-gru-1L256", ["steps=null", "epochs=3"]).epochs, 3);
  assert.equal(ok("ptb-gru-1L256", ["epochs=3"], "paper").epochs, 3);
  assert.equal(ok("ptb-gru-1L256", ["evalEvery=0", "evals=5"]).evals, 5);
  assert.equal(ok("ptb-gru-1L256", ["mode=dsf", "name=x"]).name, "x");
});

Deno.test("applies: preset and patch values are not checked (a preset carries every key)", () => {
  for (const name of Object.keys(PRESETS)) {
    for (const scale of SCALES) resolveConfig(name, { scale });
  }
  const gpt = resolveConfig("wt-gpt-3L512", {
    scale: "smoke",
    patch: { mode: "bptt", cell: "gru", feedback: { low: 0.1 } },
  });
  assert.equal(gpt.model, "gpt");
  const ptb = resolveConfig("ptb-gru-1L256", { scale: "smoke", patch: { lag: 3, vocabSize: 999 } });
  assert.equal(ptb.lag, 3);
});

/** The words of a shell command line (single quotes only, as the committed commands use). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

Deno.test("applies: every committed `train --config` command line still resolves", async () => {
  const root = new URL("../results/", import.meta.url);
  let checked = 0;
  const walk = async (dir: URL) => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await walk(url);
      else if (e.name.endsWith(".json")) {
        const json = JSON.parse(await Deno.readTextFile(url));
        const command = typeof json?.command === "string" ? json.command : "";
        const w = words(command);
        const at = w.indexOf("--config");
        if (!command.includes("task train") || at < 0) continue;
        const flag = (f: string) => (w.indexOf(f) >= 0 ? w[w.indexOf(f) + 1] : undefined);
        const set = w.flatMap((x, i) => (x === "--set" ? [w[i + 1]] : []));
        const scale = (flag("--scale") ?? "quick") as typeof SCALES[number];
        resolveConfig(w[at + 1], { scale, set });
        checked++;
      }
    }
  };
  await walk(root);
  assert.ok(checked >= 30, `only ${checked} committed commands found`);
});
