"""The PyTorch twin trainer: the same run as `deno task train`, in PyTorch, on one process or on
many (DistributedDataParallel: gloo on CPUs, nccl on GPUs), from the folder that
`deno task twin-export` writes. Its run folder has the workspace's files (config.json,
metrics.jsonl, summary.json) and the weights as safetensors under our tensor names.

  twin/data.py         the export: config, manifest, the batches, a rank's rows of each
  twin/schedule.py     the learning rate of each update (lib/train/schedule.ts)
  twin/dsf.py          DSF's reverse recurrence as a parallel scan, in an autograd Function
  twin/models.py       the models (bench/torch_lm.py's) with the gradient mode installed
  twin/distributed.py  ranks, devices, the process group, sums over ranks
  twin/checkpoint.py   atomic checkpoints and their contents
  twin/run_files.py    the run folder: config.json, metrics.jsonl, summary.json, weights
  twin/train.py        the training loop and the command line (`python3 -m twin`)
  twin/launch.py       N local ranks without torchrun (`python3 -m twin.launch --nproc N -- …`)
"""
