/**
 * The wasm backend's memory as the heap sees it: the bytes live in `_malloc` allocations (every
 * tensor's data, and our kernels' scratch) and their high-water mark, and the heap's size.
 *
 * Why not `tf.memory().numBytes`: it counts a tensor that shares another's data (a reshape, a
 * saved copy made by `Identity`) once more, and not the scratch that kernels allocate; the heap
 * holds each buffer once. The heap's own size only grows (emscripten grows it by up to 20% over
 * the request), so it bounds what the process used but not what a step needs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

interface WasmModule {
  _malloc(bytes: number): number;
  _free(address: number): void;
  HEAPU8: Uint8Array;
}

function wasmModule(): WasmModule {
  if (tf.getBackend() !== "wasm") throw new Error("wasm heap: the active backend is not wasm");
  return (tf.backend() as unknown as { wasm: WasmModule }).wasm;
}

/** The wasm heap's size in bytes (it only grows). */
export function wasmHeapBytes(): number {
  return wasmModule().HEAPU8.buffer.byteLength;
}

/** Live and peak bytes of the wasm backend's `_malloc`, from {@link trackWasmMalloc}. */
export interface MallocTracker {
  /** Bytes allocated and not yet freed, counting from when tracking began. */
  readonly live: number;
  /** The most `live` has been since the start or the last {@link resetPeak}. */
  readonly peak: number;
  /** Starts a new high-water mark at the current `live`. */
  resetPeak(): void;
  /** Puts the backend's own `_malloc` and `_free` back. */
  stop(): void;
}

/**
 * Wraps the wasm module's `_malloc` and `_free` to count live bytes. Buffers allocated before
 * tracking began are not counted (freeing one subtracts nothing).
 */
export function trackWasmMalloc(): MallocTracker {
  const wasm = wasmModule();
  // Emscripten's exports start as stubs that replace themselves on their first call: make that
  // call now, or the replacement would later drop our wrapper.
  wasm._free(wasm._malloc(16));
  const [malloc, free] = [wasm._malloc, wasm._free];
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (bytes: number) => {
    const at = malloc(bytes);
    sizes.set(at >>> 0, bytes);
    live += bytes;
    if (live > peak) peak = live;
    return at;
  };
  wasm._free = (address: number) => {
    live -= sizes.get(address >>> 0) ?? 0;
    sizes.delete(address >>> 0);
    free(address);
  };
  return {
    get live() {
      return live;
    },
    get peak() {
      return peak;
    },
    resetPeak() {
      peak = live;
    },
    stop() {
      wasm._malloc = malloc;
      wasm._free = free;
    },
  };
}
