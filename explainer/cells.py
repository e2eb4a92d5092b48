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


# NumPy's float64 tanh has no SIMD loop on CPUs without AVX-512 (it calls libm one element at a
# time) and is ~4x slower than its exp there. Above EXP_FORM_MIN elements per step the cells
# therefore compute every activation from one exp: σ(a) = 1 / (1 + e^−a) and
# tanh(a) = 2σ(2a) − 1, which agree with the true values to within 4e-16 (absolute); below it, the
# call overhead of the extra passes outweighs the saving and np.tanh is used. An overflow of e^−a
# (a < −709) gives σ = 0 and tanh = −1, the correctly rounded values; `explainer.models` silences
# its warning.
EXP_FORM_MIN = 256


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(a) = 1 / (1 + e^−a) (into `out` when given, which may be `a`)."""
    out = np.negative(a, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def tanh(a: np.ndarray, out: np.ndarray | None = None, exp_form: bool | None = None) -> np.ndarray:
    """tanh(a), as 2σ(2a) − 1 from one exp when `exp_form` (by default: when a has at least
    EXP_FORM_MIN elements), else np.tanh; into `out` when given, which may be `a`."""
    if not (a.size >= EXP_FORM_MIN if exp_form is None else exp_form):
        return np.tanh(a, out=out)
    out = np.multiply(a, -2.0, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(2.0, out, out=out)
    out -= 1.0
    return out


def input_projection(
    x: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray, gru: bool = False
) -> np.ndarray:
    """x W_ih^T + b_ih + b_hh for every step at once: x (T, B, D) -> (T, B, G·H), a fresh array.
    For the GRU only the r and z blocks of b_hh are added (b_hn sits inside r ⊙ (W_hn h + b_hn)).

    The input gets two columns of ones and W_ih^T two rows, b_ih and b_hh, so the biases are added
    inside the one matrix product instead of in two more passes over (T, B, G·H); OpenBLAS is also
    several times faster at this inner size than at D = 1 or 2."""
    T, B, D = x.shape
    GH = w_ih.shape[0]
    x1 = np.empty((T * B, D + 2))  # [x_t, 1, 1]
    x1[:, :D] = x.reshape(T * B, D)
    x1[:, D:] = 1.0
    w1 = np.empty((D + 2, GH))  # [W_ih^T; b_ih; b_hh]
    w1[:D] = w_ih.T
    w1[D] = b_ih
    w1[D + 1] = b_hh
    if gru:
        w1[D + 1, 2 * (GH // 3) :] = 0.0  # b_hn is added inside the time loop
    return (x1 @ w1).reshape(T, B, GH)


def rnn_layer(
    x_proj: np.ndarray, w_hh: np.ndarray, h0: np.ndarray, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """x_proj = x W_ih^T + b_ih + b_hh (`input_projection`), time-major (T, B, H). Returns
    pre-activations and states, both (T, B, H)."""
    T, B, H = x_proj.shape
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    Hs = np.empty((T, B, H))  # h_t
    w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS reads a contiguous (H, G·H) matrix faster
    relu = nonlinearity == "relu"
    h = h0
    for t in range(T):
        a = A[t]
        a += h @ w_hh_t  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        h = np.maximum(a, 0.0, out=Hs[t]) if relu else tanh(a, out=Hs[t])  # h_t = tanh(a_t)
    return A, Hs


def lstm_layer(
    x_proj: np.ndarray, w_hh: np.ndarray, h0: np.ndarray, c0: np.ndarray, variant: str = "standard"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_proj = x W_ih^T + b_ih + b_hh (`input_projection`), time-major (T, B, 4H). Returns
    pre-activations A and gates G (both (T, B, 4H), blocks i|f|g|o), cell states C and hidden
    states Hs (both (T, B, H))."""
    T, B, H4 = x_proj.shape
    H = H4 // 4
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    G = np.empty((T, B, H4))
    C = np.empty((T, B, H))
    Hs = np.empty((T, B, H))
    exp_form = B * H4 >= EXP_FORM_MIN  # see EXP_FORM_MIN
    # all four blocks from one activation pass: σ on i, f, o and tanh on g, either as
    # σ(a) = 1 / (1 + e^−a), tanh(a) = 2 / (1 + e^−2a) − 1 (exp form) or σ(a) = ½ + ½ tanh(a/2)
    is_g = np.zeros(H4, dtype=bool)
    is_g[2 * H : 3 * H] = True
    if exp_form:
        scale, num, shift = np.where(is_g, -2.0, -1.0), np.where(is_g, 2.0, 1.0), 1.0 * is_g
    else:
        scale, num, shift = np.where(is_g, 1.0, 0.5), None, np.where(is_g, 0.0, 0.5)
    w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS reads a contiguous (H, G·H) matrix faster
    ig = np.empty((B, H))  # i ⊙ g, reused every step
    e = np.empty((B, H4))  # the exponentials, reused every step
    h, c = h0, c0
    for t in range(T):  # every product is written straight into the trace's arrays (out=)
        a = A[t]
        a += h @ w_hh_t  # a = W_i* x_t + b_i* + W_h* h_{t-1} + b_h*, all four gates at once
        gates = G[t]
        if exp_form:
            np.multiply(a, scale, out=e)
            np.exp(e, out=e)
            e += 1.0
            np.divide(num, e, out=gates)
            gates -= shift  # i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
        else:
            np.multiply(a, scale, out=gates)
            np.tanh(gates, out=gates)
            gates *= scale
            gates += shift
        if variant != "standard":
            _lstm_variant(gates, H, variant)
        i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
        c_t, h_t = C[t], Hs[t]
        np.multiply(f, c, out=c_t)
        np.multiply(i, g, out=ig)
        c_t += ig  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        tanh(c_t, out=h_t, exp_form=B * H >= EXP_FORM_MIN)
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


def gru_layer(
    x_proj: np.ndarray,
    w_hh: np.ndarray,
    b_hh: np.ndarray,
    h0: np.ndarray,
    variant: str = "standard",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_proj = x W_ih^T + b_ih, plus b_hh on the r and z blocks only (`input_projection`),
    time-major (T, B, 3H); b_hn, the n block of b_hh, is added here. Returns pre-activations A and
    gates G (both (T, B, 3H), blocks r|z|n), HN = W_hn h_{t-1} + b_hn (the term r multiplies;
    (T, B, H)) and Hs (T, B, H). For the textbook variant HN holds W_hn (r ⊙ h_{t-1}) + b_hn."""
    T, B, H3 = x_proj.shape
    H = H3 // 3
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    G = np.empty((T, B, H3))
    Hs = np.empty((T, B, H))
    w_hh_t = np.ascontiguousarray(w_hh.T)  # BLAS reads a contiguous (H, G·H) matrix faster
    b_hn = b_hh[2 * H :]
    textbook = variant == "textbook"
    if textbook:
        w_rz_t, w_hn_t = w_hh_t[:, : 2 * H].copy(), w_hh_t[:, 2 * H :].copy()
        HN = np.empty((T, B, H))
    else:
        GH = np.empty((T, B, H3))  # h_{t-1} W_hh^T, + b_hn on the n block
        HN = GH[..., 2 * H :]  # W_hn h_{t-1} + b_hn: a view, no copy
    exp_form = B * 2 * H >= EXP_FORM_MIN  # see EXP_FORM_MIN
    rn = np.empty((B, H))  # r ⊙ hn, reused every step
    h = h0
    for t in range(T):
        a, gates = A[t], G[t]
        a_rz, a_n, g_rz = a[:, : 2 * H], a[:, 2 * H :], gates[:, : 2 * H]
        if textbook:
            a_rz += h @ w_rz_t
        else:
            gh = GH[t]
            np.matmul(h, w_hh_t, out=gh)  # W_h* h_{t-1} for r, z, n at once
            a_rz += gh[:, : 2 * H]  # W_ir x_t + b_ir + W_hr h_{t-1} + b_hr (and z)
        if exp_form:
            sigmoid(a_rz, out=g_rz)  # r_t, z_t
        else:
            np.multiply(a_rz, 0.5, out=g_rz)
            np.tanh(g_rz, out=g_rz)
            g_rz *= 0.5
            g_rz += 0.5  # σ(a) = ½ + ½ tanh(a/2)
        r, z = gates[:, :H], gates[:, H : 2 * H]
        hn = HN[t]
        if textbook:
            np.multiply(r, h, out=rn)
            np.matmul(rn, w_hn_t, out=hn)
            hn += b_hn  # W_hn (r ⊙ h_{t-1}) + b_hn
            a_n += hn
        else:
            hn += b_hn  # W_hn h_{t-1} + b_hn
            np.multiply(r, hn, out=rn)
            a_n += rn  # W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)
        n = tanh(a_n, out=gates[:, 2 * H :], exp_form=exp_form)  # n_t
        h_t = Hs[t]
        np.subtract(h, n, out=h_t)
        h_t *= z
        h_t += n  # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
        h = h_t
    return A, G, HN, Hs
