"""The twin's training loop and command line: the loop of lib/train/trainer.ts, in PyTorch, on one
process or under DistributedDataParallel.

  python3 -m twin --export DIR [--runs-dir runs] [--results GROUP] [--device auto|cpu|cuda]
                  [--threads N] [--set stopAfter=N] [--set checkpointMinutes=M] [--no-verify]
  python3 -m twin --resume RUN_DIR [--export DIR] [--set stopAfter=N] …
  torchrun --nproc_per_node=N -m twin --export DIR …       (N ranks; see README "More than one machine")
  python3 -m twin.launch --nproc N -- --export DIR …       (N local ranks without torchrun)

Each update i trains on the export's training batch i, its rows split over the ranks
(twin/data.py rows_of). Rank r's loss is the summed cross-entropy of its real targets × N / the
whole batch's count: DDP averages the ranks' gradients, so the update is the whole batch's mean
gradient, as one process (or our trainer) makes it. Then, as ours: gradient-norm clipping (the
global norm), Adam with the config's lr (schedule: twin/schedule.py), betas, eps and L2 weight
decay; every `evalEvery` updates and at the end a train row (the mean loss since the last row)
and a validation row; checkpoints at each evaluation, every `checkpointMinutes`, at `stopAfter`
and on SIGINT/SIGTERM; at the end the test split at the best validation's weights.
Exit status: 0 done or paused, 3 a NaN/Inf loss, 130 interrupted, 2 bad input.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

import torch
import torch.nn.functional as F

from twin import checkpoint, distributed, models, run_files
from twin.data import Export, rows_of
from twin.schedule import learning_rate

# The config keys a --set may change (they change when the run stops, not its numbers).
SET_KEYS = {"stopAfter": int, "checkpointMinutes": float}


def parse(argv):
    p = argparse.ArgumentParser(prog="python3 -m twin", description=__doc__.split("\n\n")[0])
    p.add_argument("--export", help="a folder written by deno task twin-export")
    p.add_argument("--resume", help="a twin run folder to continue from its last checkpoint")
    p.add_argument("--runs-dir", default="runs")
    p.add_argument("--results", help="also write the summary and curves to results/GROUP/")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=1, help="CPU threads per rank (default 1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help=f"one of {', '.join(SET_KEYS)}")
    p.add_argument("--no-verify", action="store_true", help="skip the export's SHA-256 check")
    args = p.parse_args(argv)
    if not args.export and not args.resume:
        p.error("give --export DIR (a new run) or --resume RUN_DIR (with --export DIR: the export moved)")
    return args


def apply_set(config, items):
    """`--set key=value` for the keys of SET_KEYS; returns the keys changed and their values."""
    changed = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in SET_KEYS:
            raise SystemExit(f"--set {item}: the twin takes {', '.join(SET_KEYS)} (the rest is the export's)")
        v = None if value == "null" else SET_KEYS[key](value)
        config[key] = changed[key] = v
    return changed


def fresh_loop():
    """The loop state a checkpoint carries (LoopState of lib/train/trainer.ts)."""
    return {"rows": [], "minValPpl": math.inf, "bestStep": -1, "trainSum": 0.0, "trainCount": 0,
            "seconds": 0.0, "evalSeconds": 0.0, "tokens": 0}


def ppl(loss):
    return math.exp(loss) if loss < 700 else math.inf


class Trainer:
    """One run: the export, the model and optimiser on this rank, the loop state, the files."""

    def __init__(self, args, ranks):
        self.args, self.ranks = args, ranks
        if args.results is not None:
            run_files.check_group(args.results)
        saved = None
        if args.resume:
            saved = checkpoint.load(os.path.join(args.resume, "last.pt"))
            export_dir = args.export or saved["export"]["dir"]
        else:
            export_dir = args.export
        self.export = Export(export_dir, check=not args.no_verify)
        if saved and saved["export"]["files"] != self.export.identity():
            raise SystemExit(f"{export_dir} is not the export {args.resume} was trained on")
        self.config = dict(saved["config"] if saved else self.export.config)
        self.changed = apply_set(self.config, args.set)
        stop = self.config["stopAfter"]
        if saved and "stopAfter" not in self.changed and stop is not None and saved["step"] >= stop:
            # A stretch that ended at stopAfter goes on to the end (as `train --resume` does).
            self.config["stopAfter"] = self.changed["stopAfter"] = None
        m = self.export.manifest
        self.total, self.eval_every = m["totalSteps"], m["evalEvery"]
        self.model = models.make_model(self.config, self.export.init_path).to(ranks.device)
        c = self.config
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=c["lr"], betas=tuple(c["betas"]),
                                          eps=c["eps"], weight_decay=c["weightDecay"])
        self.step, self.loop, self.best = 0, fresh_loop(), None
        if saved:
            self.model.load_state_dict(saved["model"])
            self.optimizer.load_state_dict(saved["optimizer"])
            self.step, self.loop = saved["step"], saved["loop"]
            best = os.path.join(args.resume, "best.pt")
            if os.path.exists(best):
                self.best = checkpoint.load(best)["model"]
        self.net = distributed.wrap(self.model, ranks)
        self.dir = args.resume
        self.stop_requested = False

    # ------------------------------------------------------------------ files (rank 0)

    def open_run(self, argv):
        """Makes (or, on resume, updates) the run folder; returns the environment record."""
        env = run_files.environment(self.ranks, distributed.devices(self.ranks), self.export,
                                    self.args.threads)
        if not self.ranks.main:
            return env
        command = run_files.this_command(argv)
        if self.dir is None:
            self.dir = run_files.new_run_dir(self.args.runs_dir, self.config, self.export.manifest["method"])
            checkpoint.write_atomic(os.path.join(self.dir, "command.txt"),
                                    f"{self.export.manifest['command']} && {command}\n")
        else:
            with open(os.path.join(self.dir, "command.txt")) as f:
                first = f.read().strip().split("; then ")[0]
            checkpoint.write_atomic(os.path.join(self.dir, "command.txt"), f"{first}; then {command}\n")
            if self.changed:
                env["resumeSet"] = self.changed
            run_files.write_metrics(self.dir, self.loop["rows"])
        checkpoint.write_atomic(os.path.join(self.dir, "config.json"), run_files.config_text(self.config, env))
        print(f"run: {self.dir} ({self.ranks.world} × {env['devices'][0]}, {self.ranks.backend})", file=sys.stderr)
        return env

    def save_last(self):
        if not self.ranks.main:
            return
        st = checkpoint.last(self.model, self.optimizer, self.step, self.loop, self.config,
                             {"dir": self.export.folder, "files": self.export.identity()})
        checkpoint.save(os.path.join(self.dir, "last.pt"), st)
        run_files.write_json(os.path.join(self.dir, "progress.json"), {
            "step": self.step, "totalSteps": self.total,
            "batchesPerEpoch": self.export.manifest["batchesPerEpoch"]})

    def save_weights(self, name, state, label):
        if not self.ranks.main:
            return
        current = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.model.load_state_dict(state)
        with open(os.path.join(self.export.folder, "tokenizer.json")) as f:
            tokenizer = f.read().strip()
        run_files.write_weights(os.path.join(self.dir, name), models.weights(self.model),
                                self.config, tokenizer, label)
        self.model.load_state_dict(current)

    def record(self, row):
        self.loop["rows"].append(row)
        if self.ranks.main:
            run_files.append_metric(self.dir, row)
            if row["split"] != "train":
                print(f"{row['split']} step {row['step']}: ppl {row['ppl']:.2f}", file=sys.stderr)

    # ------------------------------------------------------------------ numbers

    def lr_at(self, step):
        return learning_rate(self.config["schedule"], step, self.total, self.config["lr"])

    def train_step(self, i, lr):
        """One update on training batch i; returns its mean loss over the whole batch."""
        split, r = self.export.train, self.ranks
        lo, hi = rows_of(split.rows(i), r.rank, r.world)
        count = split.count(i)
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        if hi > lo:
            x, y, mask = (t.to(r.device) for t in split.batch(i, (lo, hi)))
            ce = F.cross_entropy(self.net(x)[mask], y[mask], reduction="sum")
            scaled = ce * (r.world / count)
        else:
            # No rows for this rank (a batch smaller than the world): a zero loss that still runs
            # the forward and backward DDP waits for.
            x = torch.zeros(1, int(split.shapes[i, 1]), dtype=torch.long, device=r.device)
            ce = self.net(x).sum() * 0.0
            scaled = ce
        scaled.backward()
        if self.config["clip"] > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config["clip"])
        self.optimizer.step()
        (total,) = distributed.all_sum([ce.item()], r)
        return total / count

    def evaluate(self, split):
        """Mean cross-entropy over the split's real targets (each rank its rows, summed)."""
        r, local, count = self.ranks, 0.0, 0
        with models.evaluating(self.model):
            for i in range(len(split)):
                count += split.count(i)
                lo, hi = rows_of(split.rows(i), r.rank, r.world)
                if hi > lo and split.count(i) > 0:
                    x, y, mask = (t.to(r.device) for t in split.batch(i, (lo, hi)))
                    local += F.cross_entropy(self.model(x)[mask], y[mask], reduction="sum").item()
        (total,) = distributed.all_sum([local], r)
        return total / count if count else math.nan

    def validate(self):
        st = self.loop
        t0 = time.perf_counter()
        v = self.evaluate(self.export.valid)
        took = time.perf_counter() - t0
        st["evalSeconds"] += took
        base = {"step": self.step, "seconds": st["seconds"], "tokens": st["tokens"], "lr": self.lr_at(self.step)}
        if st["trainCount"]:
            loss = st["trainSum"] / st["trainCount"]
            self.record({**base, "split": "train", "loss": loss, "ppl": ppl(loss)})
        self.record({**base, "split": "valid", "loss": v, "ppl": ppl(v), "evalSeconds": took})
        st["trainSum"], st["trainCount"] = 0.0, 0
        if ppl(v) < st["minValPpl"]:
            st["minValPpl"], st["bestStep"] = ppl(v), self.step
            self.best = {k: t.detach().to("cpu").clone() for k, t in self.model.state_dict().items()}
            if self.ranks.main:
                checkpoint.save(os.path.join(self.dir, "best.pt"), checkpoint.best(self.best, self.step))
                self.save_weights("best.safetensors", self.best, f"best (step {self.step})")
        self.save_last()

    def test(self):
        """Test perplexity at the best validation's weights (then back to the final ones)."""
        st = self.loop
        if st["rows"] and st["rows"][-1]["split"] == "test":
            return st["rows"][-1]["ppl"]  # a resume of a run whose test was done
        final = {k: t.detach().clone() for k, t in self.model.state_dict().items()}
        if self.best is not None:
            self.model.load_state_dict(self.best)
        t0 = time.perf_counter()
        loss = self.evaluate(self.export.test)
        took = time.perf_counter() - t0
        self.model.load_state_dict(final)
        st["evalSeconds"] += took
        self.record({"step": st["bestStep"], "split": "test", "loss": loss, "ppl": ppl(loss),
                     "seconds": st["seconds"], "tokens": st["tokens"], "evalSeconds": took})
        self.save_last()
        return ppl(loss)

    # ------------------------------------------------------------------ the loop

    def run(self):
        st, r, c = self.loop, self.ranks, self.config
        stopped = "done"
        checkpoint_s = c["checkpointMinutes"] * 60
        last_saved = printed = time.perf_counter()
        while self.step < self.total:
            due = checkpoint_s > 0 and time.perf_counter() - last_saved >= checkpoint_s
            stop, due = distributed.any_of([self.stop_requested, due], r)
            if stop:
                stopped = "interrupted"
                self.save_last()
                break
            if c["stopAfter"] is not None and self.step >= c["stopAfter"]:
                stopped = "paused"
                self.save_last()
                break
            if self.step >= len(self.export.train):
                raise SystemExit(f"the export holds {len(self.export.train)} training batches, not {self.total}")
            lr = self.lr_at(self.step)
            t0 = time.perf_counter()
            loss = self.train_step(self.step, lr)
            dt = time.perf_counter() - t0
            if not math.isfinite(loss):
                stopped = "nan"
                break
            count = self.export.train.count(self.step)
            st["seconds"] += dt
            st["tokens"] += count
            st["trainSum"] += loss * count
            st["trainCount"] += count
            self.step += 1
            if r.main and (time.perf_counter() - printed > 10 or self.step in (1, self.total)):
                printed = time.perf_counter()
                print(f"step {self.step}/{self.total} loss {loss:.4f} "
                      f"{round(st['tokens'] / max(st['seconds'], 1e-9))} tok/s lr {lr:.2e}", file=sys.stderr)
            if self.step % self.eval_every == 0 or self.step == self.total:
                self.validate()
                last_saved = time.perf_counter()
            elif due:
                self.save_last()
                last_saved = time.perf_counter()
        test_ppl = None
        if stopped == "done" and self.export.test is not None:
            test_ppl = self.test()
        return stopped, test_ppl

    def summary(self, stopped, test_ppl, env):
        rows = self.loop["rows"]
        last = lambda split: next((x["ppl"] for x in reversed(rows) if x["split"] == split), math.nan)  # noqa: E731
        with open(os.path.join(self.dir, "command.txt")) as f:
            command = f.read().strip()
        return {
            "config": self.config["name"], "mode": self.config["mode"], "steps": self.step,
            "trainPpl": last("train"), "valPpl": last("valid"), "minValPpl": self.loop["minValPpl"],
            "testPpl": test_ppl, "seconds": self.loop["seconds"], "evalSeconds": self.loop["evalSeconds"],
            "tokens": self.loop["tokens"], "backend": f"pytorch-{self.ranks.device.type}",
            "stopped": stopped, "totalSteps": self.total,
            "feedback": self.config["feedback"].get("kind", "fixed"), "feedbackSeconds": 0,
            "run": self.dir, "seed": self.config["seed"], "scale": self.config["scale"],
            "variant": self.export.manifest["variant"], "command": command, "environment": env,
            "settings": self.config,
        }


def main(argv):
    args = parse(argv)
    ranks = distributed.setup(args.device)
    torch.set_num_threads(args.threads)
    try:
        try:
            trainer = Trainer(args, ranks)
            env = trainer.open_run(argv)
        except (OSError, ValueError, KeyError, SystemExit) as e:
            # Bad input (a missing or changed export, a bad --set): one line, status 2, no run.
            if isinstance(e, SystemExit) and not isinstance(e.code, str):
                raise
            print(f"twin: {e}", file=sys.stderr)
            return 2

        def on_signal(signum, frame):
            trainer.stop_requested = True
            print(f"\ninterrupt at step {trainer.step}: saving a checkpoint, then stopping", file=sys.stderr)
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, on_signal)
        stopped, test_ppl = trainer.run()
        if ranks.main:
            summary = trainer.summary(stopped, test_ppl, env)
            trainer.save_weights("last.safetensors", trainer.model.state_dict(), f"last (step {trainer.step})")
            run_files.write_json(os.path.join(trainer.dir, "summary.json"), summary)
            if args.results and stopped == "done":
                stem = run_files.write_results(args.results, summary, trainer.dir, trainer.config,
                                               trainer.export.manifest["method"])
                print(f"results: {stem}.json", file=sys.stderr)
            print(json.dumps({k: run_files.json_value(v) for k, v in summary.items()}))
        return {"done": 0, "paused": 0, "nan": 3}.get(stopped, 130)
    finally:
        distributed.close(ranks)
