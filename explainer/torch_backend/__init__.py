"""The PyTorch backend: the only part of `explainer` that imports torch.

Submodules: `forecast` (the seed's stacked-LSTM time-series recipe), `memory` (a package: the
long-lag tasks, their networks, training and sweep), `text` (the character-level lab) and `cli`
(the `python -m explainer` subcommands).
Shared helpers live here: devices, threads, and `to_torch`, the way from the NumPy reference to
`torch.nn` (the way back, `Model.from_torch`, needs no torch import and stays on the model).
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import torch


def pick_device(name: str | None = None) -> torch.device:
    """CUDA when asked for or available, else CPU; asking for CUDA without one is a ValueError."""
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            "CUDA was asked for, but no CUDA device is available here; use --device cpu"
        )
    if name not in ("cpu",) and not name.startswith("cuda"):
        raise ValueError(f"unknown device {name!r}: expected 'cpu', 'cuda' or 'auto'")
    return torch.device(name)


def available_devices() -> list[str]:
    """The devices a page offers, best first: ["cuda", "cpu"] where CUDA is available, else ["cpu"]."""
    return ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]


def set_threads(n: int) -> None:
    """Limit torch's CPU threads in this process (intra-op), e.g. one per training student."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the thread count must be a positive integer, got {n!r}")
    torch.set_num_threads(n)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; returns a CPU generator for data shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 -- third-party code may still read global state
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def build_torch_rnn(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    *,
    nonlinearity: str = "tanh",
    dtype: torch.dtype = torch.float64,
    batch_first: bool = True,
) -> torch.nn.Module:
    """An `nn.RNN`/`nn.LSTM`/`nn.GRU` with the given sizes: the one place a cell's name becomes
    a torch module (`to_torch`, and the forecast, memory and text backends)."""
    kw = dict(num_layers=num_layers, batch_first=batch_first, dtype=dtype)
    if cell == "rnn":
        return torch.nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, **kw)
    if cell == "lstm":
        return torch.nn.LSTM(input_size, hidden_size, **kw)
    if cell == "gru":
        return torch.nn.GRU(input_size, hidden_size, **kw)
    raise ValueError(f"unknown cell {cell!r}: expected 'rnn', 'lstm' or 'gru'")


def to_torch(model: Any, batch_first: bool = True) -> torch.nn.Module:
    """The float64 `nn.RNN`/`nn.LSTM`/`nn.GRU` equivalent to a NumPy reference model
    (`explainer.RNN/LSTM/GRU`, standard variant only), its parameters copied in."""
    if model.variant != "standard":
        raise ValueError(f"the {model.variant!r} variant has no torch.nn equivalent")
    module = build_torch_rnn(
        model.cell,
        model.input_size,
        model.hidden_size,
        model.num_layers,
        nonlinearity=getattr(model, "nonlinearity", "tanh"),
        batch_first=batch_first,
    )
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(model.params[name]))
    return module


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> None:
    """A config field that must be a whole number in [lo, hi] (bool is not a number here)."""
    bad = isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo
    if bad or (hi is not None and value > hi):
        span = f">= {lo}" if hi is None else f"from {lo} to {hi}"
        raise ValueError(f"{name} must be an integer {span}, got {value!r}")


def check_training(
    lr: float,
    clip: float,
    budget_seconds: float | None,
    max_steps: int | None,
    threads: int | None,
) -> None:
    """The checks every trainer's config shares: learning rate, clipping and the budget."""
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive number, got {lr}")
    if not (clip >= 0 and math.isfinite(clip)):
        raise ValueError(f"clip must be >= 0 (0 turns it off), got {clip}")
    if budget_seconds is None and max_steps is None:
        raise ValueError("give a budget: budget_seconds, max_steps or both")
    if budget_seconds is not None and not budget_seconds > 0:
        raise ValueError(f"budget_seconds must be > 0, got {budget_seconds}")
    if max_steps is not None:
        check_int("max_steps", max_steps, 1)
    if threads is not None:
        check_int("threads", threads, 1)
