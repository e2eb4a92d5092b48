"""Training the NumPy reference itself: Adam on the exact BPTT gradients of `explainer.models`, so the
code that draws the lesson's pictures is the code that trains the network in them.

    trainer = Trainer.from_config(TrainConfig(task="adding", cell="lstm", hidden=8, T=50))
    losses = trainer.step(20)            # (k,) training losses of the steps just taken
    trainer.train_on(x, y)               # one step on a given batch (the benchmark's)
    trainer.snapshots[-1].step           # a copy of every array every `snapshot_every` steps
    model, readout = trainer.network_at(0)   # the weights of a kept snapshot, without recomputing
    trainer.restore(0)                   # go back to it exactly (training continues from there)
    trainer.reset()                      # back to the weights the trainer started from

Network: the reference model (one layer here), then a linear readout of its last hidden state,

    ŷ = W_out h_{T-1} + b_out                    W_out (O, H), b_out (O,)   (`Readout`)

Loss: the task's (mean squared error, `explainer.tasks`). Gradients, by hand:

    dL/dŷ = 2 (ŷ − y) / (B·O)      dW_out = (dL/dŷ)ᵀ h_{T-1}      db_out = Σ_b dL/dŷ
    dL/dh_{T-1} = (dL/dŷ) W_out    (every other step of dL/dh is 0), then `model.backward`.

One step: a fresh batch from the trainer's own generator, forward, backward, global gradient-norm
clipping and Adam, both exactly as `torch.nn.utils.clip_grad_norm_` and `torch.optim.Adam` (defaults
β = (0.9, 0.999), ε = 1e-8, no weight decay) compute them, so a torch float64 run on the same batches
follows the same weights (`tests/test_trainer.py` checks one step to 1e-10).

Parameter names are PyTorch's (`weight_ih_l0`, ...) plus `readout.weight` and `readout.bias`.

Snapshots: after step 0 and every `snapshot_every` steps, every array is copied: parameters, Adam's
moments, its step count and the data generator's state, so `restore(i)` continues exactly as the
run did. At most `max_snapshots` are kept: beyond that every other one is dropped and the interval
doubles (the first is always kept). A snapshot also holds the metric on a fixed held-out batch
(`eval_batch` sequences, seed `tasks.EVAL_SEED`; 0 turns it off).

Divergence: a step whose loss or gradients are NaN or infinite is not applied; training stops,
`diverged` says why, and the history ends at the last finite step.

Bounded: pure NumPy in the calling thread; sizes are capped (`LIMITS`) and one `step(k)` call does at
most `MAX_STEPS_PER_CALL` steps. NumPy's BLAS (OpenBLAS) may still spread its larger products (the
input projection, large batches) over several threads unless `OPENBLAS_NUM_THREADS=1` is set before
NumPy is first imported, as `benchmarks/reference.py` does, or `live.one_blas_thread()` is called,
as the app's server does (`ui.warm_up`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from explainer.models import MODELS, Model, build_model
from explainer.tasks import EVAL_SEED, Task, get_task
from explainer.trace import Trace

MAX_STEPS_PER_CALL = 1000
LIMITS = {"hidden": (1, 64), "T": (2, 200), "batch": (1, 256), "eval_batch": (0, 1024)}
READOUT_NAMES = ("readout.weight", "readout.bias")
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


@dataclass
class Readout:
    """ŷ = W h_{T-1} + b: weight (O, H), bias (O,)."""

    weight: np.ndarray
    bias: np.ndarray

    @classmethod
    def init(cls, hidden: int, output: int, rng: np.random.Generator) -> Readout:
        """Uniform in ±1/√H, as `torch.nn.Linear` initialises it."""
        k = 1.0 / np.sqrt(hidden)
        return cls(rng.uniform(-k, k, (output, hidden)), rng.uniform(-k, k, output))

    def __call__(self, h_last: np.ndarray) -> np.ndarray:
        """(…, H) -> (…, O)."""
        return h_last @ self.weight.T + self.bias

    def copy(self) -> Readout:
        return Readout(self.weight.copy(), self.bias.copy())


@dataclass(frozen=True)
class TrainConfig:
    """A run from scratch (`Trainer.from_config`). Every default is the shipped networks' setting."""

    task: str = "adding"  # a name in explainer.tasks.TASKS
    cell: str = "lstm"  # "rnn" | "lstm" | "gru"
    hidden: int = 8  # H
    T: int = 50  # sequence length of every training batch (the task's lag)
    batch: int = 32  # sequences per step
    lr: float = 1e-2  # Adam's learning rate
    clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    fbias: float = 1.0  # LSTM only: added to the forget gate's bias at the start
    seed: int = 0  # initialisation (model, readout) and the data stream
    snapshot_every: int = 10  # steps between snapshots
    max_snapshots: int = 500  # beyond this, every other snapshot is dropped
    eval_batch: int = 128  # held-out sequences scored at each snapshot (0: none)


@dataclass(frozen=True)
class Snapshot:
    """Every array of the run after `step` steps (read-only copies)."""

    step: int
    params: Mapping[str, np.ndarray]  # model parameters and the readout's
    adam_m: Mapping[str, np.ndarray]
    adam_v: Mapping[str, np.ndarray]
    adam_t: int
    rng_state: Mapping[str, Any]
    metric: float | None  # on the held-out batch (None when eval_batch is 0)


def _frozen_copy(d: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for k, v in d.items():
        a = np.array(v, dtype=np.float64, copy=True)
        a.flags.writeable = False
        out[k] = a
    return out


def _check_int(name: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(v)


def loss_and_grads(
    model: Model, readout: Readout, task: Task, x: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray], Trace]:
    """L, dL/d(every parameter) keyed as in the module docstring, and the forward trace."""
    trace = model.forward(x)
    h_last = trace.h[:, -1, :]  # (B, H)
    pred = readout(h_last)  # (B, O)
    loss, dpred = task.loss(pred, y)  # dL/dŷ, (B, O)
    grad_h = np.zeros(trace.h.shape)  # (B, T, H): the loss reads the last step only
    grad_h[:, -1, :] = dpred @ readout.weight  # dL/dh_{T-1}
    grads = dict(model.backward(trace, grad_h).params)
    grads["readout.weight"] = dpred.T @ h_last  # (O, H)
    grads["readout.bias"] = dpred.sum(axis=0)  # (O,)
    return loss, grads, trace


class Trainer:
    """Trains `model` and `readout` on `task` in place (see the module docstring)."""

    def __init__(
        self,
        model: Model,
        readout: Readout,
        task: Task | str,
        *,
        T: int = 50,
        batch: int = 32,
        lr: float = 1e-2,
        clip: float = 1.0,
        seed: int = 0,
        snapshot_every: int = 10,
        max_snapshots: int = 500,
        eval_batch: int = 128,
    ) -> None:
        self.task = get_task(task) if isinstance(task, str) else task
        if model.num_layers != 1:
            raise ValueError("the trainer trains one-layer networks (num_layers=1)")
        if model.input_size != self.task.input_size:
            raise ValueError(
                f"the {self.task.name} task has {self.task.input_size} input channels; "
                f"the model takes {model.input_size}"
            )
        H, O = model.hidden_size, self.task.output_size
        _check_int("hidden", H, *LIMITS["hidden"])
        if readout.weight.shape != (O, H) or readout.bias.shape != (O,):
            raise ValueError(f"the readout must be ({O}, {H}) and ({O},) for this model and task")
        self.T = _check_int("T", T, max(LIMITS["T"][0], self.task.min_T), LIMITS["T"][1])
        self.batch = _check_int("batch", batch, *LIMITS["batch"])
        self.eval_size = _check_int("eval_batch", eval_batch, *LIMITS["eval_batch"])
        self.snapshot_every = _check_int("snapshot_every", snapshot_every, 1, 10_000)
        self.max_snapshots = _check_int("max_snapshots", max_snapshots, 2, 100_000)
        self.seed = _check_int("seed", seed, 0, 2**32 - 1)
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        if not (np.isfinite(clip) and clip >= 0):
            raise ValueError(f"clip must be >= 0 (0 turns it off), got {clip!r}")
        self.lr, self.clip = float(lr), float(clip)
        self.model, self.readout = model.with_params(), readout.copy()  # never the caller's
        self._start = _frozen_copy(self.params)
        self._eval = (
            self.task.eval_batch(self.T, self.eval_size, EVAL_SEED) if self.eval_size else None
        )
        self.reset()

    @classmethod
    def from_config(cls, config: TrainConfig) -> Trainer:
        """A fresh network at PyTorch's initialisation (`explainer.models.build_model`, seeded)."""
        task = get_task(config.task)
        if config.cell not in MODELS:
            raise ValueError(f"unknown cell {config.cell!r}: expected one of {', '.join(MODELS)}")
        _check_int("hidden", config.hidden, *LIMITS["hidden"])
        fbias = config.fbias if config.cell == "lstm" else 0.0
        model = build_model(
            config.cell, config.hidden, seed=config.seed, fbias=fbias, input_size=task.input_size
        )
        readout = Readout.init(
            config.hidden, task.output_size, np.random.default_rng((config.seed, 1))
        )
        return cls(
            model,
            readout,
            task,
            T=config.T,
            batch=config.batch,
            lr=config.lr,
            clip=config.clip,
            seed=config.seed,
            snapshot_every=config.snapshot_every,
            max_snapshots=config.max_snapshots,
            eval_batch=config.eval_batch,
        )

    # --- state
    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every trained array by name (the live arrays, not copies)."""
        return {
            **self.model.params,
            "readout.weight": self.readout.weight,
            "readout.bias": self.readout.bias,
        }

    def _set_params(self, params: Mapping[str, np.ndarray]) -> None:
        for name in self.model.params:
            self.model.params[name] = np.array(params[name], dtype=np.float64)
        self.readout.weight = np.array(params["readout.weight"], dtype=np.float64)
        self.readout.bias = np.array(params["readout.bias"], dtype=np.float64)

    def reset(self) -> None:
        """Back to the weights the trainer was given, a fresh Adam and data stream, no history."""
        self._set_params(self._start)
        self.adam_m = {k: np.zeros_like(v) for k, v in self._start.items()}
        self.adam_v = {k: np.zeros_like(v) for k, v in self._start.items()}
        self.adam_t = 0
        self.rng = np.random.default_rng((self.seed, 2))
        self.steps = 0
        self.losses: list[float] = []  # training loss of every step taken
        self.diverged: str | None = None  # why training stopped, once it has diverged
        self._every = self.snapshot_every
        self.snapshots: list[Snapshot] = []
        self._snapshot()

    def evaluate(self) -> float | None:
        """The task's metric on the fixed held-out batch (None when eval_batch is 0)."""
        if self._eval is None:
            return None
        x, y = self._eval
        trace = self.model.forward(x)
        return self.task.metric(self.readout(trace.h[:, -1, :]), y)

    def _snapshot(self) -> None:
        self.snapshots.append(
            Snapshot(
                step=self.steps,
                params=_frozen_copy(self.params),
                adam_m=_frozen_copy(self.adam_m),
                adam_v=_frozen_copy(self.adam_v),
                adam_t=self.adam_t,
                rng_state=self.rng.bit_generator.state,
                metric=self.evaluate(),
            )
        )
        if len(self.snapshots) > self.max_snapshots:
            self.snapshots = self.snapshots[::2]  # keeps the first; the interval doubles
            self._every *= 2

    def restore(self, index: int) -> Snapshot:
        """Return to snapshot `index` exactly; the later history and snapshots are dropped."""
        snap = self.snapshots[index]
        self._set_params(snap.params)
        self.adam_m = {k: v.copy() for k, v in snap.adam_m.items()}
        self.adam_v = {k: v.copy() for k, v in snap.adam_v.items()}
        self.adam_t = snap.adam_t
        self.rng = np.random.Generator(np.random.PCG64())
        self.rng.bit_generator.state = dict(snap.rng_state)
        self.steps = snap.step
        del self.losses[snap.step :]
        self.snapshots = [s for s in self.snapshots if s.step <= snap.step]
        self.diverged = None
        return snap

    def network_at(self, index: int) -> tuple[Model, Readout]:
        """(model, readout) holding snapshot `index`'s weights (copies; the run is not touched)."""
        snap = self.snapshots[index]
        model = self.model.with_params({k: snap.params[k] for k in self.model.params})
        return model, Readout(
            np.array(snap.params["readout.weight"]), np.array(snap.params["readout.bias"])
        )

    # --- training
    def step(self, k: int = 1) -> np.ndarray:
        """Take up to k steps (at most MAX_STEPS_PER_CALL; none once diverged); their losses."""
        k = _check_int("k", k, 0, MAX_STEPS_PER_CALL)
        out = []
        for _ in range(k):
            if self.diverged:
                break
            x, y = self.task.make_batch(self.T, self.batch, self.rng)
            loss = self.train_on(x, y)
            if loss is None:
                break
            out.append(loss)
        return np.array(out)

    def train_on(self, x: np.ndarray, y: np.ndarray) -> float | None:
        """One step on the batch (x, y): forward, backward, clip, Adam. Returns the loss, or None
        (and sets `diverged`, changing nothing) when the loss or a gradient is not finite."""
        if self.diverged:
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads, _ = loss_and_grads(self.model, self.readout, self.task, x, y)
        if not (np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())):
            what = "loss" if not np.isfinite(loss) else "gradient"
            self.diverged = f"the {what} became NaN or infinite at step {self.steps + 1}"
            return None
        self._apply(grads)
        self.steps += 1
        self.losses.append(loss)
        if self.steps % self._every == 0:
            self._snapshot()
        return loss

    def _apply(self, grads: dict[str, np.ndarray]) -> None:
        """Clip the global gradient norm, then one Adam step, as torch computes them."""
        if self.clip > 0:
            total = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
            coef = min(self.clip / (total + 1e-6), 1.0)
            grads = {k: g * coef for k, g in grads.items()}
        b1, b2 = ADAM_BETAS
        self.adam_t += 1
        bc1 = 1.0 - b1**self.adam_t
        bc2_sqrt = np.sqrt(1.0 - b2**self.adam_t)
        step_size = self.lr / bc1
        params = self.params
        for name, g in grads.items():
            m, v = self.adam_m[name], self.adam_v[name]
            m *= b1
            m += (1.0 - b1) * g  # m_t = β1 m + (1 − β1) g
            v *= b2
            v += (1.0 - b2) * (g * g)  # v_t = β2 v + (1 − β2) g²
            denom = np.sqrt(v) / bc2_sqrt + ADAM_EPS
            params[name] -= step_size * (m / denom)  # in place: the model's own arrays

    @property
    def history(self) -> dict[str, Any]:
        """The curve for a page: training losses, the snapshots' steps and metrics, the baseline."""
        return {
            "loss": np.array(self.losses),
            "snapshot_steps": np.array([s.step for s in self.snapshots]),
            "snapshot_metric": np.array(
                [np.nan if s.metric is None else s.metric for s in self.snapshots]
            ),
            "metric_name": self.task.metric_name,
            "baseline": self.task.baseline,
            "solved_at": self.task.solved_at,
        }


__all__ = [
    "MAX_STEPS_PER_CALL",
    "LIMITS",
    "Readout",
    "Snapshot",
    "TrainConfig",
    "Trainer",
    "loss_and_grads",
]
