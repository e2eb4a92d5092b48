"""The memory lab's tasks: long-lag sequences drawn from a seeded `torch.Generator` (float32).

Adding problem (Hochreiter & Schmidhuber 1997; the "half/half" form of Le, Jaitly & Hinton 2015)
    Input x_t = (u_t, m_t), t = 0 .. T-1, with u_t ~ U[0, 1] and a marker m_t in {0, 1}.
    Exactly two markers: one at p ~ U{0 .. T//2 - 1} (first half), one at q ~ U{T//2 .. T-1}
    (second half). Target y = u_p + u_q, read from the last hidden state: y_hat = W h_{T-1} + b.
    Here **lag = T, the sequence length**: the first marked value must be carried for T-1-p steps,
    between T - T//2 and T - 1 steps, about 3T/4 on average.
    Baseline: predicting the constant 1 = E[y] scores MSE = Var(u_p + u_q) = 2/12 = 1/6 ~ 0.167.
    Solved: held-out MSE < 0.01.

Delayed recall (K symbols)
    Input x_t in R^(K+1): channel k < K is the one-hot of a symbol, channel K the query marker.
    t = 0: the one-hot of s ~ U{0 .. K-1}; t = 1 .. L: L distractors, one-hot of fresh uniform
    symbols (drawn from the same K, so the net must keep the *first*, not the latest);
    t = L+1: the query marker alone. Target: s, from logits W h_{T-1} + b (cross-entropy).
    Here **lag = L, the number of distractor steps**; T = L + 2 and s is read L+1 steps after it
    was shown. Chance accuracy 1/K. Solved: held-out accuracy >= 0.99.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from explainer.torch_backend import check_int

TASKS = ("adding", "recall")
EVAL_SEED = 20_240_601  # the held-out batch is the same for every seed and every cell


@dataclass(frozen=True)
class Baseline:
    """What a predictor that ignores the sequence scores, and what counts as solved."""

    task: str
    metric: str  # "mse" (lower is better) or "accuracy" (higher is better)
    value: float  # the memoryless score: 1/6 for adding (constant 1), 1/K for recall (a guess)
    solved_at: float  # adding: solved when mse < solved_at; recall: when accuracy >= solved_at
    description: str

    def is_solved(self, metric_value: float) -> bool:
        if self.metric == "mse":
            return metric_value < self.solved_at
        return metric_value >= self.solved_at

    def is_flat(self, metric_value: float) -> bool:
        """Still at the baseline: an MSE >= 0.8 x the memoryless one (adding), or an accuracy
        <= 1.5 x chance (recall). Between that and solved, a network learned part of the task."""
        if self.metric == "mse":
            return metric_value >= 0.8 * self.value
        return metric_value <= 1.5 * self.value


def baseline(task: str, symbols: int = 8) -> Baseline:
    """The baseline and the "solved" threshold of `task` (the one place they are defined)."""
    if task == "adding":
        return Baseline(
            task,
            "mse",
            1.0 / 6.0,
            0.01,
            "predicting the constant 1 (= E[u_p + u_q]) scores MSE 1/6",
        )
    if task == "recall":
        check_int("symbols", symbols, 2)
        return Baseline(
            task,
            "accuracy",
            1.0 / symbols,
            0.99,
            f"guessing one of {symbols} symbols scores accuracy 1/{symbols}",
        )
    raise ValueError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")


def input_size(task: str, symbols: int = 8) -> int:
    return 2 if task == "adding" else symbols + 1


def output_size(task: str, symbols: int = 8) -> int:
    return 1 if task == "adding" else symbols


def adding_batch(
    batch: int, lag: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch` adding-problem sequences of length T = `lag`: x (B, T, 2), y (B, 1), float32."""
    check_int("lag", lag, 2)
    T = lag
    u = torch.rand(batch, T, generator=generator)  # (B, T)
    p = torch.randint(0, T // 2, (batch,), generator=generator)  # first half
    q = torch.randint(T // 2, T, (batch,), generator=generator)  # second half
    m = torch.zeros(batch, T)
    rows = torch.arange(batch)
    m[rows, p] = 1.0
    m[rows, q] = 1.0
    y = (u[rows, p] + u[rows, q]).unsqueeze(1)  # (B, 1)
    return torch.stack([u, m], dim=2), y


def recall_batch(
    batch: int, lag: int, symbols: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Delayed recall with `lag` distractors: x (B, lag + 2, K + 1) float32, y (B,) int64."""
    check_int("lag", lag, 1)
    check_int("symbols", symbols, 2)
    K, T = symbols, lag + 2
    s = torch.randint(0, K, (batch, T - 1), generator=generator)  # s[:, 0] is the one to recall
    x = torch.zeros(batch, T, K + 1)
    x[:, : T - 1, :K] = nn.functional.one_hot(s, K).float()
    x[:, T - 1, K] = 1.0  # the query marker
    return x, s[:, 0].clone()


def make_batch(
    task: str, batch: int, lag: int, generator: torch.Generator, symbols: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    if task == "adding":
        return adding_batch(batch, lag, generator)
    if task == "recall":
        return recall_batch(batch, lag, symbols, generator)
    raise ValueError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")


def example_sequence(
    task: str, lag: int, seed: int = 0, symbols: int = 8
) -> tuple[np.ndarray, float | int]:
    """One sequence for the reference to trace: x (T, D) float64 and its target (sum or symbol)."""
    x, y = make_batch(task, 1, lag, torch.Generator().manual_seed(seed), symbols)
    target = float(y[0, 0]) if task == "adding" else int(y[0])
    return x[0].double().numpy(), target


def derive_seed(seed: int, stream: str) -> int:
    """An independent 63-bit seed for each named stream ("init", "data") of a run's seed."""
    key = {"init": 0, "data": 1}[stream]
    return int(np.random.SeedSequence([seed, key]).generate_state(1, np.uint64)[0] >> np.uint64(1))
