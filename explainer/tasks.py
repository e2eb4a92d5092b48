"""The lesson's memory tasks in NumPy: what the shipped networks were trained on, and what the lesson
pages feed them. Every batch comes from an explicit `np.random.Generator` (never global state), so a
seed names a batch exactly.

    task = TASKS["adding"]                       # or get_task("adding")
    x, y = task.make_batch(T=100, B=32, rng=np.random.default_rng(0))   # (B, T, D), (B, 1)
    task.markers(x)                              # (B, T) bool: the steps the target depends on
    task.metric(pred, y)                         # held-out score, named task.metric_name
    task.is_solved(task.metric(pred, y))         # against task.solved_at

Adding problem (Hochreiter & Schmidhuber 1997; the "half/half" form of Le, Jaitly & Hinton 2015)
    x_t = (u_t, m_t), u_t ~ U[0, 1], a marker m_t ∈ {0, 1}: one marker at p ~ U{0 .. T//2 − 1}, one
    at q ~ U{T//2 .. T − 1}. Target y = u_p + u_q. The first marked value is carried T − 1 − p steps
    (between T − T//2 and T − 1). Baseline: the constant 1 = E[y] scores MSE Var(u_p + u_q) = 1/6.
    Solved: MSE < 0.01.

Sign (remember the sign of the marked input)
    x_t = (u_t, m_t), u_t ~ U[−1, 1] distractors, one marker at p ~ U{0 .. T − 1} where u_p is
    replaced by s ∈ {−1, +1}. Target y = s, to be carried T − 1 − p steps (0 to T − 1). A network
    that solves it must *write* at the marker (LSTM: input gate open), *keep* while the
    distractors pass (forget gate near 1, input gate shut) and *read* at the end: the gates' work
    can be named on the heatmaps. The marker falls anywhere, so each batch mixes short and long
    lags, and training finds the gates from the short ones (with the marker in the first half
    only, neither the RNN nor the LSTM at hidden 8 left the baseline in 3000 steps at T = 50).
    Baseline: the constant 0 = E[y] scores MSE E[s²] = 1. Solved: MSE < 0.05.

Both tasks are regressions onto y (B, 1) with a loss of mean squared error, and the metric is that
loss on a fixed held-out batch (`eval_batch`), so the training curve and the metric share one axis.

The torch memory lab (`explainer.torch_backend.memory`) keeps its own float32 adding and recall
generators, drawn from a `torch.Generator`: its presets and `assets/memory_sweep.json` were
measured on that stream, and moving it to this one would invalidate those measurements until the
sweep is rerun. The adding distribution is the same in both (the same halves, the same U[0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EVAL_SEED = 20_240_601  # the held-out batch's seed (as the memory lab's EVAL_SEED)
MAX_T = 1000  # longest sequence a task makes (bounded work)
MAX_B = 4096  # largest batch


def _check(name: str, v: object, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {v!r}")
    return int(v)


@dataclass(frozen=True)
class Task:
    """One task: its batches, where its markers are, its metric and what counts as solved."""

    name: str  # "adding" | "sign"
    input_size: int  # D
    output_size: int  # O, the readout's width
    metric_name: str  # "mse" (lower is better)
    baseline: float  # the score of the best memoryless constant prediction
    solved_at: float  # solved when metric < solved_at
    min_T: int  # shortest sequence the task is defined for
    description: str  # one line, English (pages translate their own)

    def make_batch(self, T: int, B: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """B sequences of T steps: x (B, T, D) float64 and the target y (B, 1)."""
        T = _check("T", T, self.min_T, MAX_T)
        B = _check("B", B, 1, MAX_B)
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator (np.random.default_rng(seed))")
        return _MAKERS[self.name](T, B, rng)

    def example(self, T: int, seed: int = 0) -> tuple[np.ndarray, float]:
        """One sequence for the reference to trace: x (T, D) and its target."""
        x, y = self.make_batch(T, 1, np.random.default_rng(seed))
        return x[0], float(y[0, 0])

    def eval_batch(
        self, T: int, B: int = 512, seed: int = EVAL_SEED
    ) -> tuple[np.ndarray, np.ndarray]:
        """The fixed held-out batch on which a network's metric is measured."""
        return self.make_batch(T, B, np.random.default_rng(seed))

    def markers(self, x: np.ndarray) -> np.ndarray:
        """The marked steps of x ((T, D) or (B, T, D)) as a bool array (T,) or (B, T): the marker
        channel (the last one) is 1 there."""
        return np.asarray(x)[..., -1] > 0.5

    def loss(self, pred: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean squared error over the batch and its gradient dL/dpred (same shape as pred)."""
        err = pred - y
        return float(np.mean(err * err)), (2.0 / err.size) * err

    def metric(self, pred: np.ndarray, y: np.ndarray) -> float:
        """The held-out score (named `metric_name`): the MSE."""
        return self.loss(pred, y)[0]

    def is_solved(self, value: float) -> bool:
        return bool(value < self.solved_at)


def _adding(T: int, B: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    u = rng.random((B, T))  # (B, T) values in [0, 1)
    p = rng.integers(0, T // 2, size=B)  # first marker, first half
    q = rng.integers(T // 2, T, size=B)  # second marker, second half
    rows = np.arange(B)
    x = np.zeros((B, T, 2))
    x[..., 0] = u
    x[rows, p, 1] = 1.0
    x[rows, q, 1] = 1.0
    y = (u[rows, p] + u[rows, q])[:, None]  # (B, 1)
    return x, y


def _sign(T: int, B: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    u = rng.uniform(-1.0, 1.0, size=(B, T))  # distractors
    p = rng.integers(0, T, size=B)  # the marked step, anywhere
    s = rng.choice(np.array([-1.0, 1.0]), size=B)  # the sign to remember
    rows = np.arange(B)
    u[rows, p] = s
    x = np.zeros((B, T, 2))
    x[..., 0] = u
    x[rows, p, 1] = 1.0
    return x, s[:, None]


_MAKERS = {"adding": _adding, "sign": _sign}

TASKS: dict[str, Task] = {
    "adding": Task(
        name="adding",
        input_size=2,
        output_size=1,
        metric_name="mse",
        baseline=1.0 / 6.0,
        solved_at=0.01,
        min_T=2,
        description="add the two marked values (predicting 1 scores MSE 1/6)",
    ),
    "sign": Task(
        name="sign",
        input_size=2,
        output_size=1,
        metric_name="mse",
        baseline=1.0,
        solved_at=0.05,
        min_T=2,
        description="remember the sign of the marked value (predicting 0 scores MSE 1)",
    ),
}


def get_task(name: str) -> Task:
    """The task called `name`; a ValueError naming the known ones otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}: expected one of {', '.join(TASKS)}") from None
