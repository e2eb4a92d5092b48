"""Immutable records of one forward pass (`Trace`) and one backward pass (`Grads`).

Shapes follow the input: an unbatched forward of `x` with shape (T, D) gives arrays of shape (T, H);
a batched one, `x` with shape (B, T, D), gives (B, T, H). Every array is read-only, so a trace can
be cached and shared between figures without copies.

Per layer k (`trace.layers[k]`):
    x       the layer's input                      (T, D) for k = 0, (T, H) above
    h       hidden state h_t after each step      (T, H)
    c       LSTM cell state c_t after each step   (T, H); None for RNN and GRU
    gates   post-activation values by name        LSTM i f g o, GRU r z n, RNN h
    preact  pre-activation values by name         the same names and shapes
    aux     GRU: "hn" = W_hn h_{t-1} + b_hn, the term the reset gate multiplies
    h0, c0  initial states                         (H,) or (B, H)

Per layer k of `Grads` (`grads.layers[k]`): `h` and `c` are the *total* gradients reaching h_t and
c_t (from the output at t, from the layer above, and through time from t+1), `h_norm`/`c_norm` their
Euclidean norms over batch and units, shape (T,).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

CELL_GATES: dict[str, tuple[str, ...]] = {
    "rnn": ("h",),
    "lstm": ("i", "f", "g", "o"),
    "gru": ("r", "z", "n"),
}
"""Gate names in PyTorch's row-block order (LSTM `i|f|g|o`, GRU `r|z|n`)."""

GATE_NAMES: dict[str, str] = {
    "i": "input gate",
    "f": "forget gate",
    "g": "candidate",
    "o": "output gate",
    "r": "reset gate",
    "z": "update gate",
    "n": "new state",
    "h": "hidden state",
}
SIGMOID_GATES = frozenset({"i", "f", "o", "r", "z"})  # gates squashed to (0, 1)


def frozen(a: np.ndarray | None) -> np.ndarray | None:
    """A read-only view of `a` (None passes through)."""
    if a is None:
        return None
    v = a.view()
    v.flags.writeable = False
    return v


def frozen_map(d: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    return MappingProxyType({k: frozen(v) for k, v in d.items()})


@dataclass(frozen=True)
class LayerTrace:
    x: np.ndarray
    h: np.ndarray
    c: np.ndarray | None
    gates: Mapping[str, np.ndarray]
    preact: Mapping[str, np.ndarray]
    h0: np.ndarray
    c0: np.ndarray | None = None
    aux: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))
    stacked: np.ndarray | None = None  # all gates side by side (…, G·H): `gates` are its slices


@dataclass(frozen=True)
class Trace:
    """What one forward pass computed, layer by layer; `h` is PyTorch's `output` (last layer)."""

    cell: str  # "rnn" | "lstm" | "gru"
    x: np.ndarray
    layers: tuple[LayerTrace, ...]
    batched: bool
    nonlinearity: str = "tanh"  # RNN only
    variant: str = "standard"  # LSTM ablations / GRU form, see explainer.models

    @property
    def h(self) -> np.ndarray:
        return self.layers[-1].h

    @property
    def c(self) -> np.ndarray | None:
        return self.layers[-1].c

    @property
    def h_n(self) -> np.ndarray:
        """Final hidden state of every layer, (L, H) or (L, B, H) as PyTorch's `h_n`."""
        return np.stack([lay.h[..., -1, :] for lay in self.layers])

    @property
    def c_n(self) -> np.ndarray | None:
        if self.cell != "lstm":
            return None
        return np.stack([lay.c[..., -1, :] for lay in self.layers])

    @property
    def gate_names(self) -> tuple[str, ...]:
        return CELL_GATES[self.cell]

    @property
    def steps(self) -> int:
        return self.h.shape[-2]

    @property
    def hidden_size(self) -> int:
        return self.h.shape[-1]

    @property
    def num_layers(self) -> int:
        return len(self.layers)


@dataclass(frozen=True)
class LayerGrads:
    h: np.ndarray  # total dL/dh_t, shape of the layer's h
    c: np.ndarray | None  # total dL/dc_t (LSTM)
    h_norm: np.ndarray  # (T,)
    c_norm: np.ndarray | None  # (T,)
    x: np.ndarray  # dL/d(layer input)
    h0: np.ndarray
    c0: np.ndarray | None


@dataclass(frozen=True)
class Grads:
    """dL/d(everything) for L = sum(grad_h * output); `finite` is False once anything overflowed."""

    cell: str
    params: Mapping[str, np.ndarray]
    layers: tuple[LayerGrads, ...]
    finite: bool

    @property
    def x(self) -> np.ndarray:
        return self.layers[0].x

    @property
    def h0(self) -> np.ndarray:
        return np.stack([lay.h0 for lay in self.layers])

    @property
    def c0(self) -> np.ndarray | None:
        if self.cell != "lstm":
            return None
        return np.stack([lay.c0 for lay in self.layers])

    @property
    def h_norm(self) -> np.ndarray:
        return self.layers[-1].h_norm

    @property
    def c_norm(self) -> np.ndarray | None:
        return self.layers[-1].c_norm
