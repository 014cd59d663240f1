#!/usr/bin/env python3
"""The project's language models in PyTorch, reading and writing the safetensors files of
`deno task export` (lib/models/torch_names.ts names the tensors). No `safetensors` package is
needed: the format is an 8-byte header length, a JSON header, raw little-endian data.

  torch_lm.py loss FILE.safetensors BATCH.json
      builds the model the file's metadata describes, loads its weights, prints
      {"loss": mean cross-entropy of the batch's real targets}
  torch_lm.py init CONFIG.json VOCAB SEED OUT.safetensors BATCH.json
      builds the model with PyTorch's own initialisation (torch.manual_seed(SEED)), λ =
      linspace(0, 1, S) per layer, writes it, prints {"loss": ...} on the batch

  torch_lm.py train WEIGHTS.safetensors BATCHES.safetensors MODE STEPS GRADS.safetensors
      trains STEPS Adam steps (the config's lr, betas, eps, weight decay) on the batches x{i},
      y{i}, mask{i} in MODE (bptt, ft-bptt, dsf as the reference code); prints {"losses": [...],
      "torch": version}, writes the step-1 gradients

BATCH.json: {"ids": [[...]], "targets": [[...]], "mask": [[...]]} ([B, T] each).
Models: rnn-lm (embedding → per layer x + RNN(x), an LSTM's concat(h, c) through a Linear(2D → D)
→ head) and transformer-like (pre-LN blocks: x + out(RNN(LN(x))), x + MLP(LN(x)), GELU tanh).
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", f"{name}: only F32 is read"
        b, e = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32)
        tensors[name] = t.reshape(h["shape"]).clone()
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header = {"__metadata__": meta}
    blobs, offset = [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


RNNS = {"rnn": lambda i, d: nn.RNN(i, d, nonlinearity="tanh"), "gru": nn.GRU, "lstm": nn.LSTM}


def reverse_recurrence(e, lam):
    """delta_t = e_t + lam * delta_{t+1} over [T, B, S] (the DSF backward through time)."""
    out = torch.empty_like(e)
    d = torch.zeros_like(e[0])
    for t in range(e.shape[0] - 1, -1, -1):
        d = e[t] + lam * d
        out[t] = d
    return out


class Layer(nn.Module):
    """One recurrent layer, time-major; returns the states [T, B, S] (S = 2D for an LSTM).

    mode "bptt": autograd through nn.GRU / nn.RNN (an LSTM: its cell stepped, see below).
    "ft-bptt" and "dsf" as the reference code does it: the states forwarded without gradient, the
    cell recomputed once for all t on (x_t, state_{t-1}.detach()), and for DSF a backward hook on
    the recomputed states running the reverse recurrence delta_t = e_t + lambda * delta_{t+1}.
    An LSTM's state is concat(h, c) [T, B, 2D], its lambda 2D wide (h's half, then c's).
    """

    def __init__(self, cell, inp, d):
        super().__init__()
        self.cell, self.d, self.mode = cell, d, "bptt"
        self.rnn = RNNS[cell](inp, d)
        self.register_buffer("feedback", torch.linspace(0, 1, 2 * d if cell == "lstm" else d))

    def recompute(self, x, h):
        """One step of the cell for every t at once: x [T, B, E], the previous states h
        [T, B, S] → the states [T, B, S]."""
        r = self.rnn
        if self.cell == "lstm":
            hp, c = h.chunk(2, -1)
            gates = x @ r.weight_ih_l0.T + r.bias_ih_l0 + hp @ r.weight_hh_l0.T + r.bias_hh_l0
            i, f, g, o = gates.chunk(4, -1)
            c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            return torch.cat([torch.sigmoid(o) * torch.tanh(c2), c2], -1)
        gi = x @ r.weight_ih_l0.T + r.bias_ih_l0
        gh = h @ r.weight_hh_l0.T + r.bias_hh_l0
        if self.cell == "rnn":
            return torch.tanh(gi + gh)
        ir, iz, i_n = gi.chunk(3, -1)
        hr, hz, h_n = gh.chunk(3, -1)
        rr, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        return (1 - z) * torch.tanh(i_n + rr * h_n) + z * h

    def forward(self, x):
        if self.mode != "bptt":
            with torch.no_grad():
                states = self.rnn(x)[0] if self.cell != "lstm" else self.lstm_states(x)
            prev = torch.cat([torch.zeros_like(states[:1]), states[:-1]]).detach()
            h = self.recompute(x, prev)
            if self.mode == "dsf":
                lam = self.feedback
                h.register_hook(lambda g: reverse_recurrence(g, lam))
            return h
        if self.cell != "lstm":
            return self.rnn(x)[0]
        return self.lstm_states(x)

    def lstm_states(self, x):
        """The LSTM's states concat(h, c) [T, B, 2D] from a zero state: nn.LSTM returns h only,
        so the same weights are stepped (autograd records them unless under no_grad)."""
        w_ih, w_hh = self.rnn.weight_ih_l0, self.rnn.weight_hh_l0
        b = self.rnn.bias_ih_l0 + self.rnn.bias_hh_l0
        h = x.new_zeros(x.shape[1], self.d)
        c = x.new_zeros(x.shape[1], self.d)
        out = []
        for t in range(x.shape[0]):
            i, f, g, o = (x[t] @ w_ih.T + h @ w_hh.T + b).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out.append(torch.cat([h, c], 1))
        return torch.stack(out)


class RnnLm(nn.Module):
    def __init__(self, cfg, vocab):
        super().__init__()
        e, d, cell = cfg["embed"], cfg["hidden"], cfg["cell"]
        self.embedding = nn.Embedding(vocab, e)
        self.layers = nn.ModuleList()
        for i in range(cfg["layers"]):
            m = nn.Module()
            inp = e if i == 0 else d
            m.add_module("rnn", Layer(cell, inp, d))
            if cell == "lstm":
                m.add_module("proj", nn.Linear(2 * d, d))
            m.skip = inp == d
            self.layers.append(m)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):  # [B, T] → [B, T, V]
        x = self.embedding(ids.T)
        for m in self.layers:
            h = m.rnn(x)
            if hasattr(m, "proj"):
                h = m.proj(h)
            x = x + h if m.skip else h
        return self.head(x).transpose(0, 1)


class TransformerLike(nn.Module):
    def __init__(self, cfg, vocab):
        super().__init__()
        d, cell = cfg["hidden"], cfg["cell"]
        s = 2 * d if cell == "lstm" else d
        self.embedding = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList()
        for _ in range(cfg["layers"]):
            m = nn.Module()
            m.add_module("ln1", nn.LayerNorm(d))
            m.add_module("rnn", Layer(cell, d, d))
            m.add_module("out", nn.Linear(s, d))
            m.add_module("ln2", nn.LayerNorm(d))
            mlp = nn.Module()
            mlp.add_module("fc", nn.Linear(d, 4 * d))
            mlp.add_module("proj", nn.Linear(4 * d, d))
            m.add_module("mlp", mlp)
            self.layers.append(m)
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):
        x = self.embedding(ids.T)
        for m in self.layers:
            x = x + m.out(m.rnn(m.ln1(x)))
            x = x + m.mlp.proj(F.gelu(m.mlp.fc(m.ln2(x)), approximate="tanh"))
        return self.head(self.ln_f(x)).transpose(0, 1)


MODELS = {"rnn-lm": RnnLm, "transformer-like": TransformerLike}


def build(cfg, vocab):
    if cfg["model"] not in MODELS:
        raise SystemExit(f"model {cfg['model']} has no PyTorch twin here (rnn-lm, transformer-like)")
    return MODELS[cfg["model"]](cfg, vocab)


def state(model):
    """Our names: the module's own, the RNN buffers as layers.{i}.feedback."""
    out = {}
    for k, v in model.state_dict().items():
        out[k.replace(".rnn.rnn.", ".rnn.").replace(".rnn.feedback", ".feedback")] = v
    return out


def load(model, tensors):
    names = {k.replace(".rnn.rnn.", ".rnn.").replace(".rnn.feedback", ".feedback"): k
             for k in model.state_dict()}
    missing = {k for k in set(names) - set(tensors) if not k.endswith(".feedback")}
    extra = set(tensors) - set(names)
    if missing or extra:
        raise SystemExit(f"tensors missing {sorted(missing)[:3]}, unknown {sorted(extra)[:3]}")
    model.load_state_dict({names[k]: v for k, v in tensors.items()}, strict=False)


def batch_loss(model, path):
    with open(path) as f:
        b = json.load(f)
    ids, targets = torch.tensor(b["ids"]), torch.tensor(b["targets"])
    mask = torch.tensor(b["mask"], dtype=torch.bool)
    with torch.no_grad():
        logits = model(ids)
    return F.cross_entropy(logits[mask], targets[mask]).item()


def train(argv):
    """train WEIGHTS BATCHES MODE STEPS GRADS_OUT: Adam steps as the config says; prints
    {"losses": [...], "torch": version} and writes the step-1 gradients (our names) to GRADS_OUT."""
    weights, batches, mode, steps, grads_out = argv[0], argv[1], argv[2], int(argv[3]), argv[4]
    tensors, meta = read_safetensors(weights)
    cfg = json.loads(meta["config"])
    model = build(cfg, tensors["embedding.weight"].shape[0])
    load(model, tensors)
    for m in model.modules():
        if isinstance(m, Layer):
            m.mode = mode
    data, _ = read_safetensors(batches)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=tuple(cfg["betas"]),
                           eps=cfg["eps"], weight_decay=cfg["weightDecay"])
    names = {id(p): n.replace(".rnn.rnn.", ".rnn.") for n, p in model.named_parameters()}
    losses = []
    for i in range(steps):
        x, y = data[f"x{i}"].long(), data[f"y{i}"].long()
        mask = data[f"mask{i}"] > 0
        loss = F.cross_entropy(model(x)[mask], y[mask])
        opt.zero_grad()
        loss.backward()
        if i == 0:
            write_safetensors(grads_out, {names[id(p)]: p.grad for p in model.parameters()}, {})
        opt.step()
        losses.append(loss.item())
    print(json.dumps({"losses": losses, "torch": torch.__version__}))


def main(argv):
    if argv[:1] == ["train"]:
        return train(argv[1:])
    if argv[:1] == ["loss"]:
        tensors, meta = read_safetensors(argv[1])
        cfg = json.loads(meta["config"])
        model = build(cfg, tensors["embedding.weight"].shape[0])
        load(model, tensors)
        print(json.dumps({"loss": batch_loss(model, argv[2])}))
    elif argv[:1] == ["init"]:
        with open(argv[1]) as f:
            cfg = json.load(f)
        torch.manual_seed(int(argv[3]))
        model = build(cfg, int(argv[2]))
        write_safetensors(argv[4], state(model), {"config": json.dumps(cfg), "made_by": "torch_lm.py init"})
        print(json.dumps({"loss": batch_loss(model, argv[5])}))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
