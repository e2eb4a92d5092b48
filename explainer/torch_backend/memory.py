"""The memory lab: long-lag tasks on which a plain RNN, an LSTM and a GRU are trained side by side.

Tasks (sequences are generated on the fly from a seeded `torch.Generator`; nothing is downloaded)

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

Models: `nn.RNN` (tanh) / `nn.LSTM` / `nn.GRU`, one layer, batch_first, then a linear readout of
the last hidden state. Every parameter starts uniform in +-1/sqrt(H), drawn from a generator
seeded by the run's seed (never global state). The LSTM's forget-gate bias can be set: PyTorch
orders the LSTM rows i|f|g|o, so the f block is rows H:2H of both `bias_ih_l0` and `bias_hh_l0`;
a forget bias B sets bias_ih[H:2H] = B and bias_hh[H:2H] = 0, so the gate's total bias is exactly
B at the start (f = sigma(B) ~ 0.73 for B = 1, vs ~ 0.5 for B = 0). `forget_bias=None` keeps the
uniform initialisation of the other rows.

LSTM ablations, run by `AblatedLSTM`, a hand-written loop over time with PyTorch's equations:
    i = sigma(W_ii x + b_ii + W_hi h + b_hi)    f = sigma(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)     o = sigma(W_io x + b_io + W_ho h + b_ho)
    c' = f * c + i * g                          h' = o * tanh(c')
    "forget_one": f = 1 (c' = c + i * g, the 1997 LSTM's constant error carousel, no forgetting)
    "no_output":  o = 1 (h' = tanh(c'))
    "coupled":    i = 1 - f (c' = f * c + (1 - f) * g, as in the GRU; Greff et al. 2017 "CIFG")
With "none" it equals `nn.LSTM` (tested); `build_model` uses `nn.LSTM` itself then, as it is faster.

Training: Adam + global gradient-norm clipping, a fresh batch per step from a data generator that
depends only on the seed (the same seed gives every cell identical batches), evaluation on a fixed
held-out batch every `eval_every` steps, a wall-clock (`budget_seconds`) and/or step budget per
cell, progress through a callback and a `should_stop()` poll, so a UI can draw and stop it.
`train_cells` interleaves the cells round-robin, `eval_every` steps at a time, each cell's clock
counting only its own work: a live chart shows the three curves growing together, and each cell
gets the same budget.

References: Hochreiter & Schmidhuber (1997), Long short-term memory; Gers, Schmidhuber & Cummins
(2000), Learning to forget; Jozefowicz, Zaremba & Sutskever (2015), An empirical exploration of
recurrent network architectures (forget bias 1); Le, Jaitly & Hinton (2015), A simple way to
initialize recurrent networks of rectified linear units (adding problem); Greff et al. (2017),
LSTM: a search space odyssey (ablations).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from explainer.models import MODELS
from explainer.torch_backend import check_int, check_training

TASKS = ("adding", "recall")
CELLS = ("rnn", "lstm", "gru")
ABLATIONS = ("none", "forget_one", "no_output", "coupled")
EVAL_SEED = 20_240_601  # the held-out batch is the same for every seed and every cell
SATURATED_BIAS = 50.0  # sigma(50) == 1.0 exactly in float32 and float64: a gate clamped to 1
SWEEP_PATH = Path(__file__).resolve().parents[2] / "assets" / "memory_sweep.json"


# ----------------------------------------------------------------------------------- tasks


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


# ---------------------------------------------------------------------------------- models


class AblatedLSTM(nn.Module):
    """A one-layer, batch-first LSTM as a Python loop over time, so single gates can be clamped.

    Parameters carry `nn.LSTM`'s names and shapes (`weight_ih_l0` (4H, D), `weight_hh_l0` (4H, H),
    `bias_ih_l0`, `bias_hh_l0` (4H,), rows i|f|g|o), and `forward` returns what `nn.LSTM` returns.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        ablation: str = "none",
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        if ablation not in ABLATIONS:
            raise ValueError(
                f"unknown ablation {ablation!r}: expected one of {', '.join(ABLATIONS)}"
            )
        self.input_size, self.hidden_size, self.ablation = input_size, hidden_size, ablation
        H, D = hidden_size, input_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * H, D, dtype=dtype))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * H, H, dtype=dtype))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * H, dtype=dtype))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * H, dtype=dtype))
        bound = 1.0 / math.sqrt(H)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        out, (h, c), _ = self.scan(x, state, record=False)
        return out, (h.unsqueeze(0), c.unsqueeze(0))

    def scan(
        self,
        x: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        record: bool = True,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor], dict[str, torch.Tensor]]:
        """Run x (B, T, D); returns h for every step (B, T, H), (h_T, c_T) each (B, H), and, when
        `record`, the gates i f g o and the cell state c for every step, each (B, T, H)."""
        B, T, _ = x.shape
        H = self.hidden_size
        if state is None:
            h = x.new_zeros(B, H)
            c = x.new_zeros(B, H)
        else:
            h, c = state[0][0], state[1][0]  # PyTorch's (L=1, B, H)
        # the input part for all steps at once, split per step with `unbind` (whose backward is one
        # stack; indexing a_x[:, t] would scatter a full (B, T, 4H) zero tensor per step)
        a_x = (x @ self.weight_ih_l0.T + self.bias_ih_l0).unbind(dim=1)  # T x (B, 4H)
        ones = x.new_ones(B, H)
        hs: list[torch.Tensor] = []
        rec: dict[str, list[torch.Tensor]] = {k: [] for k in ("i", "f", "g", "o", "c")}
        for t in range(T):
            a = a_x[t] + (h @ self.weight_hh_l0.T + self.bias_hh_l0)  # (B, 4H)
            a_i, a_f, a_g, a_o = a.chunk(4, dim=1)  # each (B, H)
            f = ones if self.ablation == "forget_one" else torch.sigmoid(a_f)
            i = 1.0 - f if self.ablation == "coupled" else torch.sigmoid(a_i)
            g = torch.tanh(a_g)
            o = ones if self.ablation == "no_output" else torch.sigmoid(a_o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            hs.append(h)
            if record:
                for k, v in (("i", i), ("f", f), ("g", g), ("o", o), ("c", c)):
                    rec[k].append(v)
        trace = {k: torch.stack(v, dim=1) for k, v in rec.items()} if record else {}
        return torch.stack(hs, dim=1), (h, c), trace


class MemoryNet(nn.Module):
    """A recurrent layer (`self.rnn`) and a linear readout of its last hidden state."""

    def __init__(
        self, cell: str, input_size: int, hidden_size: int, output_size: int, ablation: str = "none"
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}: expected one of {', '.join(CELLS)}")
        if ablation != "none" and cell != "lstm":
            raise ValueError(f"ablation {ablation!r} applies to the LSTM only, not to {cell!r}")
        self.cell, self.ablation = cell, ablation
        self.rnn: nn.Module
        if cell == "rnn":
            self.rnn = nn.RNN(input_size, hidden_size, batch_first=True)
        elif cell == "gru":
            self.rnn = nn.GRU(input_size, hidden_size, batch_first=True)
        elif ablation == "none":
            self.rnn = nn.LSTM(input_size, hidden_size, batch_first=True)
        else:
            self.rnn = AblatedLSTM(input_size, hidden_size, ablation)
        self.readout = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, T, H)
        return self.readout(out[:, -1])  # (B, output_size)


def set_forget_bias(lstm: nn.Module, bias: float) -> None:
    """Forget-gate bias B: bias_ih_l0[H:2H] = B, bias_hh_l0[H:2H] = 0 (total B; rows i|f|g|o)."""
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[H : 2 * H] = bias
        lstm.bias_hh_l0[H : 2 * H] = 0.0


def build_model(
    task: str,
    cell: str,
    hidden: int,
    *,
    symbols: int = 8,
    forget_bias: float | None = 1.0,
    ablation: str = "none",
    seed: int = 0,
) -> MemoryNet:
    """A `MemoryNet` for `task`, every parameter uniform in +-1/sqrt(H) from a seeded generator."""
    check_int("hidden", hidden, 1)
    model = MemoryNet(cell, input_size(task, symbols), hidden, output_size(task, symbols), ablation)
    gen = torch.Generator().manual_seed(_derive_seed(seed, "init"))
    bound = 1.0 / math.sqrt(hidden)
    with torch.no_grad():
        for p in model.parameters():  # a fixed order: rnn's parameters, then the readout's
            p.uniform_(-bound, bound, generator=gen)
    if cell == "lstm" and forget_bias is not None:
        set_forget_bias(model.rnn, forget_bias)
    return model


def export_recurrent(model: MemoryNet) -> nn.Module:
    """The trained recurrent layer as a plain float64 `nn.RNN`/`nn.LSTM`/`nn.GRU` (batch_first),
    for `explainer.LSTM.from_torch(...)` and friends.

    "forget_one" and "no_output" become an `nn.LSTM` whose clamped gate has zero weights and bias
    `SATURATED_BIAS` (sigma(50) == 1.0 exactly); "coupled" has no `nn.LSTM` form: a ValueError.
    """
    src = model.rnn
    H, D = src.hidden_size, src.input_size
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[model.cell]
    out = cls(D, H, batch_first=True, dtype=torch.float64)
    if model.ablation == "coupled":
        raise ValueError(
            "the coupled LSTM (i = 1 - f) has no nn.LSTM form; trace it with "
            "AblatedLSTM.scan instead"
        )
    with torch.no_grad():
        for name, p in out.named_parameters():
            q = getattr(src, name)
            assert p.shape == q.shape, (name, p.shape, q.shape)
            p.copy_(q.double())
        block = {"forget_one": 1, "no_output": 3}.get(model.ablation)  # rows i|f|g|o
        if block is not None:
            rows = slice(block * H, (block + 1) * H)
            out.weight_ih_l0[rows] = 0.0
            out.weight_hh_l0[rows] = 0.0
            out.bias_ih_l0[rows] = SATURATED_BIAS
            out.bias_hh_l0[rows] = 0.0
    return out


def readout_arrays(model: MemoryNet) -> tuple[np.ndarray, np.ndarray]:
    """The readout as float64 arrays: W (O, H), b (O,); the prediction is W h_{T-1} + b."""
    return (
        model.readout.weight.detach().double().numpy().copy(),
        model.readout.bias.detach().double().numpy().copy(),
    )


def to_reference(model: MemoryNet) -> Any:
    """The trained recurrent layer loaded into the NumPy reference (`explainer.RNN/LSTM/GRU`)."""
    return MODELS[model.cell].from_torch(export_recurrent(model))


# -------------------------------------------------------------------------------- training


@dataclass
class MemoryConfig:
    """One training run. Defaults are the adding-problem preset (see `PRESETS`)."""

    task: str = "adding"  # "adding" or "recall"
    cell: str = "lstm"  # "rnn", "lstm" or "gru"
    lag: int = 100  # adding: sequence length T; recall: number of distractor steps L
    hidden: int = 64  # hidden units H
    batch: int = 64  # sequences per training step
    lr: float = 1e-2  # Adam learning rate
    clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    forget_bias: float | None = 1.0  # LSTM forget-gate bias B; None keeps the uniform init
    ablation: str = "none"  # LSTM only: "none", "forget_one", "no_output", "coupled"
    symbols: int = 8  # recall: alphabet size K
    seed: int = 0  # initialisation and data stream (the held-out batch is fixed: EVAL_SEED)
    budget_seconds: float | None = 60.0  # wall-clock budget per cell (None: steps only)
    max_steps: int | None = None  # step budget per cell (None: time only)
    eval_every: int = 25  # steps between evaluations (and between cells, when interleaved)
    eval_batch: int = 512  # size of the fixed held-out batch
    stop_when_solved: bool = True  # stop a cell as soon as its held-out metric is "solved"
    threads: int | None = 1  # torch.set_num_threads; None leaves torch's setting alone

    def validate(self) -> MemoryConfig:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}: expected one of {', '.join(TASKS)}")
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}: expected one of {', '.join(CELLS)}")
        if self.ablation not in ABLATIONS:
            raise ValueError(
                f"unknown ablation {self.ablation!r}: expected one of {', '.join(ABLATIONS)}"
            )
        if self.ablation != "none" and self.cell != "lstm":
            raise ValueError(f"ablation {self.ablation!r} applies to the LSTM only")
        check_int("lag", self.lag, 2 if self.task == "adding" else 1)
        for name, lo in (
            ("hidden", 1),
            ("batch", 1),
            ("symbols", 2),
            ("eval_every", 1),
            ("eval_batch", 1),
            ("seed", 0),
        ):
            check_int(name, getattr(self, name), lo)
        if self.forget_bias is not None and not math.isfinite(self.forget_bias):
            raise ValueError(f"forget_bias must be finite, got {self.forget_bias}")
        check_training(self.lr, self.clip, self.budget_seconds, self.max_steps, self.threads)
        return self


# The presets (the page's defaults and the CLI's). Evidence, measured on the 2-core sandbox with
# 1 torch thread while other developers' jobs shared the CPU (load average 1-5, so seconds move by
# 2x; the step counts do not: a seed gives the same run everywhere). assets/memory_sweep.json
# holds the sweep, benchmarks/memory.py reruns the check.
# adding, lag 100, hidden 64, batch 64, Adam lr 1e-2, clip 1, forget bias 1, 60 s per cell:
#   seed         0        1        2       (held-out MSE < 0.01; baseline 1/6 = 0.167)
#   LSTM      650 st   825 st   925 st    9.4-27 s across the benchmark and the sweep
#   GRU       250 st   250 st   250 st    7.6-27 s
#   RNN      0.169-0.200 after 60 s on all three seeds (2 runs each): at the baseline.
#   The same at lr 1e-3 (the setting), seed 0: LSTM 46.8 s, GRU 47.5 s: solved, but too
#   near 60 s to hold under load; lr 3e-3: 33.9 s, 17.8 s; the RNN stays at 0.166 / 0.171.
#   Forget bias 0 at the preset, seeds 0-2: solved in 675 / 600 / 775 steps (vs 650 / 825 / 925
#   with 1): at lag 100 it does not matter, as the issue found.
#   LSTM ablations at the preset, seed 0, 60 s: coupled (i = 1 - f) solved in 275 steps (13.8 s);
#   forget_one (0.167 after 993 steps) and no_output (0.182 after 1213 steps) did not. The
#   hand-written loop runs ~2.5x fewer steps per second than nn.LSTM, so compare steps too.
# What went the other way: at lr 1e-2 the plain RNN fails even lag 25 (0.183 after 60 s), so the
# preset's lr is hard on it; at lr 1e-3 it solves lag 25 (19 s) and lag 50 (58.6 s) but still not
# lag 100 (0.166): the contrast at lag 100 holds at both lrs. At lag 200 the LSTM (forget bias 1)
# stayed at 0.167 in 60 s (720 steps, machine loaded) while the GRU solved it in 325 steps.
# The recall preset is NOT measured yet: a starting point only (the issue saw the plain RNN win
# a recall variant at lag 100).
PRESETS: dict[str, MemoryConfig] = {
    "adding": MemoryConfig(
        task="adding",
        lag=100,
        hidden=64,
        batch=64,
        lr=1e-2,
        clip=1.0,
        forget_bias=1.0,
        budget_seconds=60.0,
    ),
    "recall": MemoryConfig(
        task="recall",
        lag=50,
        hidden=64,
        batch=64,
        lr=1e-3,
        clip=1.0,
        forget_bias=1.0,
        symbols=8,
        budget_seconds=60.0,
    ),
}


@dataclass(frozen=True)
class EvalPoint:
    step: int  # training steps done
    seconds: float  # this cell's own wall-clock seconds so far (training + evaluation)
    train_loss: float  # mean training loss over the steps since the previous point
    metric: float  # held-out MSE (adding) or accuracy (recall)


@dataclass(frozen=True)
class Progress:
    """What the callback receives after each evaluation."""

    cell: str
    step: int
    seconds: float
    train_loss: float
    metric: float
    solved: bool
    done: bool  # this cell has finished (solved, out of budget, or stopped)
    fraction: float  # of this cell's budget used, in [0, 1]


@dataclass
class RunResult:
    config: MemoryConfig
    baseline: Baseline
    history: list[EvalPoint] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    solved_at_step: int | None = None  # first evaluation at which the metric counted as solved
    solved_at_seconds: float | None = None
    stopped: bool = False  # should_stop() asked for it
    model: MemoryNet | None = None

    @property
    def final_metric(self) -> float:
        return self.history[-1].metric if self.history else float("nan")

    @property
    def solved(self) -> bool:
        return self.baseline.is_solved(self.final_metric)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: `final_mse` or `accuracy`, `baseline`, `solved`, `steps`, `seconds`..."""
        c = self.config
        key = "final_mse" if c.task == "adding" else "accuracy"
        return {
            "task": c.task,
            "cell": c.cell,
            "lag": c.lag,
            key: self.final_metric,
            "metric": self.baseline.metric,
            "baseline": self.baseline.value,
            "solved_threshold": self.baseline.solved_at,
            "solved": self.solved,
            "steps": self.steps,
            "seconds": round(self.seconds, 3),
            "solved_at_step": self.solved_at_step,
            "solved_at_seconds": None
            if self.solved_at_seconds is None
            else round(self.solved_at_seconds, 3),
            "stopped": self.stopped,
            "config": asdict(c),
            "history": [
                [p.step, round(p.seconds, 3), p.train_loss, p.metric] for p in self.history
            ],
        }


class _Run:
    """One cell's training state, advanced a chunk of steps at a time (so cells can interleave)."""

    def __init__(self, config: MemoryConfig) -> None:
        c = self.config = config
        self.model = build_model(
            c.task,
            c.cell,
            c.hidden,
            symbols=c.symbols,
            forget_bias=c.forget_bias,
            ablation=c.ablation,
            seed=c.seed,
        )
        self.opt = torch.optim.Adam(self.model.parameters(), lr=c.lr)
        self.data = torch.Generator().manual_seed(_derive_seed(c.seed, "data"))
        self.x_eval, self.y_eval = make_batch(
            c.task, c.eval_batch, c.lag, torch.Generator().manual_seed(EVAL_SEED), c.symbols
        )
        self.result = RunResult(c, baseline(c.task, c.symbols), model=self.model)
        self.done = False

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.config.task == "adding":
            return nn.functional.mse_loss(out, y)
        return nn.functional.cross_entropy(out, y)

    @torch.no_grad()
    def evaluate(self) -> float:
        self.model.eval()
        out = self.model(self.x_eval)
        self.model.train()
        if self.config.task == "adding":
            return float(nn.functional.mse_loss(out, self.y_eval))
        return float((out.argmax(dim=1) == self.y_eval).float().mean())

    def fraction(self) -> float:
        c, r = self.config, self.result
        f = 0.0
        if c.budget_seconds is not None:
            f = max(f, r.seconds / c.budget_seconds)
        if c.max_steps is not None:
            f = max(f, r.steps / c.max_steps)
        return min(f, 1.0)

    def advance(self, should_stop: Callable[[], bool]) -> Progress:
        """Up to `eval_every` steps (fewer at the end of the budget), then one evaluation."""
        c, r = self.config, self.result
        t0 = time.perf_counter()
        losses = []
        for _ in range(c.eval_every):
            if c.max_steps is not None and r.steps >= c.max_steps:
                break
            if (
                c.budget_seconds is not None
                and r.seconds + time.perf_counter() - t0 >= c.budget_seconds
            ):
                break
            if should_stop():  # polled before every step: a stop click costs no extra step
                r.stopped = True
                break
            x, y = make_batch(c.task, c.batch, c.lag, self.data, c.symbols)
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss(self.model(x), y)
            loss.backward()
            if c.clip > 0:
                nn.utils.clip_grad_norm_(self.model.parameters(), c.clip)
            self.opt.step()
            losses.append(loss.item())
            r.steps += 1
        metric = self.evaluate()
        r.seconds += time.perf_counter() - t0
        train_loss = float(np.mean(losses)) if losses else float("nan")
        r.history.append(EvalPoint(r.steps, r.seconds, train_loss, metric))
        solved = r.baseline.is_solved(metric)
        if solved and r.solved_at_step is None:
            r.solved_at_step, r.solved_at_seconds = r.steps, r.seconds
        out_of_budget = not losses or self.fraction() >= 1.0
        self.done = r.stopped or out_of_budget or (solved and c.stop_when_solved)
        return Progress(
            c.cell,
            r.steps,
            r.seconds,
            train_loss,
            metric,
            solved,
            self.done,
            1.0 if self.done else self.fraction(),
        )


def train(
    config: MemoryConfig,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Train one cell; returns its history, final metric, solved flag, steps and seconds."""
    return train_cells(config, (config.cell,), on_progress, should_stop)[config.cell]


def train_cells(
    config: MemoryConfig,
    cells: Iterable[str] = CELLS,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, RunResult]:
    """Train several cells on the same task, data stream and budget, round-robin.

    Each round gives every unfinished cell `eval_every` steps and one evaluation, then calls
    `on_progress`. Budgets are per cell (each cell's own clock), so the whole call takes up to
    len(cells) x budget_seconds. `should_stop()` is polled before every step; once true, every
    cell stops (results so far are returned, `stopped=True`). `config.cell` is ignored here
    except by `train`; `config.ablation` applies to the LSTM only.
    """
    cells = tuple(cells)
    for cell in cells:
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}: expected one of {', '.join(CELLS)}")
    runs = {}
    for cell in cells:
        ablation = config.ablation if cell == "lstm" else "none"
        runs[cell] = _Run(replace(config, cell=cell, ablation=ablation).validate())
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    stop = should_stop or (lambda: False)
    stopped = False
    while not all(run.done for run in runs.values()):
        for run in runs.values():
            if run.done:
                continue
            if stopped:  # another cell was stopped: finish this one without more steps
                run.result.stopped, run.done = True, True
                continue
            progress = run.advance(stop)
            stopped = stopped or run.result.stopped
            if on_progress is not None:
                on_progress(progress)
    return {cell: run.result for cell, run in runs.items()}


def outcome(results: dict[str, RunResult]) -> tuple[bool, str]:
    """Did this run show the lesson's contrast (gated cells solve it, the plain RNN does not)?

    Returns (as_expected, one plain English sentence) so a page can say so when it went the
    other way; "at the baseline" means a final MSE >= 0.8 x 1/6 (adding) or accuracy <= 1.5/K.
    """
    parts, as_expected = [], True
    for cell, r in results.items():
        b, m = r.baseline, r.final_metric
        name = {"rnn": "the plain RNN", "lstm": "the LSTM", "gru": "the GRU"}[cell]
        flat = m >= 0.8 * b.value if b.metric == "mse" else m <= 1.5 * b.value
        if cell == "rnn":
            state = (
                "solved it"
                if r.solved
                else ("stayed at the baseline" if flat else "learned part of it")
            )
            as_expected &= not r.solved
        else:
            state = "solved it" if r.solved else "did not solve it"
            as_expected &= r.solved
        parts.append(f"{name} {state} ({b.metric} {m:.3f})")
    head = "As the lesson says: " if as_expected else "This run went the other way: "
    tail = f"; the baseline is {results[next(iter(results))].baseline.value:.3f}."
    return as_expected, head + ", ".join(parts) + tail


# ----------------------------------------------------------------------------------- sweep


def machine_note(threads: int | None) -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "threads": threads if threads is not None else torch.get_num_threads(),
        "python": platform.python_version(),
        "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()],  # others' work too
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def run_sweep(
    base: MemoryConfig,
    lags: Iterable[int],
    seeds: Iterable[int],
    cells: Iterable[str] = CELLS,
    extra_seeds: dict[int, list[int]] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Longest lag solved: every (lag, cell, seed) trained once with `base`'s budget.

    `extra_seeds` maps a lag to more seeds to run there (e.g. at the preset lag). A cell's
    `longest_lag_solved` is the largest lag at which it solved the task on every seed run.
    """
    lags, seeds, cells = sorted(set(lags)), list(seeds), tuple(cells)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    extra_seeds = extra_seeds or {}
    points = []
    for lag in lags:
        for seed in seeds + [s for s in extra_seeds.get(lag, []) if s not in seeds]:
            for cell in cells:
                c = replace(
                    base,
                    cell=cell,
                    lag=lag,
                    seed=seed,
                    ablation=base.ablation if cell == "lstm" else "none",
                )
                r = train(c)
                s = r.summary()
                point = {
                    k: s[k]
                    for k in ("cell", "lag", "solved", "steps", "seconds", "solved_at_seconds")
                }
                point.update(
                    seed=seed,
                    metric=r.final_metric,
                    best_metric=min(p.metric for p in r.history)
                    if r.baseline.metric == "mse"
                    else max(p.metric for p in r.history),
                )
                points.append(point)
                if log is not None:
                    log(
                        f"lag {lag:4d} seed {seed} {cell:4s} {r.baseline.metric} "
                        f"{r.final_metric:.4f} solved={r.solved} steps={r.steps} "
                        f"{r.seconds:.1f}s"
                    )
    longest: dict[str, int | None] = {}
    for cell in cells:
        ok = [
            lag
            for lag in lags
            if all(p["solved"] for p in points if p["cell"] == cell and p["lag"] == lag)
        ]
        longest[cell] = max(ok) if ok else None
    b = baseline(base.task, base.symbols)
    return {
        "task": base.task,
        "metric": b.metric,
        "baseline": b.value,
        "solved_threshold": b.solved_at,
        "lags": lags,
        "cells": list(cells),
        "seeds": seeds,
        "extra_seeds": {str(k): v for k, v in extra_seeds.items()},
        "budget_seconds": base.budget_seconds,
        "max_steps": base.max_steps,
        "config": asdict(base),
        "machine": {**machine_note(base.threads), "started": started},
        "longest_lag_solved": longest,
        "points": points,
    }


# ------------------------------------------------------------------------------------- CLI


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """`python -m explainer memory ...`; unset options take the task's preset (`PRESETS`)."""
    parser.description = "Train RNN/LSTM/GRU on a long-lag memory task (unset options: the preset)."
    a = parser.add_argument
    a("--task", choices=TASKS, default="adding")
    a("--cell", choices=CELLS, default="lstm")
    a("--lag", type=int, help="adding: sequence length T; recall: distractor steps L")
    a("--budget-seconds", type=float, help="wall-clock budget per cell")
    a("--max-steps", type=int, help="step budget per cell")
    a("--hidden", type=int)
    a("--batch", type=int)
    a("--lr", type=float)
    a("--clip", type=float, help="max gradient norm (0: off)")
    a(
        "--forget-bias",
        type=_float_or_none,
        default=_UNSET,
        help="LSTM forget-gate bias, or 'none' (uniform init)",
    )
    a("--ablation", choices=ABLATIONS)
    a("--symbols", type=int, help="recall: alphabet size K")
    a("--seed", type=int)
    a("--threads", type=int, help="torch threads (default 1)")
    a("--json", action="store_true", help="print one JSON object")
    a("--sweep", action="store_true", help="run the longest-lag-solved sweep, write its JSON")
    a("--lags", type=_int_list, default=[25, 50, 100, 200], help="sweep lags, e.g. 25,50,100,200")
    a("--seeds", type=_int_list, default=[0], help="sweep seeds at every lag")
    a("--preset-seeds", type=_int_list, default=[0, 1, 2], help="sweep seeds at the preset lag")
    a("--cells", type=_cell_list, default=list(CELLS), help="sweep cells, e.g. rnn,lstm,gru")
    a("--out", type=Path, help=f"sweep output (default {SWEEP_PATH})")
    a(
        "--append",
        action="store_true",
        help="add this sweep to the output file's `extra_sweeps` instead of replacing the file",
    )

    def error(message: str) -> None:  # one line, exit 2, no usage block
        print(f"python -m explainer memory: error: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


def config_from_args(args: argparse.Namespace) -> MemoryConfig:
    preset = PRESETS[args.task]
    fields = {
        "lag": args.lag,
        "budget_seconds": args.budget_seconds,
        "max_steps": args.max_steps,
        "hidden": args.hidden,
        "batch": args.batch,
        "lr": args.lr,
        "clip": args.clip,
        "ablation": args.ablation,
        "symbols": args.symbols,
        "seed": args.seed,
        "threads": args.threads,
    }
    c = replace(preset, cell=args.cell, **{k: v for k, v in fields.items() if v is not None})
    if args.forget_bias is not _UNSET:
        c = replace(c, forget_bias=args.forget_bias)
    if args.max_steps is not None and args.budget_seconds is None:
        c = replace(c, budget_seconds=None)  # a step budget alone
    return c.validate()


def cli(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
        if args.sweep:
            return _cli_sweep(args, config)
        result = train(config)
    except ValueError as e:
        print(f"python -m explainer memory: error: {e}", file=sys.stderr)
        return 2
    s = result.summary()
    if args.json:
        print(json.dumps(s))
    else:
        b = result.baseline
        print(
            f"{config.task} lag {config.lag} {config.cell}: {b.metric} {result.final_metric:.4f} "
            f"(baseline {b.value:.4f}, solved {'yes' if result.solved else 'no'}) "
            f"in {result.steps} steps, {result.seconds:.1f} s"
        )
    return 0


def _cli_sweep(args: argparse.Namespace, config: MemoryConfig) -> int:
    preset_lag = PRESETS[config.task].lag
    lags = sorted(set(args.lags))
    for lag in lags:
        replace(config, lag=lag).validate()
    extra = {preset_lag: args.preset_seeds} if preset_lag in lags else {}
    out = args.out or SWEEP_PATH
    if args.append and not out.exists():
        raise ValueError(f"--append needs an existing sweep file, and {out} does not exist")
    result = run_sweep(
        config,
        lags,
        args.seeds,
        cells=args.cells,
        extra_seeds=extra,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    command = " ".join(sys.argv[1:]) if sys.argv[1:2] == ["memory"] else "memory --sweep ..."
    result["note"] = (
        f"Produced by `python -m explainer {command}` on "
        f"{result['machine']['platform']}, {result['machine']['cpu_count']} CPUs shared with "
        f"other work, torch {torch.__version__}, {config.threads} thread(s). Each point trains "
        f"one cell from scratch with a {config.budget_seconds} s wall-clock budget and stops as "
        f"soon as the held-out {result['metric']} counts as solved; seconds are that cell's own "
        "wall clock, so they vary with the machine's load. Regenerate with the same command."
    )
    if args.append:
        main = json.loads(out.read_text())
        main.setdefault("extra_sweeps", []).append(result)
        result = main
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps({"out": str(out), "longest_lag_solved": result["longest_lag_solved"]}))
    else:
        print(f"wrote {out}: longest lag solved {result['longest_lag_solved']}")
    return 0


# --------------------------------------------------------------------------------- helpers

_UNSET = object()


def _float_or_none(text: str) -> float | None:
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 25,50, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def _cell_list(text: str) -> list[str]:
    cells = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in cells if c not in CELLS]
    if bad or not cells:
        raise argparse.ArgumentTypeError(f"expected cells from {','.join(CELLS)}, got {text!r}")
    return cells


def _derive_seed(seed: int, stream: str) -> int:
    """An independent 63-bit seed for each named stream ("init", "data") of a run's seed."""
    key = {"init": 0, "data": 1}[stream]
    return int(np.random.SeedSequence([seed, key]).generate_state(1, np.uint64)[0] >> np.uint64(1))
