#!/usr/bin/env bash
# The GPU check, run from its pack (`deno task gpu-pack`; this file is the pack's run.sh) on a
# Linux x86-64 machine with a GPU and no internet access, in at most ~8 minutes:
#   1. the WebGPU adapter found (name, limits, features);
#   2. the layer's gradients on WebGPU against the cpu backend, every mode;
#   3. the GRU layer step (B 32, T 64/256/1024, D 256/1024) and the PTB LM step in the three modes
#      on WebGPU, then the same on wasm + OpenBLAS on this machine's cores;
#   4. PyTorch's GRU (BPTT, and the reference DSF) on CUDA, when python3 imports torch with CUDA;
#   5. one table of ratios within this run (check.md), JSON rows beside it.
# usage: run.sh [--smoke] [--out DIR]
#   --smoke  CI's list: small T and D, a minute per backend, the software adapter accepted
# Exit status: 0 when every step ran on a hardware adapter and every gradient agreed; 1 otherwise
# (what could run still runs, and check.md says what is missing).
#   --out    results folder (default ./gpu-check-results)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
smoke=0
out=$PWD/gpu-check-results
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --out) out=$2; shift ;;
    *) echo "run.sh: unknown option $1 (usage: run.sh [--smoke] [--out DIR])" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "gpu-check: $*" >&2; }

unxz_to() { # xz, else Python's lzma: a bare machine may lack one of them
  xz -dc "$1" >"$2" 2>/dev/null ||
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
}
unxz_to "$here/deno.xz" "$work/deno" || { say "cannot unpack deno (no xz, no python3)"; exit 1; }
chmod +x "$work/deno"
mkdir -p "$work/lib64"
for f in "$here"/lib64/*.xz; do unxz_to "$f" "$work/lib64/$(basename "$f" .xz)"; done
export LD_LIBRARY_PATH="$work/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The Vulkan loader: the machine's own where it has one, else the packed one.
if ! ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; then
  export LD_LIBRARY_PATH="$here/vulkan:$LD_LIBRARY_PATH"
  say "no Vulkan loader installed: using the packed one"
fi
# NVIDIA's ICD where the usual folders lack one (container images often keep it here).
if ! compgen -G '/usr/share/vulkan/icd.d/*.json' >/dev/null &&
  ! compgen -G '/etc/vulkan/icd.d/*.json' >/dev/null &&
  [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  # VK_DRIVER_FILES for loaders >= 1.3.234, VK_ICD_FILENAMES for older ones.
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export VK_ICD_FILENAMES=$VK_DRIVER_FILES
fi
export DSF_CACHE_DIR="$work/cache" NO_COLOR=1 XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work}"
deno_run() { "$work/deno" run -A --unstable-webgpu --preload "$here/app/preload.js" "$@"; }
check() { deno_run "$here/app/lib/cli/gpu_check.js" "$@" --out "$out"; }
bench() { deno_run "$here/app/lib/cli/bench.js" "$@"; }

status=0
webgpu=1
check adapter $([ $smoke = 1 ] && echo --smoke)
case $? in
  0) ;;
  3) say "only a software adapter: its WebGPU rows are a CPU renderer's, not a GPU's"; status=1 ;;
  *) say "no WebGPU adapter: the WebGPU steps are left out, the rest runs"; status=1; webgpu=0 ;;
esac
if [ $webgpu = 1 ]; then check grads $([ $smoke = 1 ] && echo --smoke) || status=1; fi
if [ $smoke = 1 ]; then
  shape=(--T 16 --D 32 --B 4 --ptb "4,16,32,500" --runs 1 --warmup 1 --budget-min 1)
else
  # A case estimated over a minute is skipped, so that no single case outruns the check's time.
  shape=(--T 64,256,1024 --D 256,1024 --B 32 --ptb "32,64,256,10000" --runs 3 --budget-min 3
    --max-case-min 1 --max-mem-gb 16)
fi
if [ $webgpu = 1 ]; then
  bench --backend webgpu --cells gru --impls webgpu,scan --peers none --matmul off "${shape[@]}" \
    --results "$out/webgpu.jsonl" >"$out/webgpu.log" 2>&1 || { say "webgpu bench failed (webgpu.log)"; status=1; }
fi
bench --backend wasm --cells gru --impls wasm --peers none --matmul off "${shape[@]}" \
  --results "$out/wasm.jsonl" >"$out/wasm.log" 2>&1 || { say "wasm bench failed (wasm.log)"; status=1; }
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  if [ $smoke = 1 ]; then Ts="16"; Ds="32"; B=4; lm='"B":4,"T":16,"D":32,"V":500'
  else Ts="64 256 1024"; Ds="256 1024"; B=32; lm='"B":32,"T":64,"D":256,"V":10000'; fi
  cases=""
  for T in $Ts; do for D in $Ds; do for m in pytorch pytorch-dsf-ref; do
    cases="$cases{\"cell\":\"gru\",\"mode\":\"$m\",\"B\":$B,\"T\":$T,\"D\":$D},"
  done; done; done
  for m in pytorch pytorch-dsf-ref; do
    cases="$cases{\"unit\":\"ptb-lm\",\"cell\":\"gru\",\"mode\":\"$m\",$lm},"
  done
  python3 "$here/app/bench/pytorch_peer.py" "{\"cases\":[${cases%,}],\"device\":\"cuda\",\"runs\":5}" \
    | tail -n 1 >"$out/torch.json" || say "the PyTorch CUDA peer failed"
else
  say "no PyTorch with CUDA here: its column stays empty"
fi
check summary
exit $status
