"""DSF's backward through time: the reverse diagonal linear recurrence

    delta_t = e_t + lam * delta_{t+1},   delta_T = 0   (t = T-1 … 0; lam [S] per channel)

computed as a parallel scan over time, in ceil(log2 T) vectorised passes instead of T sequential
steps, and the autograd Function that puts it on a recurrent layer's states.

The scan (Hillis–Steele doubling, reversed): start from d = e; the pass with offset k adds
lam^k * d_{t+k} to d_t. After the passes with k = 1, 2, 4, …, every d_t holds
sum_{j >= 0} lam^j e_{t+j}, which is delta_t. lam^k comes by repeated squaring.
"""
import torch


def reverse_scan(e, lam):
    """delta [T, B, S] of e [T, B, S] and lam [S] (any leading shape with time first)."""
    d = e
    power = lam  # lam^k for the pass with offset k
    k = 1
    steps = e.shape[0]
    while k < steps:
        # d_t += lam^k d_{t+k} for t < T - k; the last k steps have nothing after them.
        d = torch.cat([d[:-k] + power * d[k:], d[-k:]])
        power = power * power
        k *= 2
    return d


def sequential_reverse_scan(e, lam):
    """The same recurrence one step at a time (the reference the tests compare with): the
    reference code's loop, bench/torch_lm.py's reverse_recurrence."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
    import torch_lm

    return torch_lm.reverse_recurrence(e, lam)


class ReverseScan(torch.autograd.Function):
    """The identity on a layer's states h [T, B, S] whose backward runs the reverse scan on the
    states' gradient: applied to FT-BPTT's states (each step recomputed from the detached
    previous state, so that autograd sees one step's Jacobian only), it makes DSF's gradient."""

    @staticmethod
    def forward(ctx, h, lam):
        ctx.save_for_backward(lam)
        return h.clone()

    @staticmethod
    def backward(ctx, grad):
        (lam,) = ctx.saved_tensors
        return reverse_scan(grad, lam), None


def scan_states(module, inputs, states):
    """A forward hook for a recurrent layer that holds its λ as `module.feedback`."""
    return ReverseScan.apply(states, module.feedback)
