/**
 * Command-line style overrides: `parseSet(["hidden=128", "feedback.init=uniform"])`.
 * A value is parsed as JSON when it parses (numbers, booleans, null, arrays, objects), else
 * taken as a string (also when the key's default is a string: `name=123` stays "123").
 * Nested keys use dots; a key not in the config schema is rejected, and so is a value of an
 * integer key outside its range (`int_keys.ts`), before any file is read.
 *
 * @module
 */
import { SCHEDULE_FIELDS } from "../train/schedule.ts";
import { DEFAULTS } from "./schema.ts";
import { intKey, isIntKey } from "./int_keys.ts";

/** One parsed `key=value` override. */
export interface Override {
  /** The dotted key as written. */
  key: string;
  /** The key split on dots. */
  path: string[];
  /** The parsed value. */
  value: unknown;
}

const SCHEDULE_KEYS = [...new Set(Object.values(SCHEDULE_FIELDS).flat())];

/** The default value at `path`, or undefined for a valid key without one (schedule fields). */
function defaultAt(path: string[], key: string): unknown {
  const top = Object.keys(DEFAULTS);
  const head = path[0];
  if (!top.includes(head)) {
    throw new Error(`Unknown config key "${key}"; allowed keys: ${top.join(", ")}`);
  }
  if (path.length === 1) {
    return (DEFAULTS as Record<string, unknown>)[head];
  }
  if (path.length === 2 && head === "schedule") {
    if (!SCHEDULE_KEYS.includes(path[1])) {
      throw new Error(
        `Unknown config key "${key}"; allowed schedule keys: ${SCHEDULE_KEYS.join(", ")}`,
      );
    }
    return path[1] === "kind" ? "constant" : undefined;
  }
  if (path.length === 2 && head === "data") {
    const keys = Object.keys(DEFAULTS.data);
    if (!keys.includes(path[1])) {
      throw new Error(`Unknown config key "${key}"; allowed data keys: ${keys.join(", ")}`);
    }
    // File paths stay strings even when they parse as JSON ("123", "true").
    return ["path", "train", "valid", "test"].includes(path[1])
      ? ""
      : (DEFAULTS.data as unknown as Record<string, unknown>)[path[1]];
  }
  if (path.length === 2 && head === "feedback") {
    const fb = Object.keys(DEFAULTS.feedback);
    if (!fb.includes(path[1])) {
      throw new Error(`Unknown config key "${key}"; allowed feedback keys: ${fb.join(", ")}`);
    }
    return (DEFAULTS.feedback as unknown as Record<string, unknown>)[path[1]];
  }
  throw new Error(
    `Unknown config key "${key}": "${head}" has no sub-key "${path.slice(1).join(".")}"`,
  );
}

/**
 * Parses `key=value` strings; a malformed item, an unknown key or an integer key's value out of
 * its range is an Error naming it.
 */
export function parseSet(items: readonly string[]): Override[] {
  return items.map((item) => {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`Bad override "${item}": expected key=value`);
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1);
    const path = key.split(".");
    if (path.some((p) => p.length === 0)) throw new Error(`Bad override "${item}": empty key part`);
    const def = defaultAt(path, key);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    if (typeof def === "string" && typeof value !== "string") value = text;
    if (isIntKey(key)) intKey(key, value);
    return { key, path, value };
  });
}

/**
 * Applies overrides in order to a copy of `config`. Setting `schedule.kind` drops the schedule
 * fields the new kind does not use, so `schedule.kind=cosine schedule.warmup=0.1
 * schedule.floor=0.1` turns a step schedule into a cosine one.
 */
export function applyOverrides<T extends object>(config: T, overrides: readonly Override[]): T {
  const out = structuredClone(config) as Record<string, unknown>;
  for (const { key, path, value } of overrides) {
    let node = out;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (next === null || typeof next !== "object" || Array.isArray(next)) {
        if (next === undefined) {
          node[part] = {};
        } else {
          throw new Error(`Cannot set "${key}": "${part}" is not an object`);
        }
      }
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = structuredClone(value);
    if (key === "schedule.kind" && typeof value === "string" && value in SCHEDULE_FIELDS) {
      const keep = SCHEDULE_FIELDS[value as keyof typeof SCHEDULE_FIELDS];
      for (const k of Object.keys(node)) if (!keep.includes(k)) delete node[k];
    }
  }
  return out as T;
}
