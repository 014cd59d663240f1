/**
 * Resolving a preset: defaults ← preset at a scale ← `key=value` overrides, then validation.
 *
 * @module
 */
import { checkOverridesApply } from "./applies.ts";
import { applyOverrides, parseSet } from "./overrides.ts";
import { PRESETS } from "./presets.ts";
import {
  type Config,
  type ConfigPatch,
  mergePatches,
  type Scale,
  SCALES,
  validateConfig,
  withDefaults,
} from "./schema.ts";

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  /** Scale preset; default `"quick"`. */
  scale?: Scale;
  /**
   * Typed overrides, e.g. `{hidden: 128, feedback: {init: "uniform"}}`, applied over the preset
   * at its scale (`feedback` merged key by key, other objects and arrays replaced).
   */
  patch?: ConfigPatch;
  /**
   * Overrides like `["hidden=128", "feedback.init=uniform"]`, applied last, in order; a key
   * that does not apply to the resolved config (lib/config/applies.ts) is refused.
   */
  set?: readonly string[];
}

/**
 * The validated config of preset `name` at `scale`, with `patch`, then `set`, applied.
 * @throws Error (one line) naming the key: unknown, invalid, or given in `set` where it does
 *   not apply
 */
export function resolveConfig(name: string, options: ResolveOptions = {}): Config {
  const { scale = "quick", set = [] } = options;
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (preset === undefined) {
    throw new Error(`Unknown config "${name}"; available: ${Object.keys(PRESETS).join(", ")}`);
  }
  if (!(SCALES as readonly string[]).includes(scale)) {
    throw new Error(
      `Invalid config key "scale": got ${JSON.stringify(scale)}; allowed values: ${
        SCALES.map((s) => `"${s}"`).join(", ")
      }`,
    );
  }
  const base = preset.scales[scale];
  const patch = options.patch ?? {};
  // The nested parts merge key by key: a patch's feedback or data keys keep the preset's others.
  const merged = withDefaults(mergePatches(base, { ...patch, name, scale }));
  const overrides = parseSet(set);
  const config = validateConfig(applyOverrides(merged, overrides));
  checkOverridesApply(config, overrides);
  // gpt and ema have no recurrence to truncate: they train by backpropagation, and their records
  // (summaries, run names, result tables) say so rather than the presets' default mode.
  if (config.model === "gpt" || config.model === "ema") config.mode = "bptt";
  return config;
}
