/**
 * The calibrations of `lib/backend_calibration.ts` kept in a JSON file (by convention
 * `.cache/calibration.json`), keyed by adapter and layer shape; written atomically. Generic over
 * the value, so that lib/io imports nothing from the library above it.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";

/** A JSON file of calibrations (Deno; `.cache/calibration.json` by convention). */
export function fileCalibrationCache<T>(path: string): {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
} {
  const read = async (): Promise<Record<string, T>> => {
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => (await read())[key],
    set: async (key, value) => {
      const all = { ...(await read()), [key]: value };
      await Deno.mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, JSON.stringify(all, null, 1) + "\n");
    },
  };
}
