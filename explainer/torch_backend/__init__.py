"""The PyTorch backend: the only part of `explainer` that imports torch.

Submodules: `forecast` (the seed's stacked-LSTM time-series recipe), `memory` (long-lag tasks).
Shared helpers live here.
"""

from __future__ import annotations

import random

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
    """An `nn.RNN`/`nn.LSTM`/`nn.GRU` with the given sizes (used by `explainer.models.to_torch`)."""
    kw = dict(num_layers=num_layers, batch_first=batch_first, dtype=dtype)
    if cell == "rnn":
        return torch.nn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, **kw)
    if cell == "lstm":
        return torch.nn.LSTM(input_size, hidden_size, **kw)
    if cell == "gru":
        return torch.nn.GRU(input_size, hidden_size, **kw)
    raise ValueError(f"unknown cell {cell!r}: expected 'rnn', 'lstm' or 'gru'")
