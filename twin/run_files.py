"""The twin's run folder, in the workspace's formats (lib/cli/train.ts, lib/train/trainer.ts), so
that `deno task results`, `deno task snapshot`, `deno task sample --run` and `train --init` take
it like one of ours:

    config.json        the resolved config plus an `environment` record (engine, torch, devices,
                       world size, backend, commit, the export it read)
    command.txt        the command(s) that made it
    metrics.jsonl      one row per measurement: step, seconds, tokens, lr, split, loss, ppl
                       (, evalSeconds), as MetricRow
    summary.json       the TrainSummary fields plus run, seed, scale, command, environment
    progress.json      step, totalSteps, batchesPerEpoch of the last checkpoint (for snapshot)
    last.pt, best.pt   checkpoints (twin/checkpoint.py)
    last.safetensors   the final weights and λs under our tensor names; best.safetensors the
                       weights at the best validation (what sample and train --init read)

Only rank 0 writes.
"""
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time

import torch

from twin import checkpoint
from twin.models import write_safetensors

ENGINE = "pytorch-twin"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def new_run_dir(root, config, method):
    """runs/<config>-<method>-<time>-twin, never an existing folder (mkdir is atomic). `method` is
    the export's label (the mode, a feedback kind, a λ variant: as our run folders)."""
    os.makedirs(root, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    for i in range(1000):
        d = os.path.join(root, f"{config['name']}-{method}-{stamp}{f'-{i}' if i else ''}-twin")
        try:
            os.mkdir(d)
            return d
        except FileExistsError:
            continue
    raise SystemExit(f"no free run folder name under {root}")


def git_state():
    """The commit of this checkout and whether twin/ or bench/ differ from it."""
    def git(*args):
        try:
            out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
            return out.stdout.strip() if out.returncode == 0 else None
        except OSError:
            return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no", "--", "twin", "bench") if commit else ""
    return commit, bool(status)


def environment(ranks, devices, export, threads):
    commit, dirty = git_state()
    return {
        "engine": ENGINE,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "devices": devices,
        "world_size": ranks.world,
        "backend": ranks.backend,
        "threads": threads,
        "commit": commit,
        "dirty": dirty,
        "export": {"dir": export.folder, "command": export.manifest["command"],
                   "files": export.identity()},
    }


def this_command(argv):
    """How this process was started, for the records: twin/launch.py passes its own command in
    TWIN_COMMAND; under torchrun, torchrun's; else python3 -m twin."""
    if os.environ.get("TWIN_COMMAND"):
        return os.environ["TWIN_COMMAND"]
    args = " ".join(shlex.quote(a) for a in argv)
    if os.environ.get("TORCHELASTIC_RUN_ID"):
        n = os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1"))
        return f"torchrun --nproc_per_node={n} -m twin {args}"
    return f"python3 -m twin {args}"


def config_text(config, env):
    return json.dumps({**config, "environment": env}, indent=2) + "\n"


def json_value(x):
    """A number as JSON.stringify writes it: NaN and ±Infinity as null."""
    return None if isinstance(x, float) and not math.isfinite(x) else x


def metric_line(row):
    return json.dumps({k: json_value(v) for k, v in row.items()}, separators=(",", ":")) + "\n"


def write_metrics(folder, rows):
    checkpoint.write_atomic(os.path.join(folder, "metrics.jsonl"), "".join(metric_line(r) for r in rows))


def append_metric(folder, row):
    with open(os.path.join(folder, "metrics.jsonl"), "a") as f:
        f.write(metric_line(row))
        f.flush()
        os.fsync(f.fileno())


def write_json(path, obj):
    checkpoint.write_atomic(path, json.dumps({k: json_value(v) for k, v in obj.items()}, indent=2) + "\n")


def write_weights(path, tensors, config, tokenizer, label):
    """Weights as safetensors (the metadata of `deno task export`), atomically."""
    tmp = f"{path}.{os.getpid()}.tmp"
    write_safetensors(tmp, tensors, {
        "format": "dsf-notebooks",
        "config": json.dumps(config),
        "tokenizer": tokenizer,
        "checkpoint": label,
        "engine": ENGINE,
    })
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    checkpoint.sync_folder(os.path.dirname(path) or ".")


def check_group(group):
    """`--results GROUP`: a plain name (lib/config/checks.ts fileName), or SystemExit."""
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*", group or "") or ".." in group:
        raise SystemExit(f"--results must be a plain name (letters, digits, _ . + -), got {group!r}")
    return group


def results_stem(group, config, method, root="results"):
    """results/<group>/<config>-<method>-seed<seed>-pytorch-twin (lib/io/results_files.ts's stem of
    the same run, with the engine: beside ours, not over it)."""
    return os.path.join(root, check_group(group), f"{config['name']}-{method}-seed{config['seed']}-{ENGINE}")


def write_results(group, summary, folder, config, method):
    """The summary and the curves into results/<group>/, as `deno task train --results` does;
    refuses a file that holds another run."""
    stem = results_stem(group, config, method)
    os.makedirs(os.path.dirname(stem), exist_ok=True)
    if os.path.exists(f"{stem}.json"):
        with open(f"{stem}.json") as f:
            held = json.load(f).get("run")
        if held != summary["run"]:
            raise SystemExit(f"{stem}.json holds another run ({held}): choose another --results group")
    write_json(f"{stem}.json", summary)
    with open(os.path.join(folder, "metrics.jsonl"), "rb") as f:
        checkpoint.write_atomic(f"{stem}.metrics.jsonl", f.read())
    return stem
