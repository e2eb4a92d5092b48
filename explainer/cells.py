"""Forward equations of the plain RNN, the LSTM and the GRU, exactly as `torch.nn` computes them.

One layer, one sequence of T steps, a batch of B; float64 throughout. Arrays are time-major inside
(T, B, ·), so that each step reads and writes one contiguous block. The input projection
`x_t W_ih^T + b_ih` does not depend on the recurrence, so it is computed for every step at once
("hoisted") before the time loop; only `h_{t-1} W_hh^T` stays inside it.

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)            (or relu)

    LSTM  i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)              input gate
          f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)              forget gate
          g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)           candidate
          o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)              output gate
          c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                             cell state: a sum
          h_t = o_t ⊙ tanh(c_t)

    GRU   r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)              reset gate
          z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)              update gate
          n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   new state (PyTorch's form)
          h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Weights use PyTorch's layout: `w_ih` is (G·H, D) and `w_hh` is (G·H, H) with the gate blocks stacked
in the order LSTM `i|f|g|o`, GRU `r|z|n` (G = 4, 3, 1).

Variants used by the lesson's experiments (not in PyTorch):
    LSTM "forget_one"  f_t = 1               (the cell never forgets: a pure integrator)
    LSTM "no_output"   o_t = 1               (h_t = tanh(c_t): an LSTM without its output gate)
    LSTM "coupled"     i_t = 1 − f_t         (one gate decides what to forget and what to write)
    GRU  "textbook"    n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)
                       (the reset gate applied before the matrix product, as in Cho et al. 2014)

Reference: Goodfellow, Bengio & Courville, *Deep Learning*, chapter 10; `torch/nn/modules/rnn.py`.
"""

from __future__ import annotations

import numpy as np

LSTM_VARIANTS = ("standard", "forget_one", "no_output", "coupled")
GRU_VARIANTS = ("standard", "textbook")


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^−a), written as ½(1 + tanh(a/2)): the same value, never an overflow."""
    return 0.5 + 0.5 * np.tanh(0.5 * a)


def rnn_layer(x_proj, w_hh, b_hh, h0, nonlinearity="tanh"):
    """x_proj = x W_ih^T + b_ih, time-major (T, B, H). Returns pre-activations, states (T, B, H)."""
    T, B, H = x_proj.shape
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    A += b_hh  # both biases are added before the activation: fold b_hh in once
    Hs = np.empty((T, B, H))  # h_t
    w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS reads a contiguous (H, G·H) matrix faster
    relu = nonlinearity == "relu"
    h = h0
    for t in range(T):
        a = A[t]
        a += h @ w_hh_t  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        h = Hs[t] = np.maximum(a, 0.0) if relu else np.tanh(a)  # h_t = tanh(a_t) (or relu)
    return A, Hs


def lstm_layer(x_proj, w_hh, b_hh, h0, c0, variant="standard"):
    """x_proj = x W_ih^T + b_ih, time-major (T, B, 4H). Returns pre-activations A and gates G (both
    (T, B, 4H), blocks i|f|g|o), cell states C and hidden states Hs (both (T, B, H))."""
    T, B, H4 = x_proj.shape
    H = H4 // 4
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    A += b_hh  # both biases are added before any gate: fold b_hh in once
    G = np.empty((T, B, H4))
    C = np.empty((T, B, H))
    Hs = np.empty((T, B, H))
    # σ(a) = ½ + ½ tanh(a/2): one tanh over all four blocks gives σ on i, f, o and tanh on g
    scale = np.full(H4, 0.5)
    scale[2 * H : 3 * H] = 1.0
    shift = 0.5 - 0.5 * (scale == 1.0)
    w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS reads a contiguous (H, G·H) matrix faster
    ig = np.empty((B, H))  # i ⊙ g, reused every step
    h, c = h0, c0
    for t in range(T):  # every product is written straight into the trace's arrays (out=)
        a = A[t]
        a += h @ w_hh_t  # a = W_i* x_t + b_i* + W_h* h_{t-1} + b_h*, all four gates at once
        gates = G[t]
        np.multiply(a, scale, out=gates)
        np.tanh(gates, out=gates)
        gates *= scale
        gates += shift  # i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
        if variant != "standard":
            _lstm_variant(gates, H, variant)
        i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
        c_t, h_t = C[t], Hs[t]
        np.multiply(f, c, out=c_t)
        np.multiply(i, g, out=ig)
        c_t += ig  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        np.tanh(c_t, out=h_t)
        h_t *= o  # h_t = o_t ⊙ tanh(c_t)
        h, c = h_t, c_t
    return A, G, C, Hs


def _lstm_variant(gates: np.ndarray, H: int, variant: str) -> None:
    """Overwrite gates in place for the ablation variants (see the module docstring)."""
    if variant == "forget_one":
        gates[:, H : 2 * H] = 1.0
    elif variant == "no_output":
        gates[:, 3 * H :] = 1.0
    elif variant == "coupled":
        gates[:, :H] = 1.0 - gates[:, H : 2 * H]


def gru_layer(x_proj, w_hh, b_hh, h0, variant="standard"):
    """x_proj = x W_ih^T + b_ih, time-major (T, B, 3H). Returns pre-activations A and gates G (both
    (T, B, 3H), blocks r|z|n), HN = W_hn h_{t-1} + b_hn (the term r multiplies; (T, B, H)) and Hs
    (T, B, H). For the textbook variant HN holds W_hn (r ⊙ h_{t-1}) + b_hn instead."""
    T, B, H3 = x_proj.shape
    H = H3 // 3
    A = np.empty((T, B, H3))
    G = np.empty((T, B, H3))
    HN = np.empty((T, B, H))
    Hs = np.empty((T, B, H))
    w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS reads a contiguous (H, G·H) matrix faster
    w_rz_t, w_hn_t = w_hh_t[:, : 2 * H], w_hh_t[:, 2 * H :]
    textbook = variant == "textbook"
    h = h0
    for t in range(T):
        a, gates, xp = A[t], G[t], x_proj[t]
        if textbook:
            a[:, : 2 * H] = xp[:, : 2 * H] + (h @ w_rz_t + b_hh[: 2 * H])
        else:
            gh = h @ w_hh_t + b_hh  # W_h* h_{t-1} + b_h* for r, z, n at once
            a[:, : 2 * H] = xp[:, : 2 * H] + gh[:, : 2 * H]
        gates[:, : 2 * H] = sigmoid(a[:, : 2 * H])  # r_t, z_t
        r, z = gates[:, :H], gates[:, H : 2 * H]
        if textbook:
            hn = HN[t] = (r * h) @ w_hn_t + b_hh[2 * H :]  # W_hn (r ⊙ h_{t-1}) + b_hn
            a[:, 2 * H :] = xp[:, 2 * H :] + hn
        else:
            hn = HN[t] = gh[:, 2 * H :]  # W_hn h_{t-1} + b_hn
            a[:, 2 * H :] = xp[:, 2 * H :] + r * hn  # W_in x_t + b_in + r_t ⊙ (W_hn h + b_hn)
        n = gates[:, 2 * H :] = np.tanh(a[:, 2 * H :])  # n_t
        h = Hs[t] = n + z * (h - n)  # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    return A, G, HN, Hs
