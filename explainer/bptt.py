"""Backpropagation through time, by hand, for one layer of each cell in `explainer.cells`.

The loss is any L whose gradient w.r.t. the layer's outputs h_t is given (`dH_out`, time-major
(T, B, H) like every array here).
Walking the steps backwards, the gradient reaching h_t has two sources, the output at t and the
future:

    dh_t = ∂L/∂h_t(direct) + dh_next                 dh_next carries the gradient back from step t+1

LSTM (σ' = σ(1 − σ), tanh' = 1 − tanh²):
    dc_t   = dc_next + dh_t ⊙ o_t ⊙ (1 − tanh²(c_t))  the cell state adds, so its gradient adds too
    di_t   = dc_t ⊙ g_t      df_t = dc_t ⊙ c_{t-1}    dg_t = dc_t ⊙ i_t    do_t = dh_t ⊙ tanh(c_t)
    da_t   = [di σ'(i), df σ'(f), dg tanh'(g), do σ'(o)]                    (B, 4H) pre-activations
    dc_next = dc_t ⊙ f_t       the only way back along the cell state: multiplied by the forget gate
    dh_next = da_t W_hh

GRU (PyTorch's form):
    dn_t = dh_t ⊙ (1 − z_t)    dz_t = dh_t ⊙ (h_{t-1} − n_t)    da_n = dn_t ⊙ (1 − n_t²)
    dr_t = da_n ⊙ (W_hn h_{t-1} + b_hn)
    dh_next = dh_t ⊙ z_t + [da_r, da_z, r_t ⊙ da_n] W_hh

RNN:
    da_t = dh_t ⊙ tanh'(a_t)      dh_next = da_t W_hh

Weights are shared by every step, so their gradients are sums over steps; since the pre-activation
gradients of all steps are kept, each sum is one matrix product after the loop:
    dW_ih = Σ_t da_tᵀ x_t       dW_hh = Σ_t da_tᵀ h_{t-1}       db = Σ_t da_t       dx_t = da_t W_ih

`jacobian_norms` multiplies the one-step Jacobians ∂(h_{t+1}, c_{t+1})/∂(h_t, c_t) backwards from
the last step, giving ‖∂h_{T-1}/∂h_t‖ (and ‖∂c_{T-1}/∂c_t‖ for the LSTM): the vanishing-gradient
curve.
"""

from __future__ import annotations

import numpy as np

from explainer import cells


def _prev(states: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """(T, B, H) states at t-1 for every t: the initial state, then all but the last."""
    return np.concatenate([initial[None], states[:-1]], axis=0)


def _sum_steps(dA: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Σ_t Σ_b dA[t, b]ᵀ inputs[t, b]: the gradient of a weight used at every step."""
    return dA.reshape(-1, dA.shape[-1]).T @ inputs.reshape(-1, inputs.shape[-1])


def _sum_steps_prev(dA: np.ndarray, states: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """Σ_t dA[t]ᵀ h_{t-1}, with h_{-1} the initial state, without building the shifted copy."""
    return _sum_steps(dA[1:], states[:-1]) + dA[0].T @ initial


def gate_derivatives(G: np.ndarray, blocks: str) -> np.ndarray:
    """Derivative of each activation w.r.t. its pre-activation, written with the activation's value:
    σ' = σ(1 − σ) for the sigmoid blocks ('s'), tanh' = 1 − tanh² for the tanh blocks ('t')."""
    D = 1.0 - G
    D *= G  # σ(1 − σ) everywhere, in two passes; the tanh blocks are overwritten next
    H = G.shape[-1] // len(blocks)
    for k, kind in enumerate(blocks):
        if kind == "t":
            d = D[..., k * H : (k + 1) * H]
            g = G[..., k * H : (k + 1) * H]
            np.multiply(g, g, out=d)
            np.subtract(1.0, d, out=d)  # 1 − tanh²
    return D


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
    T, B, H = Hs.shape
    D = 1.0 - Hs * Hs if nonlinearity == "tanh" else (A > 0).astype(float)  # tanh'(a_t) or relu'
    dA = np.empty_like(Hs)
    dH = np.empty_like(Hs)  # total gradient reaching h_t
    dh_next = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        dh = dH[t] = dH_out[t] + dh_next  # from the output at t and from step t+1
        da = dA[t] = dh * D[t]
        dh_next = da @ w_hh
    db = dA.sum(axis=(0, 1))
    grads = {"w_ih": _sum_steps(dA, x), "w_hh": _sum_steps_prev(dA, Hs, h0), "b_ih": db}
    grads["b_hh"] = db
    return grads, dA @ w_ih, dh_next, dH


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
    T, B, H = Hs.shape
    i, f, g, o = (G[..., k * H : (k + 1) * H] for k in range(4))
    TC = cells.tanh(C, exp_form=B * H >= cells.EXP_FORM_MIN)  # tanh(c_t) as the forward had it
    dTC = o * (1.0 - TC * TC)  # ∂h_t/∂c_t = o_t ⊙ tanh'(c_t), every step at once
    # dA starts as the activation derivatives σ'/tanh' of every step; the loop multiplies each
    # step's gradient with respect to the gates into it, turning it into dL/da in place.
    dA = _lstm_derivatives(G, H, variant)  # (T, B, 4H)
    dgates = np.empty((B, 4 * H))  # dL/d(i, f, g, o) of one step
    dH = np.empty_like(Hs)
    dC = np.empty_like(C)
    dh_next = np.zeros((B, H))
    dc_next = np.zeros((B, H))
    for t in range(T - 1, -1, -1):  # every product is written straight into its array (out=)
        dh, dc, da = dH[t], dC[t], dA[t]
        c_prev = C[t - 1] if t else c0
        np.add(dH_out[t], dh_next, out=dh)  # dh_t: from the output at t and from step t+1
        np.multiply(dh, dTC[t], out=dc)
        dc += dc_next  # dc_t = dc_next + dh_t ⊙ o_t ⊙ tanh'(c_t)
        np.multiply(dc, g[t], out=dgates[:, :H])  # dL/di
        np.multiply(dc, c_prev, out=dgates[:, H : 2 * H])  # dL/df
        np.multiply(dc, i[t], out=dgates[:, 2 * H : 3 * H])  # dL/dg
        np.multiply(dh, TC[t], out=dgates[:, 3 * H :])  # dL/do
        if variant == "coupled":
            dgates[:, H : 2 * H] -= dgates[:, :H]  # i = 1 − f, so f also receives −dL/di
        da *= dgates  # through σ or tanh to the pre-activations
        np.multiply(dc, f[t], out=dc_next)  # back along the cell state: times the forget gate
        np.matmul(da, w_hh, out=dh_next)
    db = dA.sum(axis=(0, 1))
    grads = {"w_ih": _sum_steps(dA, x), "w_hh": _sum_steps_prev(dA, Hs, h0), "b_ih": db}
    grads["b_hh"] = db
    return grads, dA @ w_ih, dh_next, dc_next, dH, dC


def _lstm_derivatives(G: np.ndarray, H: int, variant: str) -> np.ndarray:
    """Activation derivatives of i|f|g|o; a gate that a variant fixes has derivative 0."""
    D = gate_derivatives(G, "ssts")
    block = {"forget_one": 1, "no_output": 3, "coupled": 0}.get(variant)
    if block is not None:
        D[..., block * H : (block + 1) * H] = 0.0
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
    """Returns (param grads, dX, dh0, dH_total)."""
    T, B, H = Hs.shape
    r, z, n = (G[..., k * H : (k + 1) * H] for k in range(3))
    H_prev = _prev(Hs, h0)
    D = gate_derivatives(G, "sst")
    textbook = variant == "textbook"
    w_hn = w_hh[2 * H :]
    dGI = np.empty_like(G)  # gradient of x W_ih^T + b_ih, (T, B, 3H)
    dGH = np.empty_like(G)  # of h W_hh^T + b_hh (textbook: of h W_hr^T, h W_hz^T, (r ⊙ h) W_hn^T)
    dH = np.empty_like(Hs)
    dh_next = np.zeros((B, H))
    if not textbook:
        return _gru_backward_standard(x, w_ih, w_hh, r, z, n, HN, H_prev, D, dH_out, dGI, dGH, dH)
    for t in range(T - 1, -1, -1):
        dh = dH[t] = dH_out[t] + dh_next
        dgi, dgh = dGI[t], dGH[t]
        dan = dgi[:, 2 * H :] = dh * (1.0 - z[t]) * D[t, :, 2 * H :]  # dL/d(n's pre-activation)
        if textbook:
            d_rh = dan @ w_hn  # dL/d(r ⊙ h_{t-1})
            dgi[:, :H] = d_rh * H_prev[t] * D[t, :, :H]  # dL/d(r's pre-activation)
            dgh[:, 2 * H :] = dan
        else:
            dgi[:, :H] = dan * HN[t] * D[t, :, :H]
            dgh[:, 2 * H :] = dan * r[t]
        dgi[:, H : 2 * H] = dh * (H_prev[t] - n[t]) * D[t, :, H : 2 * H]  # dL/d(z's pre-act.)
        dgh[:, : 2 * H] = dgi[:, : 2 * H]
        if textbook:
            dh_next = dh * z[t] + dgh[:, : 2 * H] @ w_hh[: 2 * H] + d_rh * r[t]
        else:
            dh_next = dh * z[t] + dgh @ w_hh
    w_hh_grad = _sum_steps(dGH, H_prev)
    if textbook:  # W_hn multiplies r ⊙ h_{t-1}, not h_{t-1}
        w_hh_grad[2 * H :] = _sum_steps(dGH[..., 2 * H :], r * H_prev)
    grads = {
        "w_ih": _sum_steps(dGI, x),
        "w_hh": w_hh_grad,
        "b_ih": dGI.sum(axis=(0, 1)),
        "b_hh": dGH.sum(axis=(0, 1)),
    }
    return grads, dGI @ w_ih, dh_next, dH


def _gru_backward_standard(
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    r: np.ndarray,
    z: np.ndarray,
    n: np.ndarray,
    HN: np.ndarray,
    H_prev: np.ndarray,
    D: np.ndarray,
    dH_out: np.ndarray,
    dGI: np.ndarray,
    dGH: np.ndarray,
    dH: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """The loop of `gru_layer_backward` for PyTorch's form. The factors that do not depend on the
    gradient are multiplied into D for every step at once before the loop, so that each step
    is a few products written straight into their arrays:
        ∂h_t/∂a_n = (1 − z_t) tanh'(a_n)    ∂h_t/∂a_z = (h_{t-1} − n_t) σ'(a_z)
        ∂a_n/∂a_r = (W_hn h_{t-1} + b_hn) σ'(a_r)"""
    T, B, H = dH.shape
    Dr, Dz, Dn = D[..., :H], D[..., H : 2 * H], D[..., 2 * H :]
    Dn *= 1.0 - z
    Dz *= H_prev - n
    Dr *= HN
    dh_next = np.zeros((B, H))
    dhz = np.empty((B, H))
    for t in range(T - 1, -1, -1):
        dh, dgi, dgh = dH[t], dGI[t], dGH[t]
        np.add(dH_out[t], dh_next, out=dh)  # dh_t: from the output at t and from step t+1
        dan = np.multiply(dh, Dn[t], out=dgi[:, 2 * H :])  # dL/d(n's pre-activation)
        np.multiply(dan, Dr[t], out=dgi[:, :H])  # dL/d(r's pre-activation)
        np.multiply(dh, Dz[t], out=dgi[:, H : 2 * H])  # dL/d(z's pre-activation)
        dgh[:, : 2 * H] = dgi[:, : 2 * H]
        np.multiply(dan, r[t], out=dgh[:, 2 * H :])  # dL/d(W_hn h_{t-1} + b_hn)
        dh_next = dgh @ w_hh
        np.multiply(dh, z[t], out=dhz)
        dh_next += dhz  # dh_next = dh_t ⊙ z_t + [da_r, da_z, r_t ⊙ da_n] W_hh
    grads = {
        "w_ih": _sum_steps(dGI, x),
        "w_hh": _sum_steps(dGH, H_prev),
        "b_ih": dGI.sum(axis=(0, 1)),
        "b_hh": dGH.sum(axis=(0, 1)),
    }
    return grads, dGI @ w_ih, dh_next, dH


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
