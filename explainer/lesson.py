"""The lesson's experiments as plain functions: the app caches them, a notebook calls them directly.

Every page runs the same recipe: build a model from the sidebar's settings, feed it an input signal,
put the loss on the **last step only**, L = Σ_units h_{T-1}, and run the exact backward pass. Then
‖∂L/∂h_t‖ shows how much of the loss's gradient still reaches step t: the further back it reaches,
the longer the dependency the network can learn.

    run = lesson_run("lstm", hidden=8, layers=1, steps=40, signal="spike", seed=0)
    run.trace.layers[0].gates["f"]      # forget gate, (T, H)
    run.grads.h_norm                    # ‖∂L/∂h_t‖, (T,)

Model knobs used by the pages:
    scale     multiplies every initial weight (PyTorch's initialisation × scale)
    radius    plain RNN: rescale each W_hh to this spectral radius (max |eigenvalue|)
    fbias     LSTM: added to the forget gate's bias (b_if), so f starts nearer 1 (or 0)
    variant   LSTM ablations / GRU form, see `explainer.cells`
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from explainer.models import MODELS, Jacobians
from explainer.signals import make_signal
from explainer.trace import CELL_GATES, Grads, Trace

# The start page's one-click views for a class: the page each opens and the settings it sets. The
# page then writes every one of them to the URL, so that the link it leaves reproduces the view.
PRESETS: dict[str, tuple[str, dict[str, object]]] = {
    "pre_vanish": (
        "app_pages/gradients.py",
        {"radius": 0.9, "steps": 60, "signal": "spike", "hidden": 16, "nonlin": "tanh"},
    ),
    "pre_explode": (
        "app_pages/gradients.py",
        {"radius": 1.5, "steps": 60, "signal": "spike", "hidden": 16, "nonlin": "relu"},
    ),
    "pre_forget": (
        "app_pages/adds.py",
        {"fbias": 1.0, "steps": 100, "signal": "spike", "hidden": 16},
    ),
    "pre_spike": ("app_pages/lstm.py", {"steps": 30, "signal": "spike", "hidden": 8}),
    "pre_compare": ("app_pages/compare.py", {"steps": 60, "signal": "spike", "hidden": 16}),
}


@dataclass(frozen=True)
class Run:
    model: object
    x: np.ndarray
    trace: Trace
    grads: Grads

    @cached_property
    def jacobians(self) -> Jacobians:
        """‖∂h_{T-1}/∂h_t‖ (and the LSTM's ‖∂c_{T-1}/∂c_t‖), computed when first asked for."""
        return self.model.jacobian_norms(self.trace)


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
):
    """A reference model with the lesson's knobs applied (see the module docstring)."""
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
            model.params[f"bias_ih_l{k}"][H : 2 * H] += fbias  # rows H:2H are the forget gate
    return model


def last_step_loss(trace: Trace) -> np.ndarray:
    """dL/d(output) for L = Σ_units h_{T-1}: ones at the last step, zeros elsewhere."""
    w = np.zeros(trace.h.shape)
    w[..., -1, :] = 1.0
    return w


def lesson_run(
    cell: str,
    hidden: int,
    layers: int = 1,
    steps: int = 40,
    signal: str = "sine",
    *,
    seed: int = 0,
    scale: float = 1.0,
    radius: float | None = None,
    fbias: float = 0.0,
    variant: str = "standard",
    nonlinearity: str = "tanh",
) -> Run:
    """Forward, backward (loss on the last step) and Jacobian norms for one setting."""
    model = build_model(
        cell,
        hidden,
        layers,
        seed=seed,
        scale=scale,
        radius=radius,
        fbias=fbias,
        variant=variant,
        nonlinearity=nonlinearity,
    )
    x = make_signal(signal, steps, seed)
    trace = model.forward(x)
    grads = model.backward(trace, last_step_loss(trace))
    return Run(model, x, trace, grads)


def steps_of_signal(norms: np.ndarray, ratio: float = 1e-3) -> int | None:
    """How many steps back from the last one the gradient norm stays above `ratio` times its value
    at the last step; None when it never drops that low within the sequence (or overflowed)."""
    norms = np.asarray(norms, dtype=np.float64)
    end = norms[-1]
    if not np.isfinite(end) or end == 0:
        return 0
    below = np.flatnonzero(~(norms[::-1] >= ratio * end))  # NaN counts as "no signal"
    return int(below[0]) if below.size else None


def forget_product(trace: Trace, layer: int = 0) -> np.ndarray:
    """Π_{s>t} f_s for t = 0..T-1, averaged over units: how much of c_t survives, along the cell
    state alone, to the last step (1 at t = T-1)."""
    f = trace.layers[layer].gates["f"]  # (T, H)
    T = f.shape[0]
    prod = np.ones_like(f)
    for t in range(T - 2, -1, -1):
        prod[t] = prod[t + 1] * f[t + 1]
    return prod.mean(axis=1)


def parameter_counts(input_size: int, hidden: int, layers: int = 1) -> dict[str, int]:
    """Number of parameters of each cell at this size (both biases counted, as in PyTorch)."""
    return {cell: count_params(cell, input_size, hidden, layers) for cell in MODELS}


def count_params(cell: str, input_size: int, hidden: int, layers: int = 1) -> int:
    """G·H·(D + H + 2) for the first layer, G·H·(2H + 2) for each one above (G gate blocks)."""
    G, H = len(CELL_GATES[cell]), hidden
    return G * H * (input_size + H + 2) + (layers - 1) * G * H * (2 * H + 2)


def matched_hidden(cell: str, target_params: int, input_size: int = 1, layers: int = 1) -> int:
    """The hidden size whose parameter count is closest to `target_params` for this cell."""
    best, best_gap = 1, None
    for H in range(1, 257):
        n = count_params(cell, input_size, H, layers)
        gap = abs(n - target_params)
        if best_gap is None or gap < best_gap:
            best, best_gap = H, gap
        if n > target_params:
            break
    return best
