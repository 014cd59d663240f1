"""Ranks, devices and the process group.

A process learns its place from the environment that torchrun (or twin/launch.py, or a hand
launch) sets: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. Without WORLD_SIZE (or with
1) it is one process and nothing is distributed. On GPUs each rank takes the GPU of its
LOCAL_RANK and the nccl backend; on CPUs, gloo.

The model is wrapped in DistributedDataParallel, which averages the gradients over ranks after
each backward; the trainer scales each rank's loss so that the average is the whole batch's
gradient (twin/train.py). Everything else that crosses ranks goes through `all_sum` (losses,
counts) and `any_of` (stop and checkpoint requests, errors), so every rank takes the same
branches.
"""
import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class Ranks:
    rank: int
    world: int
    local_rank: int
    device: torch.device
    backend: str  # "gloo", "nccl", or "none" for one process

    @property
    def main(self):
        return self.rank == 0


def setup(device="auto"):
    """Reads the environment, picks the device, joins the process group (when WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", str(rank)))
    cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if cuda:
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: this PyTorch sees no GPU")
        torch.cuda.set_device(local)
        dev = torch.device("cuda", local)
    else:
        dev = torch.device("cpu")
    backend = "none"
    if world > 1:
        backend = "nccl" if cuda else "gloo"
        dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world,
                                timeout=datetime.timedelta(minutes=10))
    return Ranks(rank, world, local, dev, backend)


def close(ranks):
    if ranks.backend != "none" and dist.is_initialized():
        dist.destroy_process_group()


def wrap(model, ranks):
    """The model as trained: DistributedDataParallel over the ranks, or itself alone."""
    if ranks.world == 1:
        return model
    ids = [ranks.local_rank] if ranks.device.type == "cuda" else None
    # λ is a buffer every rank read from the same file: nothing to broadcast each step.
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)


def all_sum(values, ranks):
    """Each value summed over ranks (float64), as a list of floats."""
    if ranks.world == 1:
        return [float(v) for v in values]
    t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=ranks.device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def any_of(flags, ranks):
    """Each flag, true when it is true on any rank."""
    if ranks.world == 1:
        return [bool(f) for f in flags]
    t = torch.tensor([1 if f else 0 for f in flags], dtype=torch.int32, device=ranks.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return [bool(v) for v in t.tolist()]


def devices(ranks):
    """Every rank's device, in rank order: "cpu" or the GPU's name."""
    mine = "cpu" if ranks.device.type == "cpu" else torch.cuda.get_device_name(ranks.device)
    if ranks.world == 1:
        return [mine]
    out = [None] * ranks.world
    dist.all_gather_object(out, mine)
    return out
