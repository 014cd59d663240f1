#!/usr/bin/env python3
"""PyTorch peers of `deno task bench` (lib/cli/bench.ts), on the same unit: one recurrent
layer on x [B, T, D] (E = D), a Linear(S -> 16) readout, mean-squared error against a fixed
random target, Adam lr 1e-3, torch.set_num_threads(1) by default.

Modes:
  pytorch          nn.RNN / nn.GRU / nn.LSTM trained by autograd (exact BPTT).
  pytorch-dsf-ref  the DSF reference code's method: states forwarded with no gradient, the
                   cell recomputed once for all t on (x_t, h_{t-1}.detach()), and a backward
                   hook on the recomputed states running the DSF recursion
                   delta_t = e_t + delta_{t+1} @ diag(lambda) as a Python loop with one dense
                   S x S matMul per step (as the reference does). lambda = linspace(0, 1, S).
                   LSTM: the state is concat(h, c) (S = 2D); its no-grad forward is a cell loop
                   (nn.LSTM does not return the c sequence).

Usage:
  pytorch_peer.py '<request json>'   run once, print the rows as one JSON array (last line)
  pytorch_peer.py --serve            read one request per stdin line, answer one JSON line each

Request: {"cases": [{"cell": "gru", "mode": "pytorch", "B": 32, "T": 64, "D": 128}, ...],
          "warmup": 1, "runs": 3, "threads": 1, "seed": 0, "device": "cpu"}
          ("device": "cuda" runs on the GPU, each timed step ended by torch.cuda.synchronize())
Row: {"unit": "layer", "cell", "mode", "impl": "-", "backend": "torch-cpu" (or "torch-cuda"), "B", "T", "D",
      "forwardMs", "matmulFloorMs", "stepMs", "stepMinMs", "stepMaxMs", "peakBytes": null,
      "seqDispatches": null, "runs", "note"}; a case that fails gives {"...", "error": "..."}.
"""
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as err:  # reported as JSON so that the caller can print a note
    print(json.dumps({"error": f"python3-torch is not installed ({err})"}))
    sys.exit(3)

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
READOUT = 16


DEVICE = "cpu"  # set per request by handle()


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        fn()
        sync()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(samples), min(samples), max(samples)


def make_rnn(cell, d):
    cls = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
    return cls(d, d, batch_first=True)


def cell_step(cell, x, state, w):
    """One step of the cell for rows x [N, E], state [N, S] (PyTorch conventions)."""
    w_ih, w_hh, b_ih, b_hh = w
    if cell == "rnn":
        return torch.tanh(F.linear(x, w_ih, b_ih) + F.linear(state, w_hh, b_hh))
    if cell == "gru":
        gi = F.linear(x, w_ih, b_ih)
        gh = F.linear(state, w_hh, b_hh)
        ir, iz, inn = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r = torch.sigmoid(ir + hr)
        z = torch.sigmoid(iz + hz)
        n = torch.tanh(inn + r * hn)
        return (1 - z) * n + z * state
    h, c = state.chunk(2, 1)
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h2 = torch.sigmoid(o) * torch.tanh(c2)
    return torch.cat([h2, c2], 1)


def weights(rnn):
    return (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)


def no_grad_states(cell, rnn, x):
    """All states [B, T, S] from a zero state, without gradient recording."""
    with torch.no_grad():
        if cell != "lstm":
            return rnn(x)[0]
        b, t, _ = x.shape
        d = rnn.hidden_size
        state = x.new_zeros(b, 2 * d)
        out = []
        w = weights(rnn)
        for i in range(t):
            state = cell_step(cell, x[:, i], state, w)
            out.append(state)
        return torch.stack(out, 1)


def run_case(case, warmup, runs, seed):
    cell, mode = case["cell"], case["mode"]
    b, t, d = case["B"], case["T"], case["D"]
    torch.manual_seed(seed)
    rnn = make_rnn(cell, d).to(DEVICE)
    s = 2 * d if (cell == "lstm" and mode == "pytorch-dsf-ref") else d
    readout = torch.nn.Linear(s, READOUT).to(DEVICE)
    x = (torch.rand(b, t, d) * 2 - 1).to(DEVICE)
    target = (torch.rand(b, t, READOUT) * 2 - 1).to(DEVICE)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(readout.parameters()), lr=1e-3)

    def forward():  # the no-grad forward each mode starts from, plus the readout
        with torch.no_grad():
            states = rnn(x)[0] if mode == "pytorch" else no_grad_states(cell, rnn, x)
            readout(states)

    if mode == "pytorch":
        method = "nn.%s autograd" % type(rnn).__name__

        def step():
            opt.zero_grad(set_to_none=True)
            out = rnn(x)[0]
            loss = F.mse_loss(readout(out), target)
            loss.backward()
            opt.step()

    elif mode == "pytorch-dsf-ref":
        method = "no-grad forward, recompute, hook loop with dense SxS matMul"
        lam = torch.diag(torch.linspace(0, 1, s)).to(DEVICE)

        def dsf_hook(g):
            out = torch.empty_like(g)
            delta = g[:, t - 1]
            out[:, t - 1] = delta
            for i in range(t - 2, -1, -1):
                delta = g[:, i] + delta @ lam
                out[:, i] = delta
            return out

        def step():
            opt.zero_grad(set_to_none=True)
            states = no_grad_states(cell, rnn, x)
            prev = torch.cat([states.new_zeros(b, 1, s), states[:, :-1]], 1).detach()
            local = cell_step(cell, x.reshape(b * t, d), prev.reshape(b * t, s), weights(rnn))
            local = local.reshape(b, t, s)
            local.register_hook(dsf_hook)
            loss = F.mse_loss(readout(local), target)
            loss.backward()
            opt.step()

    else:
        raise ValueError(f'unknown mode "{mode}" (pytorch, pytorch-dsf-ref)')

    gd = GATES[cell] * d
    h0 = torch.rand(b, d, device=DEVICE)
    wh = torch.rand(d, gd, device=DEVICE)
    x2 = x.reshape(b * t, d)
    wi = torch.rand(d, gd, device=DEVICE)

    def floor():
        x2 @ wi
        for _ in range(t):
            h0 @ wh

    forward_ms = timed(forward, warmup, runs)[0]
    floor_ms = timed(floor, warmup, runs)[0]
    step_ms, step_min, step_max = timed(step, warmup, runs)
    return {
        "unit": "layer",
        "cell": cell,
        "mode": mode,
        "impl": "-",
        "backend": f"torch-{DEVICE}",
        "B": b,
        "T": t,
        "D": d,
        "forwardMs": forward_ms,
        "matmulFloorMs": floor_ms,
        "stepMs": step_ms,
        "stepMinMs": step_min,
        "stepMaxMs": step_max,
        "peakBytes": None,
        "seqDispatches": None,
        "runs": max(1, runs),
        "note": f"{method}; torch {torch.__version__}, {torch.get_num_threads()} thread(s)",
    }


def run_lm_case(case, warmup, runs, seed):
    """The PTB LM step (lib/bench/ptb_lm.ts's unit): ids [B, T] → Embedding(V, D) → x + GRU(x)
    → Linear(D, V) → mean cross-entropy on random tokens, Adam lr 1e-3."""
    cell, mode = case["cell"], case["mode"]
    b, t, d, v = case["B"], case["T"], case["D"], case["V"]
    if cell == "lstm":
        raise ValueError("the PTB LM peer covers rnn and gru (no LSTM projection here)")
    torch.manual_seed(seed)
    emb, rnn, head = torch.nn.Embedding(v, d), make_rnn(cell, d), torch.nn.Linear(d, v)
    emb, rnn, head = emb.to(DEVICE), rnn.to(DEVICE), head.to(DEVICE)
    ids = torch.randint(0, v, (b, t)).to(DEVICE)
    targets = torch.randint(0, v, (b * t,)).to(DEVICE)
    params = [*emb.parameters(), *rnn.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    lam = torch.linspace(0, 1, d).to(DEVICE)

    def dsf_hook(g):  # delta_t = e_t + lambda * delta_{t+1}, the reference's Python loop
        out = torch.empty_like(g)
        delta = g[:, t - 1]
        out[:, t - 1] = delta
        for i in range(t - 2, -1, -1):
            delta = g[:, i] + delta * lam
            out[:, i] = delta
        return out

    def states(x):
        if mode == "pytorch":
            return rnn(x)[0]
        with torch.no_grad():
            h = rnn(x)[0]
        prev = torch.cat([h.new_zeros(b, 1, d), h[:, :-1]], 1).detach()
        local = cell_step(cell, x.reshape(b * t, d), prev.reshape(b * t, d), weights(rnn))
        local = local.reshape(b, t, d)
        local.register_hook(dsf_hook)
        return local

    def step():
        opt.zero_grad(set_to_none=True)
        x = emb(ids)
        logits = head(x + states(x)).reshape(b * t, v)
        F.cross_entropy(logits, targets).backward()
        opt.step()

    def forward():
        with torch.no_grad():
            x = emb(ids)
            F.cross_entropy(head(x + rnn(x)[0]).reshape(b * t, v), targets)

    step_ms, step_min, step_max = timed(step, warmup, runs)
    return {
        "unit": "ptb-lm", "cell": cell, "mode": mode, "impl": "-", "backend": f"torch-{DEVICE}",
        "B": b, "T": t, "D": d, "V": v,
        "forwardMs": timed(forward, warmup, runs)[0], "matmulFloorMs": None,
        "stepMs": step_ms, "stepMinMs": step_min, "stepMaxMs": step_max,
        "peakBytes": None, "seqDispatches": None, "runs": max(1, runs),
        "note": f"{'autograd' if mode == 'pytorch' else 'reference DSF'}; torch {torch.__version__}, "
                f"{torch.get_num_threads()} thread(s)",
    }


def handle(request):
    global DEVICE
    DEVICE = str(request.get("device", "cpu"))
    if DEVICE not in ("cpu", "cuda"):
        return [{"error": f'device "{DEVICE}": give cpu or cuda'}]
    if DEVICE == "cuda" and not torch.cuda.is_available():
        return [{"error": "device cuda: torch.cuda.is_available() is False here"}]
    torch.set_num_threads(int(request.get("threads", 1)))
    warmup = int(request.get("warmup", 1))
    runs = int(request.get("runs", 3))
    seed = int(request.get("seed", 0))
    rows = []
    for case in request.get("cases", []):
        try:
            run = run_lm_case if case.get("unit") == "ptb-lm" else run_case
            rows.append(run(case, warmup, runs, seed))
        except Exception as err:  # one bad case must not lose the others
            rows.append({**case, "error": f"{type(err).__name__}: {err}"})
    return rows


def main(argv):
    if len(argv) == 2 and argv[1] == "--serve":
        for line in sys.stdin:
            if not line.strip():
                continue
            print(json.dumps(handle(json.loads(line))), flush=True)
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(handle(json.loads(argv[1]))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
