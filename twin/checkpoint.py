"""Atomic files and the twin's checkpoints.

Every file the twin writes goes to a temporary file beside its target, is flushed to the disk
(fsync), then renamed over the target, and the folder is synced: a reader (or a resume after a
crash) sees the old file or the new one, never half of one.

`last.pt` holds what an exact resume needs: the weights and λs, Adam's state, the updates done,
the loop's state (the curves, the running train sum, the best validation so far, the seconds and
tokens), the config and the export's identity (SHA-256 of each file, so that a resume refuses
other data). `best.pt` holds the weights at the best validation (for the final test). Training
draws no random numbers (no dropout; the data order is in the export), so a resumed run makes
the same updates as one that was never stopped.
"""
import io
import os

import torch

FORMAT = "dsf-twin-checkpoint"


def write_atomic(path, data):
    """Writes bytes (or a str) to `path` atomically and durably."""
    if isinstance(data, str):
        data = data.encode()
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    sync_folder(os.path.dirname(path) or ".")


def sync_folder(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(path, obj):
    """torch.save to `path`, atomically (the bytes through write_atomic)."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    write_atomic(path, buf.getvalue())


def load(path):
    """A checkpoint (tensors on the CPU); SystemExit when it is not one of ours."""
    try:
        obj = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise SystemExit(f"{path} does not exist: is this a twin run folder?")
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise SystemExit(f"{path} is not a twin checkpoint")
    return obj


def last(model, optimizer, step, loop, config, export):
    """The contents of `last.pt`."""
    return {
        "format": FORMAT,
        "model": {k: v.detach().to("cpu") for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "step": step,
        "loop": loop,
        "config": config,
        "export": export,
    }


def best(model_state, step):
    """The contents of `best.pt`: the weights at the best validation."""
    return {"format": FORMAT, "model": model_state, "step": step}
