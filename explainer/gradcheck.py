"""Central finite differences against the hand-written backward pass.

For a fixed random projection w (same shape as the output), L(θ) = Σ w ⊙ h(θ) and

    ∂L/∂θ_j ≈ (L(θ + ε e_j) − L(θ − ε e_j)) / 2ε          error O(ε²)

is compared with `model.backward(trace, w)`. The error of each tensor is ‖analytic − numeric‖ /
max(‖analytic‖, ‖numeric‖, 1e-12); `gradcheck` returns the worst one. With ε = 1e-6 in float64 a
correct backward gives about 1e-8 or less; a wrong one gives something of order 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from explainer.models import Model


def _loss(model: Model, w: np.ndarray, x: np.ndarray, h0: Any, c0: Any) -> float:
    return float(np.sum(w * model.forward(x, h0, c0).h))


def gradcheck_table(
    model: Model,
    x: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    eps: float = 1e-6,
    max_entries: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Relative error of every parameter tensor and of x, h0 (and c0 for the LSTM).

    `max_entries` checks at most that many randomly chosen entries per tensor (all when None), which
    keeps a live check in the app fast; the analytic gradient is compared on the same entries."""
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    trace = model.forward(x, h0, c0)
    w = rng.standard_normal(trace.h.shape)
    grads = model.backward(trace, w)
    L = model.num_layers
    B = (x.shape[0],) if x.ndim == 3 else ()
    h0 = np.zeros((L, *B, model.hidden_size)) if h0 is None else np.array(h0, dtype=np.float64)
    if model.cell == "lstm":
        c0 = np.zeros_like(h0) if c0 is None else np.array(c0, dtype=np.float64)
    targets: dict[str, tuple[np.ndarray, np.ndarray]] = {
        name: (model.params[name], grads.params[name]) for name in model.params
    }
    targets["x"] = (x, grads.x)
    targets["h0"] = (h0, grads.h0)
    if model.cell == "lstm":
        targets["c0"] = (c0, grads.c0)
    errors = {}
    for name, (value, analytic) in targets.items():
        flat = value.reshape(-1)  # a view: perturbing it perturbs the model's own array
        idx = np.arange(flat.size)
        if max_entries is not None and flat.size > max_entries:
            idx = rng.choice(flat.size, size=max_entries, replace=False)
        numeric = np.empty(idx.size)
        for n, j in enumerate(idx):
            old = flat[j]
            flat[j] = old + eps
            up = _loss(model, w, x, h0, c0)
            flat[j] = old - eps
            down = _loss(model, w, x, h0, c0)
            flat[j] = old
            numeric[n] = (up - down) / (2 * eps)
        a = np.asarray(analytic).reshape(-1)[idx]
        scale = max(np.linalg.norm(a), np.linalg.norm(numeric), 1e-12)
        errors[name] = float(np.linalg.norm(a - numeric) / scale)
    return errors


def gradcheck(
    model: Model,
    x: Any,
    h0: Any = None,
    c0: Any = None,
    *,
    eps: float = 1e-6,
    max_entries: int | None = None,
    seed: int = 0,
) -> float:
    """The worst relative error between finite differences and `model.backward` (see the table)."""
    return max(
        gradcheck_table(model, x, h0, c0, eps=eps, max_entries=max_entries, seed=seed).values()
    )
