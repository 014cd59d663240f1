"""The export that `deno task twin-export` writes (lib/io/twin_export.ts), read without copying:
the config, the manifest (twin.json), the initial weights, and the batches of each split as our
trainer sees them, in our data order.

A batch file holds its batches end to end: x, y (U16 or I32) and mask (U8) flat over Σ B·T
positions, shape [n, 2] = (B, T) and count [n] (real targets) per batch. Batch i of the
training split is the batch of update i + 1.

Under DistributedDataParallel each rank takes a contiguous slice of every batch's rows
(`rows_of`): the first B mod N ranks one row more. The loss's denominator stays the whole
batch's count, so that N ranks make the same update as one process.
"""
import hashlib
import json
import os
import struct

import numpy as np
import torch

FORMAT = "dsf-twin-export"
VERSION = 1
# What the trainer reads of twin.json (lib/io/twin_export.ts TwinManifest).
REQUIRED = ("method", "variant", "vocabSize", "totalSteps", "batchesPerEpoch", "evalEvery", "splits",
            "files", "command")
DTYPES = {"U8": np.uint8, "U16": np.uint16, "I32": np.int32, "F32": np.float32}


def read_header(path):
    """The safetensors header of `path`: ({name: {dtype, shape, data_offsets}}, metadata, data
    start in bytes)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    meta = header.pop("__metadata__", {})
    return header, meta, 8 + n


def read_arrays(path):
    """Every tensor of a safetensors file as a read-only numpy array mapped from the file."""
    header, _, start = read_header(path)
    out = {}
    for name, h in header.items():
        dtype = DTYPES[h["dtype"]]
        b, e = h["data_offsets"]
        count = (e - b) // np.dtype(dtype).itemsize
        arr = np.memmap(path, dtype=dtype, mode="r", offset=start + b, shape=(count,))
        out[name] = arr.reshape(h["shape"]) if h["shape"] else arr
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Split:
    """The batches of one split: `batch(i)` → (x, y, mask) [B, T] (int64, int64, bool), and
    `count(i)` its real targets."""

    def __init__(self, path):
        a = read_arrays(path)
        self.x, self.y, self.mask = a["x"], a["y"], a["mask"]
        self.shapes = np.asarray(a["shape"], dtype=np.int64)        # [n, 2]
        self.positions = np.asarray(a["position"], dtype=np.int64)  # [n, 2] (epoch, index)
        self.counts = np.asarray(a["count"], dtype=np.int64)        # [n]
        sizes = self.shapes[:, 0] * self.shapes[:, 1]
        self.starts = np.concatenate([[0], np.cumsum(sizes)])       # [n + 1]

    def __len__(self):
        return len(self.counts)

    def count(self, i):
        return int(self.counts[i])

    def batch(self, i, rows=None):
        """Batch i, or its rows [lo, hi): x, y as int64 and mask as bool, each [rows, T]."""
        B, T = (int(v) for v in self.shapes[i])
        lo, hi = rows if rows is not None else (0, B)
        s = int(self.starts[i])
        part = slice(s + lo * T, s + hi * T)
        x = torch.from_numpy(self.x[part].astype(np.int64)).view(hi - lo, T)
        y = torch.from_numpy(self.y[part].astype(np.int64)).view(hi - lo, T)
        mask = torch.from_numpy(self.mask[part] != 0).view(hi - lo, T)
        return x, y, mask

    def rows(self, i):
        return int(self.shapes[i, 0])


def rows_of(batch_rows, rank, world):
    """The rows [lo, hi) of a batch that `rank` of `world` trains on: contiguous slices, the
    first batch_rows mod world ranks one row more (a rank may get none)."""
    base, extra = divmod(batch_rows, world)
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


class Export:
    """A twin export folder: `config` (the resolved config, a dict), `manifest` (twin.json),
    `init_path` (the initial weights), the splits `train`, `valid`, `test` (None without one)."""

    def __init__(self, folder, check=False):
        self.folder = folder
        with open(os.path.join(folder, "twin.json")) as f:
            self.manifest = json.load(f)
        m = self.manifest
        if m.get("format") != FORMAT or m.get("version") != VERSION:
            raise SystemExit(f"{folder}: not a {FORMAT} v{VERSION} folder (deno task twin-export)")
        lacking = [k for k in REQUIRED if k not in m]
        if lacking:
            raise SystemExit(f"{folder}/twin.json lacks {', '.join(lacking)}: export it again "
                             "with this checkout's deno task twin-export")
        with open(os.path.join(folder, "config.json")) as f:
            self.config = json.load(f)
        self.config.pop("environment", None)
        if check:
            self.verify()
        self.init_path = os.path.join(folder, "init.safetensors")
        self.train = Split(os.path.join(folder, m["splits"]["train"]["file"]))
        self.valid = Split(os.path.join(folder, m["splits"]["valid"]["file"]))
        t = m["splits"]["test"]
        self.test = Split(os.path.join(folder, t["file"])) if t else None

    def verify(self):
        """Checks every file against the SHA-256 in twin.json (SystemExit naming the first that
        differs)."""
        m = self.manifest
        want = dict(m["files"])
        for s in m["splits"].values():
            if s:
                want[s["file"]] = s
        for name, f in want.items():
            got = sha256_file(os.path.join(self.folder, name))
            if got != f["sha256"]:
                raise SystemExit(f"{self.folder}/{name} changed since the export (sha256 {got[:12]}…)")

    def identity(self):
        """What a checkpoint keeps to refuse another export on resume: the SHA-256 of each file."""
        m = self.manifest
        files = {k: v["sha256"] for k, v in m["files"].items()}
        files.update({s["file"]: s["sha256"] for s in m["splits"].values() if s})
        return files
