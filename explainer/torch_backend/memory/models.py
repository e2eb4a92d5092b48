"""The memory lab's networks: a recurrent layer and a linear readout of its last hidden state.

Models: `nn.RNN` (tanh) / `nn.LSTM` / `nn.GRU`, one layer, batch_first, then a linear readout of
the last hidden state. Every parameter starts uniform in +-1/sqrt(H), drawn from a generator
seeded by the run's seed (never global state). The LSTM's forget-gate bias can be set: a forget
bias B sets the f rows (`gate_rows("lstm", "f", H)`) of `bias_ih_l0` to B and of `bias_hh_l0` to 0,
so the gate's total bias is exactly B at the start (f = σ(B) ≈ 0.73 for B = 1, vs ≈ 0.5 for
B = 0). `forget_bias=None` keeps the uniform initialisation.

LSTM ablations ("forget_one", "no_output", "coupled": `explainer.cells` states their equations)
run in `AblatedLSTM`, a hand-written loop over time with PyTorch's equations. With "standard" it
equals `nn.LSTM` (tested); `build_model` uses `nn.LSTM` itself then, as it is faster.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from explainer.cells import CELLS, LSTM_VARIANTS, gate_rows
from explainer.models import MODELS
from explainer.torch_backend import build_torch_rnn, check_int
from explainer.torch_backend.memory.tasks import derive_seed, input_size, output_size

ABLATIONS = LSTM_VARIANTS  # "standard" is nn.LSTM itself
SATURATED_BIAS = 50.0  # sigma(50) == 1.0 exactly in float32 and float64: a gate clamped to 1


class AblatedLSTM(nn.Module):
    """A one-layer, batch-first LSTM as a Python loop over time, so single gates can be clamped.

    Parameters carry `nn.LSTM`'s names and shapes (`weight_ih_l0` (4H, D), `weight_hh_l0` (4H, H),
    `bias_ih_l0`, `bias_hh_l0` (4H,), rows i|f|g|o), and `forward` returns what `nn.LSTM` returns.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        ablation: str = "standard",
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
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        output_size: int,
        ablation: str = "standard",
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}: expected one of {', '.join(CELLS)}")
        if ablation != "standard" and cell != "lstm":
            raise ValueError(f"ablation {ablation!r} applies to the LSTM only, not to {cell!r}")
        self.cell, self.ablation = cell, ablation
        self.rnn: nn.Module
        if ablation == "standard":
            self.rnn = build_torch_rnn(cell, input_size, hidden_size, dtype=torch.float32)
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
        lstm.bias_ih_l0[gate_rows("lstm", "f", H)] = bias
        lstm.bias_hh_l0[gate_rows("lstm", "f", H)] = 0.0


def build_model(
    task: str,
    cell: str,
    hidden: int,
    *,
    symbols: int = 8,
    forget_bias: float | None = 1.0,
    ablation: str = "standard",
    seed: int = 0,
) -> MemoryNet:
    """A `MemoryNet` for `task`, every parameter uniform in +-1/sqrt(H) from a seeded generator."""
    check_int("hidden", hidden, 1)
    model = MemoryNet(cell, input_size(task, symbols), hidden, output_size(task, symbols), ablation)
    gen = torch.Generator().manual_seed(derive_seed(seed, "init"))
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
    out = build_torch_rnn(model.cell, D, H, dtype=torch.float64)
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
        clamped = {"forget_one": "f", "no_output": "o"}.get(model.ablation)
        if clamped is not None:
            rows = gate_rows("lstm", clamped, H)
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
