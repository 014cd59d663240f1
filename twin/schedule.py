"""The learning rate of each update, as lib/train/schedule.ts computes it (same double-precision
operations in the same order, so the same numbers):

- constant: base_lr;
- step: base_lr · γ^k, k = milestones reached (each at round(f · total)), or ⌊step / round(every ·
  total)⌋;
- cosine: for W = round(warmup · total) updates a linear ramp base_lr · (1e-6 + (1 − 1e-6) ·
  step / W), then a cosine from base_lr down to floor · base_lr at `total`.

`step` is the number of updates already made (0 for the first).
"""
import math

WARMUP_START_FACTOR = 1e-6


def js_round(x):
    """JavaScript's Math.round: halves go up (Python's round goes to the even neighbour)."""
    return math.floor(x + 0.5)


def learning_rate(schedule, step, total_steps, base_lr):
    kind = schedule["kind"]
    if kind == "constant":
        return base_lr
    if kind == "step":
        if schedule.get("every") is not None:
            k = math.floor(step / max(1, js_round(schedule["every"] * total_steps)))
        else:
            k = sum(1 for f in schedule.get("milestones", []) if step >= js_round(f * total_steps))
        return base_lr * math.pow(schedule["gamma"], k)
    if kind == "cosine":
        w = js_round(schedule["warmup"] * total_steps)
        if step < w:
            return base_lr * (WARMUP_START_FACTOR + (1 - WARMUP_START_FACTOR) * step / w)
        low = schedule["floor"] * base_lr
        span = total_steps - w
        t = 1 if span <= 0 else min(1, (step - w) / span)
        return low + (base_lr - low) * (1 + math.cos(math.pi * t)) / 2
    raise SystemExit(f"unknown schedule kind {kind!r}")
