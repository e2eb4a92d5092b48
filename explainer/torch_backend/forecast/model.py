"""The forecaster: stacked recurrent layers and a linear head, Keras' initialisation, its RMSprop.

    x (B, W, 1) -> LSTM(50), all steps (B, W, 50) -> Dropout(0.2) -> LSTM(100), last step (B, 100)
                -> Dropout(0.2) -> Linear(100, h) -> y_hat (B, h)

RMSprop as Keras computes it: v <- rho v + (1 - rho) g^2, w <- w - lr g / sqrt(v + eps) (rho 0.9,
eps 1e-7); `torch.optim.RMSprop` puts eps outside the root and defaults to alpha 0.99.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from explainer.cells import gate_rows
from explainer.models import MODELS
from explainer.torch_backend import build_torch_rnn
from explainer.torch_backend.forecast.config import ForecastConfig


class Forecaster(nn.Module):
    """Stacked single-layer recurrent modules with dropout between, then a linear head."""

    def __init__(
        self,
        cell: str = "lstm",
        hidden: tuple[int, ...] = (50, 100),
        dropout: float = 0.2,
        horizon: int = 1,
        input_size: int = 1,
    ) -> None:
        super().__init__()
        sizes = (input_size, *hidden)
        # one module per layer (not num_layers=L) so each layer can differ in size, as in the recipe
        self.rnns = nn.ModuleList(
            build_torch_rnn(cell, a, b, dtype=torch.float32)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden[-1], horizon)
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, W, D) -> predictions (B, h)."""
        for rnn in self.rnns[:-1]:
            x, _ = rnn(x)  # (B, W, H_k): every step feeds the next layer
            x = self.drop(x)
        x, _ = self.rnns[-1](x)  # (B, W, H_L)
        # the last step only, as Keras' LSTM(return_sequences=False): no dropout on unused steps
        return self.head(self.drop(x[:, -1]))  # (B, h)


@torch.no_grad()
def keras_init_(model: Forecaster) -> Forecaster:
    """Keras' defaults: Glorot-uniform kernels, orthogonal recurrent kernels, zero biases, and the
    LSTM forget-gate bias 1 (`unit_forget_bias`). Keras has one bias per gate; torch's two are
    summed, so the 1 goes into `bias_ih` only."""
    for rnn in model.rnns:
        H = rnn.hidden_size
        nn.init.xavier_uniform_(rnn.weight_ih_l0)  # (G H, D): fan_in D, fan_out G H as Keras
        nn.init.orthogonal_(rnn.weight_hh_l0)  # (G H, H), orthonormal columns
        nn.init.zeros_(rnn.bias_ih_l0)
        nn.init.zeros_(rnn.bias_hh_l0)
        if isinstance(rnn, nn.LSTM):
            rnn.bias_ih_l0[gate_rows("lstm", "f", H)] = 1.0
    nn.init.xavier_uniform_(model.head.weight)
    nn.init.zeros_(model.head.bias)
    return model


def build_model(config: ForecastConfig, *, device: torch.device | str | None = None) -> Forecaster:
    """A freshly initialised model for these settings (seed the RNGs first for reproducibility)."""
    model = architecture(config)
    if config.init == "keras":
        keras_init_(model)
    return model.to(device) if device is not None else model


def architecture(config: ForecastConfig) -> Forecaster:
    """The model these settings describe, with torch's default initialisation (no cost on the
    meta device) and its second biases frozen where Keras has one bias per gate."""
    model = Forecaster(config.cell, config.hidden, config.dropout, config.horizon)
    if config.one_bias and config.cell in ("lstm", "rnn"):
        # Keras' LSTM and SimpleRNN have one bias per gate. torch's b_ih + b_hh would each take a
        # full RMSprop step (about lr, whatever the gradient's size), so the sum would move twice as
        # fast. Keras' GRU (reset_after=True) has both biases, as torch does.
        for rnn in model.rnns:
            with torch.no_grad():
                rnn.bias_hh_l0.zero_()
            rnn.bias_hh_l0.requires_grad_(False)
    return model


class KerasRMSprop(torch.optim.Optimizer):
    """RMSprop as Keras 3 computes it: v <- rho v + (1 - rho) g^2, w <- w - lr g / sqrt(v + eps)."""

    def __init__(self, params, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-7) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if not state:
                    state["v"] = torch.zeros_like(p)
                v = state["v"]
                v.mul_(rho).addcmul_(g, g, value=1 - rho)
                p.addcdiv_(g, (v + eps).sqrt_(), value=-lr)
        return loss


def make_optimiser(config: ForecastConfig, params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
    """The configured optimiser over the parameters that train (frozen biases are left out)."""
    params = [p for p in params if p.requires_grad]
    if config.optimiser == "rmsprop":
        return KerasRMSprop(params, lr=config.lr, rho=config.rho, eps=config.eps)
    if config.optimiser == "adam":
        return torch.optim.Adam(params, lr=config.lr, eps=config.eps)
    return torch.optim.SGD(params, lr=config.lr)


def unwrap(model: nn.Module) -> Forecaster:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def first_layer(model: nn.Module, dtype: torch.dtype | None = None) -> nn.Module:
    """A CPU copy of the first recurrent layer as a plain `nn.LSTM`/`nn.GRU`/`nn.RNN`
    (batch_first=True, input size 1), for `explainer.LSTM.from_torch` and friends."""
    layer = copy.deepcopy(unwrap(model).rnns[0]).cpu().eval()
    return layer.to(dtype) if dtype is not None else layer


@dataclass(frozen=True)
class ReferenceLayer:
    """The trained first recurrent layer twice: in the NumPy reference and as a float64 torch
    copy, so that a page can show that the two agree on the window it replays."""

    reference: Any  # explainer.RNN / LSTM / GRU holding the trained weights
    layer: nn.Module = field(repr=False)  # the same weights in float64 torch, CPU, eval mode

    def parity(self, x: np.ndarray, h: np.ndarray) -> float:
        """max |h_torch - h| over one window: x (W, D) its inputs, h (W, H) the reference's
        output for them (`reference.forward(x).h`)."""
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))[None]  # (1, W, D)
        with torch.no_grad():
            h_torch, _ = self.layer(xt)  # (1, W, H)
        return float(np.max(np.abs(h_torch[0].numpy() - np.asarray(h))))


def reference_layer(model: nn.Module) -> ReferenceLayer:
    """The first recurrent layer of a trained forecaster loaded into the NumPy reference."""
    layer = first_layer(model, torch.float64)
    return ReferenceLayer(MODELS[unwrap(model).cell].from_torch(layer), layer)
