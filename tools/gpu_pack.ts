/**
 * `deno task gpu-pack [--out DIR]`: packs the GPU check into one folder (default
 * `out/gpu-check/`, at most {@link MAX_PACK_MIB} MiB) that runs on a Linux x86-64 machine with a
 * GPU and no internet access: `DIR/run.sh [--smoke] [--out RESULTS]` (see tools/gpu_check_run.sh,
 * copied as `run.sh`).
 *
 * What goes in: Deno's own binary (xz), the GPU check and the benchmark bundled with every npm
 * module they import (`deno bundle`: lib/cli/gpu_check.ts, lib/cli/bench.ts), tfjs-backend-wasm's
 * `.wasm` files, the PyTorch peer (bench/pytorch_peer.py), OpenBLAS with the libraries it links
 * (libgfortran, libquadmath; xz) and the Vulkan loader (libvulkan.so.1, used only where the
 * machine has none).
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The pack's size limit (the device machine takes a 64 MiB working tree). */
export const MAX_PACK_MIB = 60;

/** Shared libraries packed, by the name the loader asks for. */
const LIBS = ["libopenblas.so.0", "libgfortran.so.5", "libquadmath.so.0"];
const VULKAN = "libvulkan.so.1";
const LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"];

function findLib(name: string): string {
  for (const d of LIB_DIRS) {
    try {
      return Deno.realPathSync(join(d, name));
    } catch { /* next */ }
  }
  throw new Error(
    `${name} is not installed here (looked in ${LIB_DIRS.join(", ")}): ` +
      "run ./dsf.sh setup (it installs OpenBLAS and the Vulkan loader)",
  );
}

async function run(cmd: string, args: string[], stdout?: string): Promise<void> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (o.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(o.stderr)}`);
  }
  if (stdout) await Deno.writeFile(stdout, o.stdout);
}

/** `xz -6` of one file into `to` (multi-threaded). */
function xz(from: string, to: string): Promise<void> {
  return run("xz", ["-6", "-T0", "-c", from], to);
}

function sizeOf(dir: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    n += e.isDirectory ? sizeOf(p) : Deno.statSync(p).size;
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
  const out = values.out ?? join(ROOT, "out", "gpu-check");
  // Only an earlier pack (it has a MANIFEST) or an empty folder is replaced: --out . must not
  // wipe a checkout.
  const entries = await Array.fromAsync(Deno.readDir(out)).catch(() => []);
  if (entries.length && !entries.some((e) => e.name === "MANIFEST")) {
    console.error(`gpu-pack: ${out} is not empty and holds no earlier pack: give an empty folder`);
    return 2;
  }
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const app = join(out, "app");
  for (const d of ["lib/cli", "bench", "wasm"]) await Deno.mkdir(join(app, d), { recursive: true });
  await Deno.mkdir(join(out, "lib64"), { recursive: true });
  // The two programs, each one file with its npm modules inside.
  for (const name of ["gpu_check", "bench"]) {
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "-o",
      join(app, "lib/cli", `${name}.js`),
      join(ROOT, "lib/cli", `${name}.ts`),
    ]);
  }
  // tfjs-backend-wasm's emscripten loader reads its .wasm beside `__dirname` (it sees Node's
  // `process` in Deno): the preload points that at the pack's wasm folder.
  const wasmPkg = dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm")));
  for (const e of Deno.readDirSync(wasmPkg)) {
    if (e.name.endsWith(".wasm")) {
      await Deno.copyFile(join(wasmPkg, e.name), join(app, "wasm", e.name));
    }
  }
  await Deno.writeTextFile(
    join(app, "preload.js"),
    'globalThis.__dirname = new URL("./wasm", import.meta.url).pathname;\n',
  );
  await Deno.copyFile(join(ROOT, "bench/pytorch_peer.py"), join(app, "bench/pytorch_peer.py"));
  await Deno.copyFile(join(ROOT, "tools/gpu_check_run.sh"), join(out, "run.sh"));
  await Deno.chmod(join(out, "run.sh"), 0o755);
  await xz(Deno.execPath(), join(out, "deno.xz"));
  for (const lib of LIBS) await xz(findLib(lib), join(out, "lib64", `${lib}.xz`));
  await Deno.mkdir(join(out, "vulkan"), { recursive: true });
  await Deno.copyFile(findLib(VULKAN), join(out, "vulkan", VULKAN));
  const commit = await new Deno.Command("git", { args: ["rev-parse", "HEAD"], cwd: ROOT }).output()
    .then((o) => new TextDecoder().decode(o.stdout).trim(), () => "unknown");
  const bytes = sizeOf(out);
  await Deno.writeTextFile(
    join(out, "MANIFEST"),
    `gpu check pack of commit ${commit}, ${(bytes / 2 ** 20).toFixed(1)} MiB; deno ` +
      `${Deno.version.deno}; run: ./run.sh [--smoke] [--out DIR]\n`,
  );
  const shown = relative(Deno.cwd(), out) || basename(out);
  console.log(`gpu-pack: ${shown} ${(bytes / 2 ** 20).toFixed(1)} MiB (limit ${MAX_PACK_MIB})`);
  if (bytes > MAX_PACK_MIB * 2 ** 20) {
    console.error(`gpu-pack: the pack is over ${MAX_PACK_MIB} MiB`);
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    console.error(`gpu-pack: ${(err as Error).message.split("\n")[0]}`);
    Deno.exit(2);
  }
}
