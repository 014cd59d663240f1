#!/usr/bin/env bash
# The project's entry point on a fresh machine: installs what a command needs when it is
# missing (Deno via npm, Jupyter and the Deno kernel, Mesa's Vulkan driver for WebGPU tests,
# OpenBLAS for the wasm backend's matMuls), says what it is doing, then runs the Deno task.
#
#   ./dsf.sh notebooks      execute every notebook headless (DSF_SCALE=quick by default)
#   ./dsf.sh test           run the test suite (cpu, wasm and webgpu backends)
#   ./dsf.sh lab            open Jupyter with the Deno kernel on notebooks/
#   ./dsf.sh lab-check [NB] headless: NB's figures survive nbconvert --to html, and Jupyter
#                           Notebook runs a cell through the Deno kernel (NB: an executed notebook)
#   ./dsf.sh gpu-pack       pack the GPU check (run.sh, <= 60 MiB) for a machine with a GPU
#   ./dsf.sh setup          install everything, run nothing
#   ./dsf.sh <task> [args]  any other `deno task` (train, bench, grads, fetch, check, …)
#
# Data: DSF_DATA_DIR if set, else ../shared/data when it exists, else downloaded once (checked
# by sha256) into .cache/data by `deno task fetch`.
set -euo pipefail
cd "$(dirname "$0")"
DENO_VERSION=2.9.6
say() { printf '[dsf] %s\n' "$*" >&2; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else say "need root for: $*  (run it as root, then retry)"; return 1; fi
}
apt_install() {
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${DSF_APT_UPDATED:-}" ]; then as_root apt-get update -qq; DSF_APT_UPDATED=1; fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_deno() {
  if command -v deno >/dev/null && deno --version | grep -q "^deno $DENO_VERSION "; then
    DENO=deno
    return
  fi
  DENO="$PWD/.cache/tools/node_modules/.bin/deno"
  if [ ! -x "$DENO" ]; then
    command -v npm >/dev/null || { say "Node.js/npm is needed to install Deno (apt-get install nodejs npm)"; exit 1; }
    say "installing Deno $DENO_VERSION with npm into .cache/tools (no root needed)"
    npm install --silent --no-save --no-audit --no-fund --prefix .cache/tools "deno@$DENO_VERSION" >&2
  fi
  "$DENO" --version >/dev/null
}

ensure_jupyter() {
  if ! command -v jupyter >/dev/null || ! jupyter nbconvert --version >/dev/null 2>&1 \
    || ! jupyter kernelspec --version >/dev/null 2>&1; then
    apt_install jupyter-nbconvert python3-nbclient jupyter-client jupyter-core
  fi
  # The kernel must exist and start the Deno this script uses (a kernelspec left by a deleted
  # checkout or another Deno version points at the wrong binary).
  local want have
  want=$(command -v "$DENO")
  have=$(jupyter kernelspec list --json 2>/dev/null | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["kernelspecs"]["deno"]["spec"]["argv"][0])' \
    2>/dev/null || true)
  if [ -z "$have" ] || [ ! -x "$have" ] || [ "$(readlink -f "$have")" != "$(readlink -f "$want")" ]; then
    say "installing the Deno Jupyter kernel (deno jupyter --install --force)"
    "$DENO" jupyter --install --force >&2
  fi
}

ensure_vulkan() {
  if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 && ! ldconfig -p | grep -q libvulkan.so.1; then
    apt_install mesa-vulkan-drivers libvulkan1 || say "no Vulkan driver: WebGPU tests will fail (set DSF_TEST_BACKENDS=cpu,wasm to leave them out)"
  fi
  # Mesa complains on stderr without a runtime dir; harmless, but noisy.
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
}

ensure_blas() {
  # The native BLAS for the wasm backend's matMuls (lib/native/); without it XNNPACK runs them.
  [ "${DSF_BLAS:-}" = off ] && return
  [ "$(uname -s)" = Linux ] || return
  if ! ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0'; then
    apt_install libopenblas0-pthread || say "no OpenBLAS: matMuls stay on XNNPACK (DSF_BLAS=off hides this)"
  fi
}

ensure_torch() {
  # PyTorch (Debian's python3-torch) for the tests that compare with it and the bench peers;
  # DSF_NO_TORCH=1 skips it (those tests then say they are skipped).
  [ "${DSF_NO_TORCH:-}" = 1 ] && return
  if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
    apt_install python3-torch || say "no PyTorch: the PyTorch comparisons are skipped"
  fi
}

ensure_browser() {
  # Headless Chromium for tests/browser_page_test.ts (the library bundled into a page); without it
  # that test says it was skipped (DSF_REQUIRE_BROWSER=1 makes that a failure).
  command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null ||
    apt_install chromium-headless-shell || say "no headless Chromium: the browser test is skipped"
}

ensure_data() {
  if [ -n "${DSF_DATA_DIR:-}" ]; then return; fi
  if [ -d ../shared/data ]; then export DSF_DATA_DIR="$PWD/../shared/data"; return; fi
  export DSF_DATA_DIR="$PWD/.cache/data"
  say "DSF_DATA_DIR not set: using $DSF_DATA_DIR (downloaded once, checked by sha256)"
  "$DENO" task fetch --dataset all --dir "$DSF_DATA_DIR" >&2
}

cmd="${1:-help}"
[ $# -gt 0 ] && shift
case "$cmd" in
  help|-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  setup) ensure_deno; ensure_jupyter; ensure_vulkan; ensure_blas; ensure_torch; ensure_browser; "$DENO" install --quiet >&2; say "ready"; exit 0 ;;
  notebooks) ensure_deno; ensure_jupyter; ensure_blas; ensure_data ;;
  lab)
    ensure_deno; ensure_jupyter; ensure_blas; ensure_data
    jupyter notebook --version >/dev/null 2>&1 || apt_install jupyter-notebook ;;
  lab-check)
    ensure_deno; ensure_jupyter
    jupyter notebook --version >/dev/null 2>&1 || apt_install jupyter-notebook
    nb="${1:-out/notebooks/01_overview.ipynb}"
    say "nbconvert --to html of $nb keeps its figures; Jupyter Notebook runs a Deno cell"
    "$DENO" run -A notebooks/portable.ts html "$nb"
    exec "$DENO" run -A notebooks/portable.ts server ;;
  gpu-pack) ensure_deno; ensure_vulkan; ensure_blas; command -v xz >/dev/null || apt_install xz-utils ;;
  test) ensure_deno; ensure_jupyter; ensure_vulkan; ensure_blas; ensure_torch; ensure_browser; ensure_data ;;
  *) ensure_deno; ensure_vulkan; ensure_blas ;;
esac
say "deno task $cmd $*"
exec "$DENO" task "$cmd" "$@"
