/**
 * The checks a config's validation is made of: each failure names the key. Integer keys have
 * their ranges in one table: `int_keys.ts`.
 *
 * @module
 */

export function fail(key: string, msg: string): never {
  throw new Error(`Invalid config key "${key}": ${msg}`);
}

export function show(x: unknown): string {
  return typeof x === "number" ? String(x) : JSON.stringify(x) ?? String(x);
}

export function oneOf<T extends string>(key: string, x: unknown, allowed: readonly T[]): T {
  if (typeof x !== "string" || !(allowed as readonly string[]).includes(x)) {
    fail(key, `got ${show(x)}; allowed values: ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return x as T;
}

export function num(key: string, x: unknown, min: number, minOpen: boolean): number {
  if (typeof x !== "number" || !Number.isFinite(x) || (minOpen ? x <= min : x < min)) {
    fail(key, `must be a number ${minOpen ? ">" : ">="} ${min}, got ${show(x)}`);
  }
  return x;
}

export function plainObject(key: string, x: unknown): Record<string, unknown> {
  if (x === null || typeof x !== "object" || Array.isArray(x)) {
    fail(key, `must be an object, got ${show(x)}`);
  }
  return x as Record<string, unknown>;
}

/**
 * A name that becomes part of a file or folder name (a run's, a results group's): letters,
 * digits and `._+-`, not starting with `.` or `-`, so it cannot leave the folder it is put in.
 * @throws Error naming `key` otherwise
 */
export function fileName(key: string, x: unknown): string {
  if (typeof x !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9._+-]{0,99}$/.test(x)) {
    fail(
      key,
      `must be a plain name (letters, digits and . _ + -, not starting with . or -, at most ` +
        `100 characters), got ${show(x)}`,
    );
  }
  return x;
}
