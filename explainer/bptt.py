"""Backpropagation through time, by hand, for one layer of each cell in `explainer.cells`.

The loss is any L whose gradient w.r.t. the layer's outputs h_t is given (`dH_out`, (T, H, B)
feature-major like every array here and in `explainer.cells`: each step's gradient is a matrix
whose B columns are the batch's vectors, so `w_hh.T @ da` is W_hhᵀ da_t).
Walking the steps backwards, the gradient reaching h_t has two sources, the output at t and the
future:

    dh_t = ∂L/∂h_t(direct) + dh_next                 dh_next carries the gradient back from step t+1

LSTM (σ' = σ(1 − σ), tanh' = 1 − tanh²):
    dc_t   = dc_next + dh_t ⊙ o_t ⊙ (1 − tanh²(c_t))  the cell state adds, so its gradient adds too
    di_t   = dc_t ⊙ g_t      df_t = dc_t ⊙ c_{t-1}    dg_t = dc_t ⊙ i_t    do_t = dh_t ⊙ tanh(c_t)
    da_t   = [di σ'(i), df σ'(f), dg tanh'(g), do σ'(o)]                    (B, 4H) pre-activations
    dc_next = dc_t ⊙ f_t       the only way back along the cell state: multiplied by the forget gate
    dh_next = W_hhᵀ da_t

GRU (PyTorch's form):
    dn_t = dh_t ⊙ (1 − z_t)    dz_t = dh_t ⊙ (h_{t-1} − n_t)    da_n = dn_t ⊙ (1 − n_t²)
    dr_t = da_n ⊙ (W_hn h_{t-1} + b_hn)
    dh_next = dh_t ⊙ z_t + W_hhᵀ [da_r; da_z; r_t ⊙ da_n]

RNN:
    da_t = dh_t ⊙ tanh'(a_t)      dh_next = W_hhᵀ da_t

Weights are shared by every step, so their gradients are sums over steps; since the pre-activation
gradients of all steps are kept, each sum is one matrix product after the loop:
    dW_ih = Σ_t da_t x_tᵀ       dW_hh = Σ_t da_t h_{t-1}ᵀ       db = Σ_t da_t       dx_t = W_ihᵀ da_t

Every factor of a step's gradient that does not depend on the gradient itself (σ', tanh', the
gates, c_{t-1}) is multiplied together for all steps at once before the loop, so that each step
is a handful of products written straight into their arrays.

`jacobian_norms` multiplies the one-step Jacobians ∂(h_{t+1}, c_{t+1})/∂(h_t, c_t) backwards from
the last step, giving ‖∂h_{T-1}/∂h_t‖ (and ‖∂c_{T-1}/∂c_t‖ for the LSTM): the vanishing-gradient
curve.
"""

from __future__ import annotations

import numpy as np


def _prev(states: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """(T, H, B) states at t-1 for every t: the initial state, then all but the last."""
    return np.concatenate([initial[None], states[:-1]], axis=0)


def _sum_steps(dA: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Σ_t dA[t] inputs[t]ᵀ (summed over the batch too): the gradient of a weight used at every
    step; dA (T, G, B), inputs (T, F, B) -> (G, F)."""
    return np.tensordot(dA, inputs, axes=([0, 2], [0, 2]))


def _sum_steps_prev(dA: np.ndarray, states: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """Σ_t dA[t] h_{t-1}ᵀ, with h_{-1} the initial state, without building the shifted copy."""
    return _sum_steps(dA[1:], states[:-1]) + dA[0] @ initial.T


def _input_grads(dA: np.ndarray, x: np.ndarray, w_ih: np.ndarray) -> tuple[dict, np.ndarray]:
    """dW_ih = Σ_t da_t x_tᵀ, db = Σ_t da_t (the same for b_ih and b_hh) and dx_t = W_ihᵀ da_t."""
    db = dA.sum(axis=(0, 2))
    return {"w_ih": _sum_steps(dA, x), "b_ih": db, "b_hh": db}, np.matmul(w_ih.T, dA)


def gate_derivatives(G: np.ndarray, blocks: str, axis: int = -1) -> np.ndarray:
    """Derivative of each activation w.r.t. its pre-activation, written with the activation's value:
    σ' = σ(1 − σ) for the sigmoid blocks ('s'), tanh' = 1 − tanh² for the tanh blocks ('t').
    The gate blocks lie along `axis` (1 inside the layers, (T, G·H, B); -1 in a trace)."""
    D = 1.0 - G
    D *= G  # σ(1 − σ) everywhere, in two passes; the tanh blocks are overwritten next
    G, D = np.moveaxis(G, axis, 0), np.moveaxis(D, axis, 0)  # views: the blocks first
    H = G.shape[0] // len(blocks)
    for k, kind in enumerate(blocks):
        if kind == "t":
            d, g = D[k * H : (k + 1) * H], G[k * H : (k + 1) * H]
            np.multiply(g, g, out=d)
            np.subtract(1.0, d, out=d)  # 1 − tanh²
    return np.moveaxis(D, 0, axis)


def rnn_layer_backward(
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    A: np.ndarray,
    Hs: np.ndarray,
    h0: np.ndarray,
    dH_out: np.ndarray,
    nonlinearity: str = "tanh",
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Returns (param grads dict keyed w_ih/w_hh/b_ih/b_hh, dX, dh0, dH_total)."""
    T, H, B = Hs.shape
    # dA starts as tanh'(a_t) (or relu') of every step; the loop multiplies dh_t into it
    dA = 1.0 - Hs * Hs if nonlinearity == "tanh" else (A > 0).astype(float)
    dH = np.empty_like(Hs)  # total gradient reaching h_t
    dh_next = np.zeros((H, B))
    for dh_out, dh, da in zip(dH_out[::-1], dH[::-1], dA[::-1], strict=True):
        np.add(dh_out, dh_next, out=dh)  # from the output at t and from step t+1
        da *= dh  # da_t = dh_t ⊙ tanh'(a_t)
        np.matmul(w_hh.T, da, out=dh_next)  # dh_next = W_hhᵀ da_t
    grads, dX = _input_grads(dA, x, w_ih)
    grads["w_hh"] = _sum_steps_prev(dA, Hs, h0)
    return grads, dX, dh_next, dH


def lstm_layer_backward(
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    G: np.ndarray,
    C: np.ndarray,
    Hs: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    dH_out: np.ndarray,
    variant: str = "standard",
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Returns (param grads, dX, dh0, dc0, dH_total, dC_total)."""
    T, H, B = Hs.shape
    i, f, g, o = (G[:, k * H : (k + 1) * H] for k in range(4))
    TC = np.tanh(C)  # tanh(c_t), every step at once
    dTC = o * (1.0 - TC * TC)  # ∂h_t/∂c_t = o_t ⊙ tanh'(c_t)
    # dA starts as ∂(i, f, g)/∂a ⊙ ∂c_t/∂(i, f, g) and ∂o/∂a ⊙ ∂h_t/∂o for every step:
    #   [σ'(a_i) ⊙ g_t, σ'(a_f) ⊙ c_{t-1}, tanh'(a_g) ⊙ i_t, σ'(a_o) ⊙ tanh(c_t)]
    # (a gate a variant fixes has derivative 0; "coupled": i = 1 − f, so f also gets −g);
    # the loop multiplies dc_t into the first three blocks and dh_t into the last.
    dA = _lstm_derivatives(G, H, variant, axis=1)  # (T, 4H, B)
    C_prev = _prev(C, c0)
    dA[:, :H] *= g
    dA[:, H : 2 * H] *= C_prev - g if variant == "coupled" else C_prev
    dA[:, 2 * H : 3 * H] *= i
    dA[:, 3 * H :] *= TC
    dA_ifg = dA.reshape(T, 4, H, B)[:, :3]  # (T, 3, H, B): one product per step for i, f, g
    dA_o = dA[:, 3 * H :]
    dH = np.empty_like(Hs)
    dC = np.empty_like(C)
    dh_next = np.zeros((H, B))
    dc_next = np.zeros((H, B))
    steps = zip(dH_out, dH, dC, dA, dA_ifg, dA_o, dTC, f, strict=True)
    for dh_out, dh, dc, da, da_ifg, da_o, dtc, f_t in list(steps)[::-1]:
        np.add(dh_out, dh_next, out=dh)  # dh_t: from the output at t and from step t+1
        np.multiply(dh, dtc, out=dc)
        dc += dc_next  # dc_t = dc_next + dh_t ⊙ o_t ⊙ tanh'(c_t)
        np.multiply(da_ifg, dc, out=da_ifg)  # da_i, da_f, da_g
        np.multiply(da_o, dh, out=da_o)  # da_o
        np.multiply(dc, f_t, out=dc_next)  # back along the cell state: times the forget gate
        np.matmul(w_hh.T, da, out=dh_next)  # dh_next = W_hhᵀ da_t
    grads, dX = _input_grads(dA, x, w_ih)
    grads["w_hh"] = _sum_steps_prev(dA, Hs, h0)
    return grads, dX, dh_next, dc_next, dH, dC


def _lstm_derivatives(G: np.ndarray, H: int, variant: str, axis: int = -1) -> np.ndarray:
    """Activation derivatives of i|f|g|o (blocks along `axis`); a gate that a variant fixes has
    derivative 0."""
    D = gate_derivatives(G, "ssts", axis)
    block = {"forget_one": 1, "no_output": 3, "coupled": 0}.get(variant)
    if block is not None:
        np.moveaxis(D, axis, 0)[block * H : (block + 1) * H] = 0.0
    return D


def gru_layer_backward(
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    G: np.ndarray,
    HN: np.ndarray,
    Hs: np.ndarray,
    h0: np.ndarray,
    dH_out: np.ndarray,
    variant: str = "standard",
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Returns (param grads, dX, dh0, dH_total).

    The factors that do not depend on the gradient are multiplied into D for every step at once:
        ∂h_t/∂a_n = (1 − z_t) tanh'(a_n)    ∂h_t/∂a_z = (h_{t-1} − n_t) σ'(a_z)
        ∂a_n/∂a_r = (W_hn h_{t-1} + b_hn) σ'(a_r)          (textbook: h_{t-1} σ'(a_r), see below)
    dGH is the gradient of W_hh h_{t-1} + b_hh (textbook: of W_hr h, W_hz h, W_hn (r ⊙ h)); its
    r and z blocks equal those of dGI, the gradient of W_ih x_t + b_ih, which is put together
    from dGH and dAN (the n block) after the loop."""
    T, H, B = Hs.shape
    r, z, n = (G[:, k * H : (k + 1) * H] for k in range(3))
    textbook = variant == "textbook"
    H_prev = _prev(Hs, h0)
    D = gate_derivatives(G, "sst", axis=1)
    Dr, Dz, Dn = D[:, :H], D[:, H : 2 * H], D[:, 2 * H :]
    Dn *= 1.0 - z
    Dz *= H_prev - n
    Dr *= H_prev if textbook else HN
    w_hn = w_hh[2 * H :]
    dGH = np.empty_like(G)  # [da_r; da_z; r ⊙ da_n] (textbook: [da_r; da_z; da_n])
    dAN = np.empty_like(Hs)  # da_n
    dH = np.empty_like(Hs)
    dh_next = np.zeros((H, B))
    dhz = np.empty((H, B))
    d_rh = np.empty((H, B))  # textbook: dL/d(r ⊙ h_{t-1})
    steps = zip(
        *(dH_out, dH, dAN, dGH, dGH[:, :H], dGH[:, H : 2 * H], dGH[:, 2 * H :]),
        *(Dr, Dz, Dn, r, z),
        strict=True,
    )
    for dh_out, dh, dan, dgh, da_r, da_z, dgh_n, dr_t, dz_t, dn_t, r_t, z_t in list(steps)[::-1]:
        np.add(dh_out, dh_next, out=dh)  # dh_t: from the output at t and from step t+1
        np.multiply(dh, dn_t, out=dan)  # dL/d(n's pre-activation)
        np.multiply(dh, dz_t, out=da_z)  # dL/d(z's pre-activation)
        if textbook:
            np.matmul(w_hn.T, dan, out=d_rh)  # dL/d(r ⊙ h_{t-1})
            np.multiply(d_rh, dr_t, out=da_r)  # dL/d(r's pre-activation)
            dgh_n[...] = dan
            np.matmul(w_hh[: 2 * H].T, dgh[: 2 * H], out=dh_next)
            np.multiply(d_rh, r_t, out=dhz)
            dh_next += dhz
        else:
            np.multiply(dan, dr_t, out=da_r)  # dL/d(r's pre-activation)
            np.multiply(dan, r_t, out=dgh_n)  # dL/d(W_hn h_{t-1} + b_hn)
            np.matmul(w_hh.T, dgh, out=dh_next)
        np.multiply(dh, z_t, out=dhz)
        dh_next += dhz  # dh_next = dh_t ⊙ z_t + W_hhᵀ [da_r; da_z; r_t ⊙ da_n]
    dGI = np.concatenate([dGH[:, : 2 * H], dAN], axis=1)  # [da_r; da_z; da_n]
    w_hh_grad = _sum_steps(dGH, H_prev)
    if textbook:  # W_hn multiplies r ⊙ h_{t-1}, not h_{t-1}
        w_hh_grad[2 * H :] = _sum_steps(dGH[:, 2 * H :], r * H_prev)
    grads = {
        "w_ih": _sum_steps(dGI, x),
        "w_hh": w_hh_grad,
        "b_ih": dGI.sum(axis=(0, 2)),
        "b_hh": dGH.sum(axis=(0, 2)),
    }
    return grads, np.matmul(w_ih.T, dGI), dh_next, dH


def step_jacobian_rnn(w_hh: np.ndarray, D_next: np.ndarray) -> np.ndarray:
    """∂h_{t+1}/∂h_t = diag(f'(a_{t+1})) W_hh."""
    return D_next[:, None] * w_hh


def step_jacobian_gru(
    w_hh: np.ndarray, g: np.ndarray, hn: np.ndarray, h_prev: np.ndarray, textbook: bool = False
) -> np.ndarray:
    """∂h_{t+1}/∂h_t for one unbatched GRU step; g = (r, z, n) at t+1, h_prev = h_t."""
    H = h_prev.shape[0]
    r, z, n = g[:H], g[H : 2 * H], g[2 * H :]
    w_hr, w_hz, w_hn = w_hh[:H], w_hh[H : 2 * H], w_hh[2 * H :]
    dr = (r * (1 - r))[:, None] * w_hr  # ∂r/∂h
    dz = (z * (1 - z))[:, None] * w_hz  # ∂z/∂h
    if textbook:
        dn = w_hn @ (np.diag(r) + h_prev[:, None] * dr)  # ∂(W_hn (r ⊙ h))/∂h
    else:
        dn = hn[:, None] * dr + r[:, None] * w_hn  # ∂(r ⊙ (W_hn h + b_hn))/∂h
    dn = (1 - n * n)[:, None] * dn
    return np.diag(z) + (h_prev - n)[:, None] * dz + (1 - z)[:, None] * dn


def step_jacobian_lstm(
    w_hh: np.ndarray,
    g: np.ndarray,
    D: np.ndarray,
    c_prev: np.ndarray,
    c: np.ndarray,
    variant: str = "standard",
) -> np.ndarray:
    """∂(h_{t+1}, c_{t+1})/∂(h_t, c_t) as a (2H, 2H) block matrix [[hh, hc], [ch, cc]] for one
    unbatched step; g and D are the gates and their derivatives at t+1, c_prev = c_t,
    c = c_{t+1}."""
    H = c.shape[0]
    i, f, gg, o = (g[k * H : (k + 1) * H] for k in range(4))
    Di, Df, Dg, Do = (D[k * H : (k + 1) * H] for k in range(4))
    W = w_hh.reshape(4, H, H)  # W[k] = W_h{i,f,g,o}
    e_f = c_prev * Df - (gg * Df if variant == "coupled" else 0.0)
    dc_dh = (gg * Di)[:, None] * W[0] + e_f[:, None] * W[1] + (i * Dg)[:, None] * W[2]
    tc = np.tanh(c)
    u = o * (1 - tc * tc)  # ∂h/∂c at t+1
    dh_dh = (tc * Do)[:, None] * W[3] + u[:, None] * dc_dh
    J = np.empty((2 * H, 2 * H))
    J[:H, :H] = dh_dh
    J[:H, H:] = np.diag(u * f)
    J[H:, :H] = dc_dh
    J[H:, H:] = np.diag(f)
    return J
