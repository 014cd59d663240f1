/**
 * The calibrations of `lib/backend_calibration.ts` kept in a JSON file (by convention
 * `.cache/calibration.json`), keyed by adapter and layer shape; written atomically.
 *
 * @module
 */
import { dirname } from "node:path";
import type { Calibration, CalibrationCache } from "../backend_calibration.ts";
import { writeFileAtomic } from "./atomic_write.ts";

/** A JSON file of calibrations (Deno; `.cache/calibration.json` by convention). */
export function fileCalibrationCache(path: string): CalibrationCache {
  const read = async (): Promise<Record<string, Calibration>> => {
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
