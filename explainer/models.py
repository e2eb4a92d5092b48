"""`RNN`, `LSTM` and `GRU`: NumPy models with PyTorch's parameters, instrumented, exact BPTT.

    model = LSTM(input_size=1, hidden_size=8, num_layers=2, seed=0)
    trace = model.forward(x)                 # x: (T, D) or batch-first (B, T, D)
    grads = model.backward(trace, grad_h)    # grad_h = dL/d(trace.h)

Parameters live in `model.params`, keyed and shaped as in `torch.nn` (`weight_ih_l0` is (G·H, D),
`weight_hh_l0` (G·H, H), `bias_ih_l0` and `bias_hh_l0` (G·H,), for every layer; G = 1, 4, 3), with
the gate blocks in PyTorch's order (LSTM i|f|g|o, GRU r|z|n), initialised uniformly in ±1/√H as
PyTorch does. The equations are in `explainer.cells` (forward) and `explainer.bptt` (backward).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explainer import bptt, cells
from explainer.recurrent import Converter, Recurrent
from explainer.trace import LayerTrace


class RNN(Recurrent):
    """Elman RNN as `torch.nn.RNN`: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    cell = "rnn"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        seed: int = 0,
        nonlinearity: str = "tanh",
        variant: str = "standard",
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, seed=seed, variant=variant)

    def _config(self) -> dict[str, Any]:
        return {**super()._config(), "nonlinearity": self.nonlinearity}

    def _forward_layer(
        self,
        x_proj: np.ndarray,
        w_hh: np.ndarray,
        b_hh: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        A, Hs = cells.rnn_layer(x_proj, w_hh, h0, self.nonlinearity)
        return {"A": A, "G": Hs, "h": Hs}

    def _backward_layer(
        self,
        lay: LayerTrace,
        seq: Converter,
        state: Converter,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        d_out: np.ndarray,
    ) -> dict[str, Any]:
        grads, dX, dh0, dH = bptt.rnn_layer_backward(
            seq(lay.x),
            w_ih,
            w_hh,
            seq(lay.preact["h"]),
            seq(lay.h),
            state(lay.h0),
            d_out,
            self.nonlinearity,
        )
        return {"grads": grads, "dX": dX, "dh0": dh0, "dH": dH}

    def _step_jacobians(self, lay: LayerTrace, w_hh: np.ndarray) -> list[np.ndarray]:
        if self.nonlinearity == "tanh":
            D = 1.0 - lay.h**2
        else:
            D = (lay.preact["h"] > 0).astype(float)
        return [bptt.step_jacobian_rnn(w_hh, D[s]) for s in range(1, lay.h.shape[0])]


class LSTM(Recurrent):
    """LSTM as `torch.nn.LSTM` (no projection). Variants: see `explainer.cells`."""

    cell = "lstm"
    variants = cells.LSTM_VARIANTS

    def _forward_layer(
        self,
        x_proj: np.ndarray,
        w_hh: np.ndarray,
        b_hh: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        A, G, C, Hs = cells.lstm_layer(x_proj, w_hh, h0, c0, self.variant)
        return {"A": A, "G": G, "c": C, "h": Hs}

    def _backward_layer(
        self,
        lay: LayerTrace,
        seq: Converter,
        state: Converter,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        d_out: np.ndarray,
    ) -> dict[str, Any]:
        grads, dX, dh0, dc0, dH, dC = bptt.lstm_layer_backward(
            seq(lay.x),
            w_ih,
            w_hh,
            self._stacked_gates(lay, seq),
            seq(lay.c),
            seq(lay.h),
            state(lay.h0),
            state(lay.c0),
            d_out,
            self.variant,
        )
        return {"grads": grads, "dX": dX, "dh0": dh0, "dc0": dc0, "dH": dH, "dC": dC}

    def _step_jacobians(self, lay: LayerTrace, w_hh: np.ndarray) -> list[np.ndarray]:
        G = self._stacked_gates(lay, lambda a: a)
        D = bptt._lstm_derivatives(G, self.hidden_size, self.variant)
        c = lay.c
        return [
            bptt.step_jacobian_lstm(w_hh, G[s], D[s], c[s - 1], c[s], self.variant)
            for s in range(1, c.shape[0])
        ]


class GRU(Recurrent):
    """GRU as `torch.nn.GRU` (reset gate applied to W_hn h + b_hn); variant "textbook" applies it to
    h before the product, as in Cho et al. (2014) and most textbooks."""

    cell = "gru"
    variants = cells.GRU_VARIANTS

    def _forward_layer(
        self,
        x_proj: np.ndarray,
        w_hh: np.ndarray,
        b_hh: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray | None,
    ) -> dict[str, np.ndarray]:
        A, G, HN, Hs = cells.gru_layer(x_proj, w_hh, b_hh, h0, self.variant)
        return {"A": A, "G": G, "HN": HN, "h": Hs}

    def _backward_layer(
        self,
        lay: LayerTrace,
        seq: Converter,
        state: Converter,
        w_ih: np.ndarray,
        w_hh: np.ndarray,
        d_out: np.ndarray,
    ) -> dict[str, Any]:
        grads, dX, dh0, dH = bptt.gru_layer_backward(
            seq(lay.x),
            w_ih,
            w_hh,
            self._stacked_gates(lay, seq),
            seq(lay.aux["hn"]),
            seq(lay.h),
            state(lay.h0),
            d_out,
            self.variant,
        )
        return {"grads": grads, "dX": dX, "dh0": dh0, "dH": dH}

    def _step_jacobians(self, lay: LayerTrace, w_hh: np.ndarray) -> list[np.ndarray]:
        G = self._stacked_gates(lay, lambda a: a)
        hn, h = lay.aux["hn"], lay.h
        textbook = self.variant == "textbook"
        return [
            bptt.step_jacobian_gru(w_hh, G[s], hn[s], h[s - 1], textbook)
            for s in range(1, h.shape[0])
        ]


MODELS: dict[str, type[Recurrent]] = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
Model = RNN | LSTM | GRU  # any reference model (type hints)


def build_model(
    cell: str,
    hidden: int,
    layers: int = 1,
    *,
    seed: int = 0,
    scale: float = 1.0,
    radius: float | None = None,
    fbias: float = 0.0,
    variant: str = "standard",
    nonlinearity: str = "tanh",
    input_size: int = 1,
) -> Model:
    """A reference model of `cell` (`MODELS`) at PyTorch's initialisation, seeded, with the
    lesson's knobs applied:
        scale     multiplies every initial weight (PyTorch's initialisation × scale)
        radius    plain RNN: rescale each W_hh to this spectral radius (max |eigenvalue|)
        fbias     LSTM: added to the forget gate's bias (b_if), so f starts nearer 1 (or 0)
        variant   LSTM ablations / GRU form, see `explainer.cells`"""
    kw = {"nonlinearity": nonlinearity} if cell == "rnn" else {"variant": variant}
    model = MODELS[cell](input_size, hidden, layers, seed=seed, **kw)
    H = hidden
    for name in model.params:
        model.params[name] = model.params[name] * scale
    for k in range(layers):
        if radius is not None:
            w = model.params[f"weight_hh_l{k}"]
            if cell == "rnn":  # gated cells' W_hh is a stack of blocks: no single radius
                rho = float(np.max(np.abs(np.linalg.eigvals(w))))
                model.params[f"weight_hh_l{k}"] = w * (radius / rho) if rho > 0 else w
        if cell == "lstm" and fbias:
            model.params[f"bias_ih_l{k}"][cells.gate_rows("lstm", "f", H)] += fbias
    return model
