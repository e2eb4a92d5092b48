"""Forward equations of the plain RNN, the LSTM and the GRU, exactly as `torch.nn` computes them.

One layer, one sequence of T steps, a batch of B; float64 throughout. Inside, every array is
feature-major, (T, F, B): the state at step t is a matrix whose B columns are the batch's vectors,
so each equation below is one line of code in the same order (`w_hh @ h` is W_hh h_{t-1}), and
each gate's block is a contiguous (H, B) slab that NumPy processes at full speed. The input
projection `W_ih x_t + b_ih` does not depend on the recurrence, so it is computed for every step
at once ("hoisted") before the time loop; only `W_hh h_{t-1}` stays inside it.

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

Speed: a step is a dozen NumPy calls on small arrays, so each call's fixed cost counts as much as
its arithmetic. The loops therefore walk the steps with `zip` over views made once, write every
result into its place in the trace's arrays (`out=`), and compute the LSTM's four activations in
one pass from one exp (tanh(a) = 2σ(2a) − 1; σ and this tanh agree with the true values to within
4e-16). An overflow of e^−a (a < −709) gives σ = 0 and tanh = −1, the correctly rounded values;
`explainer.models` silences its warning.

Reference: Goodfellow, Bengio & Courville, *Deep Learning*, chapter 10; `torch/nn/modules/rnn.py`.
"""

from __future__ import annotations

import numpy as np

CELLS = ("rnn", "lstm", "gru")  # the three recurrent cells, in the lesson's order (one table)
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # as shown, the same in both languages
LSTM_VARIANTS = ("standard", "forget_one", "no_output", "coupled")  # ablations, see above
GRU_VARIANTS = ("standard", "textbook")


def gate_rows(cell: str, gate: str, H: int) -> slice:
    """The rows of `gate` in a (G·H, ·) weight or (G·H,) bias of `cell`, in PyTorch's order
    (LSTM i|f|g|o, GRU r|z|n): `gate_rows("lstm", "f", H)` is rows H to 2H."""
    order = {"lstm": "ifgo", "gru": "rzn", "rnn": "h"}[cell]
    if gate not in order:
        raise ValueError(
            f"the {CELL_NAMES[cell]} has no gate {gate!r}: its blocks are {'|'.join(order)}"
        )
    k = order.index(gate)
    return slice(k * H, (k + 1) * H)


def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(a) = 1 / (1 + e^−a) (into `out` when given, which may be `a`). An overflow of e^−a
    (a < −709) gives σ = 0, the correctly rounded value; `explainer.models` silences its warning."""
    out = np.negative(a, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def input_projection(
    x: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray, gru: bool = False
) -> np.ndarray:
    """W_ih x_t + b_ih + b_hh for every step at once: x (T, D, B) -> (T, G·H, B), a fresh array.
    For the GRU only the r and z blocks of b_hh are added (b_hn sits inside r ⊙ (W_hn h + b_hn)).

    The input gets two rows of ones and W_ih two columns, b_ih and b_hh, so the biases are added
    inside the one matrix product instead of in two more passes over (T, G·H, B)."""
    T, D, B = x.shape
    GH = w_ih.shape[0]
    x1 = np.empty((T, D + 2, B))  # [x_t; 1; 1]
    x1[:, :D] = x
    x1[:, D:] = 1.0
    w1 = np.empty((GH, D + 2))  # [W_ih, b_ih, b_hh]
    w1[:, :D] = w_ih
    w1[:, D] = b_ih
    w1[:, D + 1] = b_hh
    if gru:
        w1[2 * (GH // 3) :, D + 1] = 0.0  # b_hn is added inside the time loop
    return np.matmul(w1, x1)


def rnn_layer(
    x_proj: np.ndarray, w_hh: np.ndarray, h0: np.ndarray, nonlinearity: str = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """x_proj = W_ih x + b_ih + b_hh (`input_projection`), (T, H, B); h0 (H, B). Returns
    pre-activations and states, both (T, H, B)."""
    T, H, B = x_proj.shape
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    Hs = np.empty((T, H, B))  # h_t
    wh = np.empty((H, B))  # W_hh h_{t-1}, reused every step
    h = h0
    for a, h_t in zip(A, Hs, strict=True):
        np.matmul(w_hh, h, out=wh)
        a += wh  # a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        if nonlinearity == "relu":
            np.maximum(a, 0.0, out=h_t)  # h_t = relu(a_t)
        else:
            np.tanh(a, out=h_t)  # h_t = tanh(a_t)
        h = h_t
    return A, Hs


def lstm_layer(
    x_proj: np.ndarray, w_hh: np.ndarray, h0: np.ndarray, c0: np.ndarray, variant: str = "standard"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_proj = W_ih x + b_ih + b_hh (`input_projection`), (T, 4H, B); h0, c0 (H, B). Returns
    pre-activations A and gates G (both (T, 4H, B), blocks i|f|g|o), cell states C and hidden
    states Hs (both (T, H, B))."""
    T, H4, B = x_proj.shape
    H = H4 // 4
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    G = np.empty((T, H4, B))
    C = np.empty((T, H, B))
    Hs = np.empty((T, H, B))
    # one activation pass for all four blocks, from one exp: σ(a) = 1 / (1 + e^−a) on i, f, o
    # and tanh(a) = 2 / (1 + e^−2a) − 1 on g. The constants are full (4H, B) arrays: a (4H, 1)
    # column broadcast over the batch would make each of NumPy's inner loops only B long.
    is_g = np.zeros((H4, B), dtype=bool)
    is_g[2 * H : 3 * H] = True
    scale, num, shift = (
        np.where(is_g, -2.0, -1.0),
        np.where(is_g, 2.0, 1.0),
        np.where(is_g, 1.0, 0.0),
    )
    e = np.empty((H4, B))  # the exponentials, reused every step
    wh = np.empty((H4, B))  # W_hh h_{t-1}, reused every step
    ig = np.empty((H, B))  # i_t ⊙ g_t, reused every step
    h, c = h0, c0
    i_, f_, g_, o_ = (G[:, k * H : (k + 1) * H] for k in range(4))
    for a, gates, i, f, g, o, c_t, h_t in zip(A, G, i_, f_, g_, o_, C, Hs, strict=True):
        np.matmul(w_hh, h, out=wh)
        a += wh  # a_t = W_i* x_t + b_i* + W_h* h_{t-1} + b_h*, all four gates at once
        np.multiply(a, scale, out=e)
        np.exp(e, out=e)
        e += 1.0
        np.divide(num, e, out=gates)
        gates -= shift  # i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
        if variant != "standard":
            _lstm_variant(i, f, o, variant)
        np.multiply(f, c, out=c_t)
        np.multiply(i, g, out=ig)
        c_t += ig  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        np.tanh(c_t, out=h_t)
        h_t *= o  # h_t = o_t ⊙ tanh(c_t)
        h, c = h_t, c_t
    return A, G, C, Hs


def _lstm_variant(i: np.ndarray, f: np.ndarray, o: np.ndarray, variant: str) -> None:
    """Overwrite gates in place for the ablation variants (see the module docstring)."""
    if variant == "forget_one":
        f[...] = 1.0
    elif variant == "no_output":
        o[...] = 1.0
    elif variant == "coupled":
        np.subtract(1.0, f, out=i)


def gru_layer(
    x_proj: np.ndarray,
    w_hh: np.ndarray,
    b_hh: np.ndarray,
    h0: np.ndarray,
    variant: str = "standard",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_proj = W_ih x + b_ih, plus b_hh on the r and z blocks only (`input_projection`),
    (T, 3H, B); b_hn, the n block of b_hh, is added here; h0 (H, B). Returns pre-activations A
    and gates G (both (T, 3H, B), blocks r|z|n), HN = W_hn h_{t-1} + b_hn (the term r multiplies;
    (T, H, B)) and Hs (T, H, B). For the textbook variant HN holds W_hn (r ⊙ h_{t-1}) + b_hn."""
    T, H3, B = x_proj.shape
    H = H3 // 3
    A = x_proj  # consumed: it becomes the pre-activations (a fresh array from the caller)
    G = np.empty((T, H3, B))
    Hs = np.empty((T, H, B))
    textbook = variant == "textbook"
    w_rz, w_hn = w_hh[: 2 * H], w_hh[2 * H :]
    b_hn = np.repeat(b_hh[2 * H :, None], B, axis=1)  # (H, B), not a broadcast column (see LSTM)
    WH = np.empty((T, H3, B))  # W_hr h_{t-1}, W_hz h_{t-1}, and W_hn h_{t-1} + b_hn (HN)
    HN = WH[:, 2 * H :]
    rn = np.empty((H, B))  # r_t ⊙ hn (textbook: r_t ⊙ h_{t-1}), reused every step
    h = h0
    steps = zip(
        A[:, : 2 * H],  # a_rz
        A[:, 2 * H :],  # a_n
        G[:, : 2 * H],  # (r, z)
        G[:, :H],
        G[:, H : 2 * H],
        G[:, 2 * H :],
        WH,
        WH[:, : 2 * H],
        HN,
        Hs,
        strict=True,
    )
    for a_rz, a_n, g_rz, r, z, n, wh, wh_rz, hn, h_t in steps:
        if textbook:
            np.matmul(w_rz, h, out=wh_rz)
        else:
            np.matmul(w_hh, h, out=wh)  # W_h* h_{t-1} for r, z, n at once
        a_rz += wh_rz  # W_ir x_t + b_ir + W_hr h_{t-1} + b_hr (and z)
        sigmoid(a_rz, out=g_rz)  # r_t, z_t
        if textbook:
            np.multiply(r, h, out=rn)
            np.matmul(w_hn, rn, out=hn)
            hn += b_hn  # W_hn (r_t ⊙ h_{t-1}) + b_hn
            a_n += hn
        else:
            hn += b_hn  # W_hn h_{t-1} + b_hn
            np.multiply(r, hn, out=rn)
            a_n += rn  # W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)
        np.tanh(a_n, out=n)  # n_t
        np.subtract(h, n, out=h_t)
        h_t *= z
        h_t += n  # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
        h = h_t
    return A, G, HN, Hs
