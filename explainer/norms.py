"""Norms along time: `step_norms` (the norm of every step of a gradient, safe against over- and
underflow), `steps_of_signal` (how far back a gradient stays above a fraction of its last value),
`matrix_norms` (the norm of every matrix of a stack) and `Jacobians`, what a model's
`jacobian_norms` returns. Read by the models, the lesson, the figures and the trained networks."""

from __future__ import annotations

import numpy as np

from explainer.trace import frozen


class Jacobians:
    """Norms of ∂h_{T-1}/∂h_t (`h`) and, for the LSTM, ∂c_{T-1}/∂c_t (`c`), each (T,)."""

    def __init__(self, h: np.ndarray, c: np.ndarray | None) -> None:
        self.h, self.c = frozen(h), frozen(c)


def step_norms(dS: np.ndarray) -> np.ndarray:
    """‖dS[t]‖ for every t, (T, H, B) -> (T,) (any array whose first axis is time). Steps whose
    squares overflow or underflow (gradients beyond about 1e±150) are recomputed scaled by their
    largest entry, so a vanishing gradient of 1e-200 is 1e-200, not 0, and an exploding one of
    1e200 stays finite."""
    flat = dS.reshape(dS.shape[0], -1)
    norms = np.sqrt(np.einsum("ti,ti->t", flat, flat))
    redo = ~np.isfinite(norms) | (norms < 1e-150)
    if redo.any():
        m = np.abs(flat[redo]).max(axis=1)
        safe = np.where((m > 0) & np.isfinite(m), m, 1.0)
        norms[redo] = safe * np.sqrt(((flat[redo] / safe[:, None]) ** 2).sum(axis=1))
    return norms


def steps_of_signal(norms: np.ndarray, ratio: float = 1e-3) -> int | None:
    """How many steps back from the last one (t = T-2, T-3, ...) the gradient norm stays at or
    above `ratio` times its value at the last step; the last step itself is not one of them. None
    when it never drops that low, back to t = 0 (all T-1 steps back); 0 when even the step before
    the last is below it, or the last step's norm is 0 or not finite."""
    norms = np.asarray(norms, dtype=np.float64)
    end = norms[-1]
    if not np.isfinite(end) or end == 0:
        return 0
    back = norms[-2::-1]  # one step back, two steps back, ... (T-1 values)
    below = np.flatnonzero(~(back >= ratio * end))  # NaN counts as "no signal"
    return int(below[0]) if below.size else None


def matrix_norms(Ms: np.ndarray, ord: int | str) -> np.ndarray:
    """The `ord` norm of every matrix of a stack (T, n, n), inf where one holds a non-finite
    value; in chunks (bounded memory for large n)."""
    out = np.full(len(Ms), np.inf)
    finite = np.isfinite(Ms).all(axis=(1, 2))
    for i in range(0, len(Ms), 64):
        ok = np.flatnonzero(finite[i : i + 64]) + i
        if ok.size:
            out[ok] = np.linalg.norm(Ms[ok], ord, axis=(1, 2))
    return out
