/**
 * The rows of `cli_bad_input_test.ts` for bad config values given with `--set`: an integer key
 * out of its range or not an integer (on a new run and on a resume), and a key given where it
 * does not apply (lib/config/applies.ts). Each must exit 2 with one line, nothing written.
 *
 * @module
 */

import { join } from "node:path";
import { serializeCheckpoint } from "../lib/train/checkpoint.ts";
import { type Case, runFolder, tinyConfig } from "./_cli_bad_input.ts";

export type { Case };

/** A smoke-scale PTB run on the cpu. */
export const SMOKE = ["--config", "ptb-gru-1L256", "--scale", "smoke", "--set", "backend=cpu"];

/** An integer key out of its range or not an integer: on a new run and on a resume. */
export function rangeCases(): Case[] {
  const train = (what: string, set: string, says: RegExp): Case => ({
    what: `integer key: ${what}`,
    cli: "train",
    args: [...SMOKE, "--set", set],
    says,
  });
  const resume = (what: string, set: string, says: RegExp): Case => ({
    what: `resume: ${what}`,
    cli: "train",
    args: ["--resume", "runs/none", "--set", set],
    says,
  });
  return [
    train(
      "a seed past 2³¹ − 1 (it would alias seed 0)",
      "seed=4294967296",
      /^train: Invalid config key "seed": must be an integer in \[0, 2147483647\], got 4294967296$/,
    ),
    train("a size past its range", "hidden=1e9", /"hidden": must be an integer in \[1, 1048576\]/),
    train(
      "a fraction",
      "batchSize=2.5",
      /"batchSize": must be an integer in \[1, 1048576\], got 2\.5/,
    ),
    train("a word", "context=long", /"context": must be an integer in \[1, 1048576\], got "long"/),
    train("a negative feedback seed", "feedback.seed=-1", /"feedback\.seed": .*\[0, 2147483647\]/),
    train(
      "Infinity",
      "epochs=1e999",
      /"epochs": must be an integer in \[1, 1000000\], got Infinity/,
    ),
    train(
      "a BPE past uint16",
      "vocabSize=70000",
      /"vocabSize": must be an integer in \[257, 65536\]/,
    ),
    resume(
      "steps past its range, before the run is read",
      "steps=1e12",
      /"steps": must be null or an integer in \[1, 1000000000\], got 1000000000000/,
    ),
    resume("a fractional evalEvery", "evalEvery=2.5", /"evalEvery": must be an integer in \[0, /),
    resume(
      "a key a resume may not change, before the run is read",
      "lr=0.5",
      /--resume takes --set steps, evalEvery, stopAfter, checkpointMinutes only \(got lr\)/,
    ),
  ];
}

/** A key given with --set where it does nothing. */
export function appliesCases(): Case[] {
  const c = (what: string, config: string, sets: string[], says: RegExp): Case => ({
    what: `does not apply: ${what}`,
    cli: "train",
    args: [
      ...["--config", config, "--scale", "smoke", "--set", "backend=cpu"],
      ...sets.flatMap((x) => ["--set", x]),
    ],
    says,
  });
  const WT = "wt-gru-3L128";
  return [
    c(
      "data.framing on wikitext",
      WT,
      ["data.framing=chunks"],
      /^train: Invalid config key "data\.framing": --set data\.framing does not apply here \(dataset wikitext-2\); it applies to dataset ptb, ptb-char, text$/,
    ),
    c(
      "data.path on ptb",
      "ptb-gru-1L256",
      ["data.path=my.txt"],
      /"data\.path": .*\(dataset ptb\); it applies to dataset text/,
    ),
    c(
      "data.tokenizer on ptb-char",
      "ptb-char-gru-1L256",
      ["data.tokenizer=bpe"],
      /"data\.tokenizer": .*applies to dataset text/,
    ),
    c(
      "lag on ptb",
      "ptb-gru-1L256",
      ["lag=4"],
      /"lag": .*\(dataset ptb\); it applies to dataset synthetic/,
    ),
    c(
      "vocabSize on ptb",
      "ptb-gru-1L256",
      ["vocabSize=1000"],
      /"vocabSize": .*\(dataset ptb\); it applies to dataset wikitext-2/,
    ),
    c(
      "feedback.kind with bptt",
      "ptb-gru-1L256",
      ["mode=bptt", "feedback.kind=fixed"],
      /"feedback\.kind": .*\(mode bptt\); it applies to mode dsf/,
    ),
    c(
      "dsfImpl with ft-bptt",
      "ptb-gru-1L256",
      ["mode=ft-bptt", "dsfImpl=fft"],
      /"dsfImpl": .*\(mode ft-bptt\); it applies to mode dsf/,
    ),
    c(
      "cell on gpt",
      "wt-gpt-3L512",
      ["cell=lstm"],
      /"cell": .*\(model gpt\); it applies to model rnn-lm, transformer-like/,
    ),
    c("mode on ema", "wt-ema-3L512", ["mode=dsf"], /"mode": .*\(model ema\)/),
    c(
      "heads on rnn-lm",
      "ptb-gru-1L256",
      ["heads=4"],
      /"heads": .*\(model rnn-lm\); it applies to model gpt/,
    ),
    c(
      "epochs under a steps budget",
      "ptb-gru-1L256",
      ["epochs=3"],
      /"epochs": .*add --set steps=null/,
    ),
    c("scale", "ptb-gru-1L256", ["scale=paper"], /"scale": .*it applies to the --scale option/),
  ];
}

/** config.json edited by hand, key by key: a resume compares every key with the checkpoint's. */
export function handEditCases(): Case[] {
  return [
    ...([["steps", 7], ["evalEvery", 3], ["stopAfter", 5], ["checkpointMinutes", 9], ["lr", 0.5], [
      "hidden",
      16,
    ]] as const).map(([key, value]): Case => ({
      what: `train --resume: config.json's ${key} edited by hand`,
      cli: "train",
      args: ["--resume", "runs/r"],
      says: new RegExp(`config\\.json differs from its checkpoint's config in ${key}: .*restore`),
      setup: (root) => {
        const dir = runFolder(root, { [key]: value });
        Deno.writeFileSync(
          join(dir, "last.ckpt"),
          serializeCheckpoint({
            params: {},
            optimizer: null,
            step: 2,
            epoch: 0,
            batch: 2,
            rng: {},
            config: tinyConfig(),
            metrics: { rows: [] },
          }),
        );
      },
    })),
  ];
}
