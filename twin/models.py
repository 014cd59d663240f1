"""The twin's models: bench/torch_lm.py's (rnn-lm, transformer-like: the PyTorch modules that read
our exported tensor names), built from a weights file, with the gradient mode installed.

- bptt: autograd through nn.GRU / nn.RNN (torch_lm's mode "bptt").
- ft-bptt: torch_lm's reference-code way: the states forwarded without gradient, the cell
  recomputed once for all t on the detached previous states.
- dsf: FT-BPTT plus, on each layer's recomputed states, twin/dsf.py's ReverseScan (the reverse
  recurrence as a parallel scan, with λ from the weights file), instead of torch_lm's
  step-by-step hook.

Evaluation runs every layer in "bptt" (a plain forward: the same function, computed once).
"""
import contextlib
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import torch_lm  # noqa: E402  (bench/torch_lm.py)
from twin.dsf import scan_states  # noqa: E402

MODES = ("bptt", "ft-bptt", "dsf")
read_safetensors = torch_lm.read_safetensors
write_safetensors = torch_lm.write_safetensors


def recurrent_layers(model):
    return [m for m in model.modules() if isinstance(m, torch_lm.Layer)]


def make_model(config, weights_path):
    """The config's model with the weights (and λs) of `weights_path`, in the config's mode.
    SystemExit when the file lacks a λ that DSF needs."""
    tensors, _ = read_safetensors(weights_path)
    model = torch_lm.build(config, tensors["embedding.weight"].shape[0])
    torch_lm.load(model, tensors)
    mode = config["mode"]
    if mode not in MODES:
        raise SystemExit(f"mode {mode!r}: the twin trains {', '.join(MODES)}")
    layers = recurrent_layers(model)
    for i, layer in enumerate(layers):
        layer.mode = "bptt" if mode == "bptt" else "ft-bptt"
        if mode == "dsf":
            if f"layers.{i}.feedback" not in tensors:
                raise SystemExit(f"{weights_path} has no layers.{i}.feedback: DSF needs its λ")
            layer.register_forward_hook(scan_states)
    return model


@contextlib.contextmanager
def evaluating(model):
    """Every recurrent layer in plain forward mode, without gradients, for the duration."""
    layers = recurrent_layers(model)
    saved = [m.mode for m in layers]
    for m in layers:
        m.mode = "bptt"
    try:
        with torch.no_grad():
            yield model
    finally:
        for m, s in zip(layers, saved):
            m.mode = s


def weights(model):
    """The weights and λs under our tensor names (lib/models/torch_names.ts), on the CPU."""
    return {k: v.detach().to("cpu") for k, v in torch_lm.state(model).items()}
