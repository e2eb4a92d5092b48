"""The lesson's experiments as plain functions: the app caches them, a notebook calls them directly.

Every page runs the same recipe: build a model from the sidebar's settings, feed it an input signal,
put the loss on the **last step only**, L = Σ_units h_{T-1}, and run the exact backward pass. Then
‖∂L/∂h_t‖ shows how much of the loss's gradient still reaches step t: the further back it reaches,
the longer the dependency the network can learn.

    run = lesson_run("lstm", hidden=8, layers=1, steps=40, signal="spike", seed=0)
    run.trace.layers[0].gates["f"]      # forget gate, (T, H)
    run.grads.h_norm                    # ‖∂L/∂h_t‖, (T,)

Networks: `net="untrained"` builds the model from the knobs below (PyTorch's initialisation);
`net="trained"` loads the shipped network trained on `task` (`explainer.trained`), whose weights
the knobs do not change. With a `task`, the input is an example of it (`signal="task"`, numbered
`example`) or a signal in its value channel with the example's markers kept, and the loss is the
network's output y = W_out h_{T-1} + b_out (the readout the task trains), so ‖∂y/∂h_t‖ and
‖∂y/∂x_t‖ say how much the prediction depends on each step. Without a task, the loss is
L = Σ_units h_{T-1} on a one-channel signal, as before.

The model knobs the pages use (scale, radius, fbias, variant) are `explainer.models.build_model`'s;
the trainer builds its fresh networks with it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from explainer import trained
from explainer.models import Model, build_model
from explainer.norms import Jacobians, steps_of_signal
from explainer.signals import make_signal
from explainer.tasks import get_task
from explainer.trace import CELL_GATES, Grads, Trace
from explainer.trainer import Readout

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
        {"fbias": 3.0, "steps": 100, "signal": "spike", "hidden": 16},
    ),
    "pre_spike": ("app_pages/lstm.py", {"steps": 30, "signal": "spike", "hidden": 8}),
    "pre_compare": ("app_pages/compare.py", {"steps": 60, "signal": "spike", "hidden": 16}),
}


@dataclass(frozen=True)
class Run:
    model: Model
    x: np.ndarray
    trace: Trace
    grads: Grads
    readout: Readout | None = None  # y = W_out h_{T-1} + b_out; None: the loss is Σ_units h_{T-1}
    task: str | None = None  # the task x is an example of (None: a plain signal)
    markers: np.ndarray | None = None  # (T,) bool: the task's marked steps
    target: float | None = None  # what the task asks the network to output for x
    net: str = "untrained"  # "untrained" | "trained" | "live"
    trained_steps: int = 0  # training steps behind these weights (0: untrained)

    @property
    def output(self) -> float | None:
        """The network's prediction y for x (None without a readout)."""
        if self.readout is None:
            return None
        return float(self.readout(self.trace.h[-1])[0])

    @property
    def of(self) -> str:
        """What the run's gradient is of, as the figures name it: "y" (the output) or "L"."""
        return "L" if self.readout is None else "y"

    @property
    def lag(self) -> int | None:
        """Steps from the first marked step to the last step: how long it must be remembered."""
        if self.markers is None or not self.markers.any():
            return None
        return int(self.markers.shape[0] - 1 - np.flatnonzero(self.markers)[0])

    @cached_property
    def connectivity(self) -> np.ndarray:
        """‖∂y/∂x_t‖ for every t (`model.connectivity`; ‖∂L/∂x_t‖ without a readout)."""
        last = np.ones(self.model.hidden_size) if self.readout is None else self.readout.weight[0]
        return self.model.connectivity(self.trace, last)

    @cached_property
    def jacobians(self) -> Jacobians:
        """‖∂h_{T-1}/∂h_t‖ (and the LSTM's ‖∂c_{T-1}/∂c_t‖), computed when first asked for."""
        return self.model.jacobian_norms(self.trace)


TASK_SIGNAL = "task"  # the input signal that is the task's own example


def shipped_name(cell: str, task: str) -> str:
    """The name of the shipped network of this cell trained on `task` (`explainer.trained`);
    the name itself when none is catalogued, so that loading it says so."""
    return next((n for n in trained.names() if n.startswith(f"{task}_{cell}_h")), f"{task}_{cell}")


def load_shipped(cell: str, task: str) -> trained.TrainedNetwork:
    """The shipped network of this cell trained on `task` (`trained.TrainedNetworkError` if it
    is missing or corrupt)."""
    return trained.load(shipped_name(cell, task))


def task_input(
    task: str, signal: str, steps: int, example: int = 0
) -> tuple[np.ndarray, np.ndarray, float | None]:
    """x (T, D), its markers (T,) and its target: example number `example` of `task` when
    `signal` is "task"; otherwise `signal` (`explainer.signals`) in the value channel with the
    example's markers kept, and no target (the task defines none for it)."""
    t = get_task(task)
    x, y = t.example(max(steps, t.min_T), seed=example)
    x = x[:steps].copy()
    markers = t.markers(x)
    if signal == TASK_SIGNAL:
        return x, markers, (y if steps >= t.min_T else None)
    x[:, 0] = make_signal(signal, steps, example)[:, 0]
    return x, markers, None


def readout_loss(trace: Trace, weight: np.ndarray) -> np.ndarray:
    """dy/d(output) for y = W_out h_{T-1} + b_out with one output: W_out at the last step."""
    w = np.zeros(trace.h.shape)
    w[..., -1, :] = weight[0]
    return w


def network_run(
    model: Model,
    x: np.ndarray,
    readout: Readout | None = None,
    *,
    task: str | None = None,
    markers: np.ndarray | None = None,
    target: float | None = None,
    net: str = "untrained",
    trained_steps: int = 0,
) -> Run:
    """Forward and backward of `model` on x, the loss being its output y (given a readout) or
    Σ_units h_{T-1}."""
    trace = model.forward(x)
    grad = last_step_loss(trace) if readout is None else readout_loss(trace, readout.weight)
    grads = model.backward(trace, grad)
    return Run(model, x, trace, grads, readout, task, markers, target, net, trained_steps)


def untrained_readout(hidden: int, seed: int) -> Readout:
    """The readout a run from scratch starts with (`explainer.trainer.Trainer.from_config`)."""
    return Readout.init(hidden, 1, np.random.default_rng((seed, 1)))


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
    task: str | None = None,
    example: int = 0,
    net: str = "untrained",
) -> Run:
    """Forward, backward (loss on the last step) and Jacobian norms for one setting: the network
    trained on `task` (`net="trained"`: the model knobs do not apply) or an untrained one."""
    if task is not None:
        x, markers, target = task_input(task, signal, steps, example)
        if net == "trained":
            shipped = load_shipped(cell, task)
            model = shipped.model
            if variant != "standard":
                model = model.with_params(variant=variant)
            return network_run(
                model,
                x,
                shipped.readout,
                task=task,
                markers=markers,
                target=target,
                net="trained",
                trained_steps=int(shipped.manifest["steps"]),
            )
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
            input_size=x.shape[1],
        )
        readout = untrained_readout(hidden, seed)
        return network_run(model, x, readout, task=task, markers=markers, target=target)
    if net != "untrained":
        raise ValueError(f"net={net!r} needs a task: the shipped networks were trained on one")
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
    return network_run(model, make_signal(signal, steps, seed))


def step_bound(run: Run) -> tuple[float, float, float]:
    """(ρ, σ_max, max φ′) of a plain RNN's last layer: the spectral radius of W_hh (max |eigenvalue|),
    its largest singular value, and the largest slope φ′(a_t) of the activation over the run's
    steps and units (tanh′ = 1 − h², relu′ = 1 where a > 0). One step back multiplies ‖∂L/∂h‖ by
    at most σ_max · max φ′, since ‖W_hhᵀ diag(φ′) v‖ ≤ σ_max · max φ′ · ‖v‖; the radius only
    governs the powers of W_hh in the long run (ρ ≤ σ_max)."""
    k = len(run.trace.layers) - 1
    w = run.model.params[f"weight_hh_l{k}"]
    rho = float(np.max(np.abs(np.linalg.eigvals(w))))
    sigma = float(np.linalg.norm(w, 2))
    lay = run.trace.layers[k]
    slope = 1.0 - lay.h**2 if run.model.nonlinearity == "tanh" else (lay.preact["h"] > 0) * 1.0
    return rho, sigma, float(np.max(slope))


def mean_slope(run: Run) -> float:
    """The plain RNN's activation slope φ′(a_t) averaged over its last layer's steps and units:
    near 0 where the units saturate (tanh′ = 1 − h², relu′ = 1 where a > 0)."""
    lay = run.trace.layers[-1]
    slope = 1.0 - lay.h**2 if run.model.nonlinearity == "tanh" else (lay.preact["h"] > 0) * 1.0
    return float(np.mean(slope))


def radius_hints(run: Run, ratio: float = 1e-3) -> list[tuple[str, dict[str, float]]]:
    """The hints page 2 shows for a plain RNN's run, as (key, numbers), each chosen by what this
    run measured, never by the knob alone:

    - exactly one of "vanish" (the gradient drops below `ratio` of its end value: n steps back),
      "keeps" (it fades but stays above that back to t = 0) and "grow" (at t = 0 it is at least
      its end value);
    - "grow_below": the radius is below 1, yet some step back makes the gradient bigger (gain > 1,
      possible because one step is bounded by σ_max · max φ′, not by the radius);
    - "saturate": the radius is above 1 with tanh, and the gradient vanishes anyway;
    - "try_relu": tanh with radius above 1 (relu shows the growth without saturation)."""
    g = np.asarray(run.grads.h_norm, dtype=np.float64)
    n = steps_of_signal(g, ratio)
    rho, sigma, slope = step_bound(run)
    with np.errstate(all="ignore"):
        end = g[0] / g[-1]
        gains = g[:-1] / g[1:]  # one step back: ‖∂/∂h_(t−1)‖ / ‖∂/∂h_t‖
    gains = gains[np.isfinite(gains)]
    gain = float(gains.max()) if gains.size else float("nan")
    tanh = run.model.nonlinearity == "tanh"
    if n is not None:
        hints = [("vanish", {"n": n})]
    elif not end < 1:  # NaN (an overflow) counts as growth
        hints = [("grow", {"ratio": float(end)})]
    else:
        hints = [("keeps", {"ratio": float(end), "back": g.shape[0] - 1})]
    if rho < 1 and gain > 1:
        hints.append(("grow_below", {"gain": gain, "bound": sigma * slope}))
    if rho > 1 and tanh:
        if n is not None:
            hints.append(("saturate", {"mean": mean_slope(run)}))
        hints.append(("try_relu", {}))
    return hints


def forget_hint(run: Run, fbias: float) -> str | None:
    """Page 4's advice for an untrained LSTM whose forget gates average below 0.8 (None above):
    "fhalf_low" (the bias is below 1: move it to 1 or more) or "fhalf_high" (it is 1 or more
    already: raise it further); clamping f is offered by both."""
    if run.net != "untrained" or float(np.mean(run.trace.layers[-1].gates["f"])) >= 0.8:
        return None
    return "fhalf_low" if fbias < 1 else "fhalf_high"


def forget_product(trace: Trace, layer: int = 0) -> np.ndarray:
    """Π_{s>t} f_s for t = 0..T-1, averaged over units: how much of c_t survives, along the cell
    state alone, to the last step (1 at t = T-1)."""
    f = trace.layers[layer].gates["f"]  # (T, H)
    T = f.shape[0]
    prod = np.ones_like(f)
    for t in range(T - 2, -1, -1):
        prod[t] = prod[t + 1] * f[t + 1]
    return prod.mean(axis=1)


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


def gate_holder(
    trace: Trace, gate: str, start: int = 0, layer: int = 0
) -> tuple[int, float, float]:
    """The unit whose `gate` has the highest mean from step `start` to the end, with that mean
    and its minimum there: (unit, mean, min). With `gate="f"` on an LSTM, the unit that keeps
    its memory from `start` on."""
    g = trace.layers[layer].gates[gate][start:]  # (T - start, H)
    means = g.mean(axis=0)
    u = int(np.argmax(means))
    return u, float(means[u]), float(g[:, u].min())


def first_marker(markers: np.ndarray | None) -> int | None:
    """The first marked step (None without markers)."""
    if markers is None or not np.any(markers):
        return None
    return int(np.flatnonzero(markers)[0])


def open_step(run: Run) -> int:
    """The step a cell diagram opens at: one whose inputs are not all zero (at t = 0 the previous
    states are the zero initial states). The task's first marked step where there is one after
    t = 0, else the first step after 0 whose x is not zero, else t = 1 (t = 0 for one step)."""
    T = run.trace.steps
    if T == 1:
        return 0
    start = first_marker(run.markers)
    if start is not None and start >= 1:
        return start
    x = np.asarray(run.x).reshape(T, -1)
    later = np.flatnonzero(np.any(x[1:] != 0, axis=1))
    return int(later[0]) + 1 if later.size else 1


def reach_across(run: Run, ratio: float = 1e-3) -> tuple[int | None, int | None, bool]:
    """(steps back with signal, the task's lag, whether the gradient carries across the lag):
    `steps_of_signal` of ‖∂y/∂h_t‖ (None: all of them) against the steps from the first marked
    step to the end."""
    n = steps_of_signal(run.grads.h_norm, ratio)
    lag = run.lag
    if lag is None:
        return n, None, False
    return n, lag, n is None or n >= lag
