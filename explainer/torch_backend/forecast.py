"""The seed's application: forecasting a series with stacked recurrent layers, in PyTorch.

The model is the classic Keras recipe, layer for layer (defaults in `ForecastConfig`):

    x (B, W, 1) -> LSTM(50), all steps (B, W, 50) -> Dropout(0.2) -> LSTM(100), last step (B, 100)
                -> Dropout(0.2) -> Linear(100, h) -> y_hat (B, h)

trained on mean squared error with RMSprop as Keras computes it,

    v <- rho v + (1 - rho) g^2          w <- w - lr g / sqrt(v + eps)     (rho 0.9, eps 1e-7)

(`torch.optim.RMSprop` puts eps outside the root and defaults to alpha 0.99; `KerasRMSprop` below
does not), and with Keras' weight initialisation (Glorot-uniform input weights, orthogonal recurrent
weights, zero biases, LSTM forget-gate bias 1), so that a run here matches the seed's Keras code.

Predictions (`explainer.data` explains the windows and normalisations):
    point-by-point   each test window predicts its next value(s) from true inputs
    full-sequence    one recursive run from the first test window: each prediction is appended to
                     the window and fed back, the oldest value dropped, until the series ends
    multi-sequence   recursive runs of `length` steps started every `length` windows
The recursion runs in original units and normalises each new window as training did (the seed's
code kept the first window's frame; for min-max, z-score and none the two are identical). Each mode
reports RMSE and MAE in normalised and original units beside the persistence baseline (repeat the
last known value).

Under `torchrun --nproc_per_node=N` the same entry point trains with DistributedDataParallel (gloo
on CPU, NCCL on GPUs); each process takes its share of the shuffled training windows through a
`DistributedSampler` (batch size per process), and only rank 0 prints.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from explainer import data as D
from explainer.models import MODELS
from explainer.torch_backend import (  # available_devices: for the page, beside the rest
    available_devices,  # noqa: F401
    pick_device,
    seed_everything,
    set_threads,
)

CELLS = ("lstm", "gru", "rnn")
OPTIMISERS = ("rmsprop", "adam", "sgd")
INITS = ("keras", "torch")
MODES = ("point", "full", "multi")


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Limits:
    """What a forecaster may be: one table for the page's widgets and its shared links, for
    `ForecastConfig.validate` (the command line, the page, the settings of every weights file) and
    for the values of loaded weights. Every run a student can start is bounded work."""

    window: tuple[int, int] = (2, 1000)  # input steps per window
    horizon: tuple[int, int] = (1, 100)  # values predicted after each window
    units: tuple[int, int] = (1, 1024)  # hidden units of each recurrent layer
    layers: tuple[int, int] = (1, 4)  # stacked recurrent layers
    epochs: tuple[int, int] = (1, 200)
    batch_size: tuple[int, int] = (1, 4096)
    seed: tuple[int, int] = (0, 99_999)
    dropout: tuple[float, float] = (0.0, 0.9)
    # the largest |weight| a loaded file may hold. Trained weights of this recipe stay within
    # about +-10 (RMSprop and Adam move a weight by about lr per step); a file beyond 1e6 is not
    # a model but a diverged run or a damaged file, whose float32 outputs would overflow
    weight: float = 1e6


LIMITS = Limits()


@dataclass
class ForecastConfig:
    """Every setting of a forecast run; the defaults are the seed's Keras recipe."""

    window: int = 50  # input steps per window (the recipe's sequence length)
    horizon: int = 1  # values predicted after each window
    normalise: str = "window"  # p_i / p_0 - 1 per window; or "minmax", "zscore", "none"
    split: float = 0.9  # chronological fraction of windows that train
    val: float = 0.05  # last fraction of training windows that validate (Keras)
    hidden: tuple[int, ...] = (50, 100)  # hidden size of each stacked recurrent layer
    dropout: float = 0.2  # dropout after every recurrent layer
    cell: str = "lstm"  # "lstm", "gru" or "rnn" (tanh)
    init: str = "keras"  # Keras' initialisers, or "torch" (uniform +-1/sqrt(H))
    one_bias: bool = True  # LSTM/RNN: b_hh stays 0, one trained bias per gate as in
    # Keras (two would double RMSprop's step on the biases)
    optimiser: str = "rmsprop"  # "rmsprop" (as Keras), "adam" or "sgd"
    lr: float = 1e-3  # learning rate (Keras' RMSprop default)
    rho: float = 0.9  # RMSprop decay (torch calls it alpha, default 0.99)
    eps: float = 1e-7  # RMSprop/Adam epsilon (Keras' default; inside the root)
    batch_size: int = 50  # windows per optimiser step (per process under DDP)
    epochs: int = 20  # passes over the training windows
    seed: int = 0  # seeds weights, dropout and shuffling
    device: str = "auto"  # "auto" (CUDA when available), "cpu" or "cuda"

    def __post_init__(self) -> None:
        # whole numbers become ints; anything else stays as given, for `validate` to name
        sizes = tuple(self.hidden) if isinstance(self.hidden, (list, tuple)) else (self.hidden,)
        self.hidden = tuple(
            int(h) if isinstance(h, (int, np.integer)) and not isinstance(h, bool) else h
            for h in sizes
        )

    def validate(self) -> ForecastConfig:
        """Raise a ValueError naming the first bad setting; return self."""

        def bad(msg: str) -> None:
            raise ValueError(msg)

        if self.cell not in CELLS:
            bad(f"unknown cell {self.cell!r}: expected one of {', '.join(CELLS)}")
        if self.optimiser not in OPTIMISERS:
            bad(f"unknown optimiser {self.optimiser!r}: expected one of {', '.join(OPTIMISERS)}")
        if self.normalise not in D.NORMALISATIONS:
            bad(
                f"unknown normalisation {self.normalise!r}: "
                f"expected one of {', '.join(D.NORMALISATIONS)}"
            )
        if self.init not in INITS:
            bad(f"unknown init {self.init!r}: expected one of {', '.join(INITS)}")
        (n_lo, n_hi), (h_lo, h_hi) = LIMITS.layers, LIMITS.units
        if not (
            n_lo <= len(self.hidden) <= n_hi
            and all(_whole(h) and h_lo <= h <= h_hi for h in self.hidden)
        ):
            bad(
                f"hidden sizes must be {n_lo} to {n_hi} whole numbers from {h_lo} to {h_hi}, "
                f"got {list(self.hidden)}"
            )
        for name in ("window", "horizon", "batch_size", "epochs", "seed"):
            v, (lo, hi) = getattr(self, name), getattr(LIMITS, name)
            if not (_whole(v) and lo <= v <= hi):
                bad(f"{name} must be an integer from {lo} to {hi}, got {v!r}")
        if not isinstance(self.one_bias, bool):
            bad(f"one_bias must be true or false, got {self.one_bias!r}")
        lo, hi = LIMITS.dropout
        if not (_number(self.dropout) and lo <= self.dropout <= hi):
            bad(f"dropout must lie in [{lo:g}, {hi:g}], got {self.dropout!r}")
        if not (_number(self.lr) and self.lr > 0 and math.isfinite(self.lr)):
            bad(f"the learning rate must be positive, got {self.lr!r}")
        if not (_number(self.rho) and 0 <= self.rho < 1):
            bad(f"rho must lie in [0, 1), got {self.rho!r}")
        if not (_number(self.eps) and self.eps > 0 and math.isfinite(self.eps)):
            bad(f"eps must be positive, got {self.eps!r}")
        if not all(_number(f) for f in (self.split, self.val)):
            bad(f"split and val must be fractions, got {self.split!r} and {self.val!r}")
        if not isinstance(self.device, str):
            bad(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")
        D.split_counts(10_000, 1, self.split, self.val)  # checks both fractions
        pick_device(self.device)
        return self

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    def to_json(self) -> str:
        """The settings as JSON (the run's 'settings' download)."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> ForecastConfig:
        if not isinstance(d, dict):
            raise ValueError("settings must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        try:
            return cls(**d).validate()
        except TypeError as e:
            raise ValueError(f"bad settings: {e}") from None

    @classmethod
    def from_json(cls, text: str | bytes) -> ForecastConfig:
        """Settings from JSON; a ValueError for malformed JSON, unknown keys or bad values."""
        try:
            d = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"the settings are not valid JSON: {e}") from None
        return cls.from_dict(d)


def _whole(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ----------------------------------------------------------------------------- model


def _recurrent(cell: str, input_size: int, hidden_size: int) -> nn.Module:
    kind = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
    return kind(input_size, hidden_size, batch_first=True)


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
            _recurrent(cell, a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
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
            rnn.bias_ih_l0[H : 2 * H] = 1.0  # rows i f g o: f is the second block
    nn.init.xavier_uniform_(model.head.weight)
    nn.init.zeros_(model.head.bias)
    return model


def build_model(config: ForecastConfig, *, device: torch.device | str | None = None) -> Forecaster:
    """A freshly initialised model for these settings (seed the RNGs first for reproducibility)."""
    model = _architecture(config)
    if config.init == "keras":
        keras_init_(model)
    return model.to(device) if device is not None else model


def _architecture(config: ForecastConfig) -> Forecaster:
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


def make_optimiser(config: ForecastConfig, params) -> torch.optim.Optimizer:
    """The configured optimiser over the parameters that train (frozen biases are left out)."""
    params = [p for p in params if p.requires_grad]
    if config.optimiser == "rmsprop":
        return KerasRMSprop(params, lr=config.lr, rho=config.rho, eps=config.eps)
    if config.optimiser == "adam":
        return torch.optim.Adam(params, lr=config.lr, eps=config.eps)
    return torch.optim.SGD(params, lr=config.lr)


# ----------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Progress:
    """What a training callback receives: after reported batches, and at the end of each epoch."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # batches done in this epoch
    batches: int  # batches per epoch
    loss: float  # mean training loss of this epoch so far (normalised units squared)
    val_loss: float | None  # validation loss, only at the end of an epoch with validation windows
    end_of_epoch: bool
    # the model being trained (unwrapped from DDP), so that a callback can copy its weights
    model: nn.Module | None = field(default=None, repr=False, compare=False)


@dataclass
class TrainResult:
    model: Forecaster  # the trained model (unwrapped from DDP), in eval mode
    history: list[dict] = field(default_factory=list)  # per epoch: epoch, loss, val_loss, seconds
    train_seconds: float = 0.0  # optimisation and validation only
    stopped: bool = False  # `should_stop` ended it early
    device: str = "cpu"
    world_size: int = 1

    @property
    def epochs(self) -> int:
        return len(self.history)


def _dist() -> tuple[int, int]:
    """(rank, world size) of an initialised process group, else (0, 1)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _tensors(w: D.Windows, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(w.x, dtype=torch.float32, device=device).unsqueeze(-1)  # (N, W, 1)
    y = torch.as_tensor(w.y, dtype=torch.float32, device=device)  # (N, h)
    return x, y


def train(
    config: ForecastConfig,
    data: D.ForecastData,
    *,
    callback: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_every: int = 0,
    model: Forecaster | None = None,
) -> TrainResult:
    """Fit a model on `data.train`, validating on `data.val` after every epoch.

    `callback(progress)` is called every `report_every` batches (0: never mid-epoch) and at the end
    of each epoch; each report costs one device-to-host copy, so the loop never syncs otherwise.
    `should_stop()` is polled before every batch; when it returns True training ends after the
    current batch (under DDP it must answer the same on every process). The model is seeded from
    `config.seed` and built here unless one is given; callbacks get it as `progress.model`. (A given
    model leaves the weights to the caller, so the same seed then draws other dropout masks.)
    """
    config.validate()
    for name in ("window", "horizon", "normalise"):
        if getattr(data, name) != getattr(config, name):
            raise ValueError(
                f"the windows were cut with {name} {getattr(data, name)!r} but the "
                f"settings say {getattr(config, name)!r}; prepare them again"
            )
    rank, world = _dist()
    device = pick_device(config.device)
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    seed_everything(config.seed)  # weights and dropout draw from the global stream
    # shuffling gets its own stream: seeded alike, mt19937 would replay dropout's draws as the order
    shuffle_seed = int(np.random.SeedSequence([config.seed, 1]).generate_state(1)[0])
    generator = torch.Generator().manual_seed(shuffle_seed)
    if model is None:
        model = build_model(config)
    model.to(device)
    net: nn.Module = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    opt = make_optimiser(config, net.parameters())
    loss_fn = nn.MSELoss()

    x_fit, y_fit = _tensors(data.train, device)  # built once, indexed per batch
    x_val, y_val = _tensors(data.val, device)
    n = len(x_fit)
    if world > 1:
        sampler = torch.utils.data.DistributedSampler(
            range(n), num_replicas=world, rank=rank, shuffle=True, seed=config.seed
        )
        n_local = len(sampler)
    else:
        sampler, n_local = None, n
    bs = config.batch_size
    batches = math.ceil(n_local / bs)

    result = TrainResult(model=model, device=str(device), world_size=world)
    start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        if sampler is not None:
            sampler.set_epoch(epoch)
            order = torch.tensor(list(iter(sampler)), device=device)
        else:
            order = torch.randperm(n, generator=generator).to(device)
        net.train()
        loss_sum = torch.zeros((), device=device)  # sample-weighted, summed on the device
        seen = 0
        for b in range(batches):
            if should_stop is not None and should_stop():
                result.stopped = True
                break
            idx = order[b * bs : (b + 1) * bs]
            xb, yb = x_fit[idx], y_fit[idx]  # (b, W, 1), (b, h)
            loss = loss_fn(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * len(idx)
            seen += len(idx)
            if (
                callback is not None
                and report_every
                and (b + 1) % report_every == 0
                and b + 1 < batches
            ):
                callback(
                    Progress(
                        epoch,
                        config.epochs,
                        b + 1,
                        batches,
                        float(loss_sum) / seen,
                        None,
                        False,
                        model,
                    )
                )
        if seen == 0:
            break
        totals = torch.stack([loss_sum, torch.tensor(float(seen), device=device)])
        if world > 1:
            torch.distributed.all_reduce(totals)
        epoch_loss = float(totals[0] / totals[1])
        val_loss = evaluate_loss(model, x_val, y_val) if len(x_val) else None
        result.history.append(
            {
                "epoch": epoch,
                "loss": epoch_loss,
                "val_loss": val_loss,
                "seconds": time.perf_counter() - t0,
            }
        )
        if callback is not None:
            callback(
                Progress(
                    epoch,
                    config.epochs,
                    b + 1 if not result.stopped else b,
                    batches,
                    epoch_loss,
                    val_loss,
                    True,
                    model,
                )
            )
        if result.stopped:
            break
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    result.train_seconds = time.perf_counter() - start
    model.eval()
    return result


@torch.no_grad()
def evaluate_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 4096) -> float:
    """Mean squared error of the model on (x, y), in eval mode (no dropout)."""
    was = model.training
    model.eval()
    total = torch.zeros((), device=x.device)
    for i in range(0, len(x), batch):
        total += ((model(x[i : i + batch]) - y[i : i + batch]) ** 2).sum()
    model.train(was)
    return float(total) / y.numel()


# ----------------------------------------------------------------------------- prediction

Predictor = Callable[[np.ndarray], np.ndarray]  # normalised windows (B, W) -> normalised (B, h)


def predictor(model: nn.Module, batch: int = 4096) -> Predictor:
    """Wrap a trained model as a NumPy function, in eval mode on the model's device."""
    device = next(model.parameters()).device

    @torch.no_grad()
    def predict(x: np.ndarray) -> np.ndarray:
        model.eval()
        xt = torch.as_tensor(np.asarray(x), dtype=torch.float32, device=device).unsqueeze(-1)
        out = [model(xt[i : i + batch]) for i in range(0, len(xt), batch)]
        return torch.cat(out).double().cpu().numpy()  # (B, h)

    return predict


@dataclass(frozen=True)
class Metrics:
    rmse: float  # normalised units, as trained
    mae: float
    rmse_original: float  # original units
    mae_original: float
    persistence_rmse: float  # the last known value, repeated; normalised units
    persistence_mae: float
    persistence_rmse_original: float
    persistence_mae_original: float


@dataclass(frozen=True)
class Prediction:
    """One prediction mode over the test part, flattened to one row per predicted value."""

    mode: str  # "point", "full" or "multi"
    index: np.ndarray  # (m,) series index of each predicted value
    run: np.ndarray  # (m,) test window (point) or recursive run (full, multi) number
    step: np.ndarray  # (m,) steps ahead of the last true input, 1-based
    predicted: np.ndarray  # (m,) original units
    actual: np.ndarray  # (m,)
    persistence: np.ndarray  # (m,) the baseline
    scale: np.ndarray  # (m,) original = normalised * scale + const; errors divide by it
    metrics: Metrics

    def to_frame(self, dates: np.ndarray | None = None) -> pd.DataFrame:
        """A table for the CSV download (with a date column when `dates` covers the series)."""
        df = pd.DataFrame(
            {
                "mode": self.mode,
                "run": self.run,
                "step": self.step,
                "index": self.index,
                "predicted": self.predicted,
                "actual": self.actual,
                "persistence": self.persistence,
            }
        )
        if dates is not None:
            df.insert(4, "date", np.asarray(dates)[self.index])
        return df


def _metrics(pred: np.ndarray, true: np.ndarray, pers: np.ndarray, scale: np.ndarray) -> Metrics:
    def rmse(e: np.ndarray) -> float:
        return float(np.sqrt(np.mean(e**2)))

    def mae(e: np.ndarray) -> float:
        return float(np.mean(np.abs(e)))

    e, ep = pred - true, pers - true
    return Metrics(
        rmse(e / scale),
        mae(e / scale),
        rmse(e),
        mae(e),
        rmse(ep / scale),
        mae(ep / scale),
        rmse(ep),
        mae(ep),
    )


def _scale_for(data: D.ForecastData, index: np.ndarray, window_of: np.ndarray) -> np.ndarray:
    """How much one normalised unit is worth in original units for each value."""
    if data.normalise == "window":
        return data.series[window_of]  # p_0 of the window: z = p / p_0 - 1
    return np.full(index.shape, data.scaler.scale)


def predict_point(predict: Predictor, data: D.ForecastData) -> Prediction:
    """Point-by-point: every test window predicts the next `horizon` values from true inputs."""
    t = data.test
    z = np.asarray(predict(t.x), dtype=np.float64).reshape(len(t), data.horizon)  # (N, h)
    pred = data.to_original(z, t.base)
    true = data.to_original(t.y, t.base)
    last = data.series[t.start + data.window - 1]  # (N,)
    steps = np.arange(1, data.horizon + 1)
    index = (t.start[:, None] + data.window - 1 + steps).ravel()
    run = np.repeat(np.arange(len(t)), data.horizon)
    scale = _scale_for(data, index, np.repeat(t.start, data.horizon))
    pers = np.repeat(last, data.horizon)
    p, a = pred.ravel(), true.ravel()
    return Prediction(
        "point", index, run, np.tile(steps, len(t)), p, a, pers, scale, _metrics(p, a, pers, scale)
    )


def recursive(
    predict: Predictor, data: D.ForecastData, starts: np.ndarray, steps: int
) -> np.ndarray:
    """Run `len(starts)` recursions side by side: from the true window series[s : s + W], predict
    `horizon` values, append them, drop as many old ones, repeat. Returns (R, steps) in original
    units; each new window is normalised as in training (per-window: by its own first value)."""
    W, h = data.window, data.horizon
    windows = np.stack([data.series[s : s + W] for s in starts]).astype(np.float64)  # (R, W)
    out = np.empty((len(starts), 0))
    while out.shape[1] < steps:
        base = windows[:, 0] if data.normalise == "window" else np.ones(len(windows))
        z = np.asarray(predict(data.normalise_windows(windows, base)), dtype=np.float64)
        new = data.to_original(z.reshape(len(windows), h), base)  # (R, h)
        out = np.concatenate([out, new], axis=1)
        windows = np.concatenate([windows, new], axis=1)[:, -W:]  # feed back
    return out[:, :steps]


def _recursive_prediction(
    mode: str, predict: Predictor, data: D.ForecastData, starts: np.ndarray, length: int
) -> Prediction:
    W, n = data.window, len(data.series)
    lengths = np.minimum(length, n - (starts + W))  # runs stop where the series ends
    traj = recursive(predict, data, starts, int(lengths.max()))
    parts = [(r, np.arange(k) + 1, traj[r, :k]) for r, k in enumerate(lengths)]
    run = np.concatenate([np.full(len(s), r) for r, s, _ in parts])
    step = np.concatenate([s for _, s, _ in parts])
    pred = np.concatenate([p for _, _, p in parts])
    index = starts[run] + W - 1 + step
    true = data.series[index]
    pers = data.series[starts[run] + W - 1]
    # normalised units of the test window whose first target is this value (the last one past it)
    window_of = np.minimum(index - W, len(data.series) - W - data.horizon)
    scale = _scale_for(data, index, window_of)
    return Prediction(
        mode, index, run, step, pred, true, pers, scale, _metrics(pred, true, pers, scale)
    )


def predict_full(predict: Predictor, data: D.ForecastData) -> Prediction:
    """Full-sequence: one recursive run from the first test window to the end of the series."""
    start = np.array([int(data.test.start[0])])
    return _recursive_prediction("full", predict, data, start, len(data.series))


def predict_multi(
    predict: Predictor, data: D.ForecastData, length: int | None = None
) -> Prediction:
    """Multi-sequence: recursive runs of `length` steps (default: the window length) started at
    test windows 0, length, 2 length, ..."""
    length = data.window if length is None else int(length)
    if length < 1:
        raise ValueError(f"the run length must be at least 1, got {length}")
    starts = data.test.start[::length].astype(int)
    return _recursive_prediction("multi", predict, data, starts, length)


def predict_all(
    predict: Predictor, data: D.ForecastData, length: int | None = None
) -> dict[str, Prediction]:
    """The three modes, keyed "point", "full", "multi"."""
    return {
        "point": predict_point(predict, data),
        "full": predict_full(predict, data),
        "multi": predict_multi(predict, data, length),
    }


def predictions_csv(predictions: dict[str, Prediction], dates: np.ndarray | None = None) -> bytes:
    """All modes as one CSV (UTF-8 bytes) for download."""
    frames = [p.to_frame(dates) for p in predictions.values()]
    return pd.concat(frames, ignore_index=True).to_csv(index=False).encode("utf-8")


# ----------------------------------------------------------------------------- weights


def _plain(model: nn.Module) -> Forecaster:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def weights_bytes(
    model: nn.Module, config: ForecastConfig, data: D.ForecastData | None = None
) -> bytes:
    """The trained weights as safetensors bytes, with the settings (and the fitted normalisation,
    when `data` is given) as JSON in the header metadata."""
    from safetensors.torch import save

    tensors = {k: v.detach().cpu().contiguous() for k, v in _plain(model).state_dict().items()}
    meta = {"format": "explainer.forecast", "config": config.to_json()}
    if data is not None:
        meta["normalise"] = json.dumps(
            {"kind": data.normalise, "scaler": asdict(data.scaler) if data.scaler else None}
        )
    return save(tensors, metadata=meta)


def save_weights(
    path: str | Path, model: nn.Module, config: ForecastConfig, data: D.ForecastData | None = None
) -> None:
    """Write `weights_bytes` to a .safetensors file."""
    Path(path).write_bytes(weights_bytes(model, config, data))


class WeightsError(ValueError):
    """A weights file that cannot be used, with a `code` and `details` a page can translate (the
    message is English). Codes: unreadable, not_safetensors, not_forecaster, too_big (layers),
    out_of_range (another size), settings (any other bad setting), mismatch, dtype, shape,
    damaged, non_finite, too_large (values), scaler."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.details = code, details


def _raw(source: str | Path | bytes) -> bytes:
    try:
        return Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    except OSError as e:
        raise WeightsError("unreadable", f"cannot read the weights file: {e}") from None


def _not_safetensors(reason: str) -> WeightsError:
    return WeightsError("not_safetensors", f"not a valid safetensors weights file ({reason})")


def _damaged(name: str, reason: str) -> WeightsError:
    return WeightsError(
        "damaged", f"not a valid safetensors weights file (weight {name} {reason})", name=name
    )


# the safetensors dtypes a weights file may store: floating point, converted to float32 on
# loading (exactly from F16 and BF16, to the nearest float32 from F64). Integers and booleans are
# refused: they are no weights, and a cast would hide a damaged or foreign file.
FLOAT_DTYPES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8}  # bytes per value
MAX_HEADER = 1 << 20  # bytes of JSON header; a forecaster's takes about 2 kB


def _header(raw: bytes) -> tuple[dict, int]:
    """The JSON header of safetensors bytes (a little-endian u64 length, then that much JSON) and
    the number of data bytes after it."""
    n = int.from_bytes(raw[:8], "little") if len(raw) >= 8 else -1
    if not 0 <= n <= min(MAX_HEADER, len(raw) - 8):
        raise _not_safetensors(f"its {len(raw)} bytes hold no header")
    try:
        header = json.loads(raw[8 : 8 + n])
    except Exception as e:  # not UTF-8, not JSON, nested too deep...
        raise _not_safetensors(str(e)) from None
    if not isinstance(header, dict):
        raise _not_safetensors("its header is no JSON object")
    return header, len(raw) - 8 - n


def _metadata(header: dict) -> dict:
    """The forecaster's metadata in a safetensors header (only reachable through a file handle in
    safetensors' own API, so parsed here)."""
    meta = header.get("__metadata__") or {}
    if (
        not isinstance(meta, dict)
        or meta.get("format") != "explainer.forecast"
        or not isinstance(meta.get("config"), str)
    ):
        raise WeightsError(
            "not_forecaster",
            "this safetensors file holds no forecaster settings; it was not saved by this app",
        )
    return meta


@dataclass(frozen=True)
class WeightsHeader:
    """A forecaster's weights file as its header describes it, every entry checked."""

    config: ForecastConfig  # the saved settings, within `LIMITS`
    dtypes: dict[str, str]  # tensor name -> safetensors dtype as stored ("F32", "F16", ...)

    @property
    def converted(self) -> tuple[str, ...]:
        """The stored dtypes other than float32, which loading converts to float32."""
        return tuple(sorted(set(self.dtypes.values()) - {"F32"}))


def state_shapes(config: ForecastConfig) -> dict[str, tuple[int, ...]]:
    """The name and shape of every tensor in the state of the model these settings describe,
    read from the model built on torch's meta device (no memory, no initialisation)."""
    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in _architecture(config).state_dict().items()}


def _check_sizes(saved: dict) -> None:
    """The saved sizes against `LIMITS`, as coded errors (`validate` then checks the rest)."""
    hidden = saved.get("hidden")
    (n_lo, n_hi), (h_lo, h_hi) = LIMITS.layers, LIMITS.units
    if (
        isinstance(hidden, list)
        and all(_whole(h) for h in hidden)
        and not (n_lo <= len(hidden) <= n_hi and all(h_lo <= h <= h_hi for h in hidden))
    ):
        sizes = ", ".join(map(str, hidden[:8])) + (", ..." if len(hidden) > 8 else "")
        raise WeightsError(
            "too_big",
            f"its model's layer sizes are {sizes} ({len(hidden)} layers); this page trains "
            f"{n_lo} to {n_hi} layers of {h_lo} to {h_hi} units",
            layers=len(hidden),
            sizes=sizes,
            max_layers=n_hi,
            max_units=h_hi,
        )
    for name in ("window", "horizon", "epochs", "batch_size", "seed"):
        value, (lo, hi) = saved.get(name), getattr(LIMITS, name)
        if _whole(value) and not lo <= value <= hi:
            text = str(value)
            shown = text if len(text) <= 12 else f"{text[:6]}... ({len(text)} digits)"
            raise WeightsError(
                "out_of_range",
                f"its {name} is {shown}; this page allows {lo} to {hi}",
                name=name,
                value=shown,
                lo=lo,
                hi=hi,
            )


def _checked_header(raw: bytes) -> WeightsHeader:
    header, data_bytes = _header(raw)
    text = _metadata(header)["config"]
    try:
        saved = json.loads(text)
        if isinstance(saved, dict):  # loaded weights live on this machine's CPU
            saved = {**saved, "device": "cpu"}
            _check_sizes(saved)
        config = ForecastConfig.from_dict(saved)
    except WeightsError:
        raise
    except ValueError as e:
        raise WeightsError(
            "settings", f"its saved settings cannot be used: {e}", msg=str(e)
        ) from None
    expected = state_shapes(config)
    entries = {k: v for k, v in header.items() if k != "__metadata__"}
    missing, extra = sorted(set(expected) - set(entries)), sorted(set(entries) - set(expected))
    if missing or extra:
        raise WeightsError(
            "mismatch",
            f"the weights do not match their settings (missing {missing[:3]}, "
            f"unexpected {extra[:3]})",
            missing=", ".join(missing[:3]) or "-",
            unexpected=", ".join(extra[:3]) or "-",
        )
    dtypes = {}
    for name, shape in expected.items():
        entry = entries[name]
        if not isinstance(entry, dict):
            raise _damaged(name, "has a malformed entry")
        dtype, stored, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in FLOAT_DTYPES:
            raise WeightsError(
                "dtype",
                f"weight {name} is stored as {dtype}: weights are floating-point numbers "
                f"({', '.join(FLOAT_DTYPES)})",
                name=name,
                dtype=str(dtype),
            )
        if not (isinstance(stored, list) and tuple(stored) == shape):
            raise WeightsError(
                "shape",
                f"weight {name} has shape {stored}, expected {list(shape)}",
                name=name,
                shape=str(stored),
                expected=str(list(shape)),
            )
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(_whole(o) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_bytes
        ):
            raise _damaged(name, "lies beyond its end: the file is cut short or damaged")
        if offsets[1] - offsets[0] != math.prod(shape) * FLOAT_DTYPES[dtype]:
            raise _damaged(
                name,
                f"takes {offsets[1] - offsets[0]} bytes; {dtype} values of shape "
                f"{list(shape)} take {math.prod(shape) * FLOAT_DTYPES[dtype]}",
            )
        dtypes[name] = dtype
    return WeightsHeader(config, dtypes)


def weights_header(source: str | Path | bytes) -> WeightsHeader:
    """A forecaster's weights file checked from its header alone, before any tensor is read or
    any model built: its settings within `LIMITS`, then every tensor's name, shape, dtype and
    size. A ValueError says what is wrong."""
    return _checked_header(_raw(source))


def saved_scaler(source: str | Path | bytes) -> D.Scaler | None:
    """The global normalisation (min-max, z-score) a model was trained with, as saved beside its
    weights; None for per-window normalisation or a file saved without its data."""
    meta = _metadata(_header(_raw(source))[0])
    if "normalise" not in meta:
        return None
    try:
        saved = json.loads(meta["normalise"])["scaler"]
        if saved is None:
            return None
        scaler = D.Scaler(str(saved["kind"]), float(saved["shift"]), float(saved["scale"]))
    except (ValueError, TypeError, KeyError) as e:
        raise WeightsError("scaler", f"the saved normalisation is malformed ({e!r})") from None
    if not (
        math.isfinite(scaler.shift)
        and math.isfinite(scaler.scale)
        and scaler.scale > 0
        and scaler.kind in D.NORMALISATIONS
    ):
        raise WeightsError("scaler", f"the saved normalisation is malformed ({scaler})")
    return scaler


def load_weights(source: str | Path | bytes) -> tuple[Forecaster, ForecastConfig]:
    """A model and its settings from safetensors (a path or bytes); never unpickles anything.
    The header is checked first (`weights_header`), then the values: all finite and within
    +-`LIMITS.weight`. F16, BF16 and F64 tensors are converted to float32, the model's dtype.
    A file that cannot be used gives a ValueError saying why."""
    from safetensors.torch import load

    raw = _raw(source)
    header = _checked_header(raw)
    try:
        tensors = load(raw)
    except Exception as e:  # safetensors raises its own error type for every malformation
        raise _not_safetensors(str(e)) from None
    for name, t in tensors.items():
        t64 = t.double()  # F64 values beyond float32's range are caught before the conversion
        if not torch.isfinite(t64).all():
            raise WeightsError(
                "non_finite", f"weight {name} holds NaN or infinite values", name=name
            )
        top = float(t64.abs().max())
        if top > LIMITS.weight:
            raise WeightsError(
                "too_large",
                f"weight {name} holds values as large as {top:.3g}, beyond the "
                f"{LIMITS.weight:g} a trained forecaster stays far below: this run diverged, "
                "or the file is damaged",
                name=name,
                value=f"{top:.3g}",
                limit=f"{LIMITS.weight:g}",
            )
    with torch.device("meta"):
        model = _architecture(header.config)  # no initialisation to pay for: all is replaced
    model.load_state_dict({k: v.to(torch.float32) for k, v in tensors.items()}, assign=True)
    return model.eval(), header.config


def first_layer(model: nn.Module, dtype: torch.dtype | None = None) -> nn.Module:
    """A CPU copy of the first recurrent layer as a plain `nn.LSTM`/`nn.GRU`/`nn.RNN`
    (batch_first=True, input size 1), for `explainer.LSTM.from_torch` and friends."""
    layer = copy.deepcopy(_plain(model).rnns[0]).cpu().eval()
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
    return ReferenceLayer(MODELS[_plain(model).cell].from_torch(layer), layer)


# ----------------------------------------------------------------------------- one whole run


@dataclass
class ForecastRun:
    config: ForecastConfig
    data: D.ForecastData
    result: TrainResult
    predictions: dict[str, Prediction]

    def summary(self) -> dict:
        """The CLI's JSON object (finite floats only; NaN/inf become null)."""
        p = self.predictions
        out = {
            "test_rmse": p["point"].metrics.rmse,
            "test_mae": p["point"].metrics.mae,
            "test_rmse_original": p["point"].metrics.rmse_original,
            "test_mae_original": p["point"].metrics.mae_original,
            "persistence_rmse": p["point"].metrics.persistence_rmse,
            "persistence_rmse_original": p["point"].metrics.persistence_rmse_original,
            "train_seconds": self.result.train_seconds,
            "seconds_per_epoch": (
                self.result.train_seconds / self.result.epochs if self.result.epochs else None
            ),
            "epochs": self.result.epochs,
            "stopped": self.result.stopped,
            "history": self.result.history,
            "modes": {k: asdict(v.metrics) for k, v in p.items()},
            "windows": {
                "train": len(self.data.train),
                "val": len(self.data.val),
                "test": len(self.data.test),
            },
            "device": self.result.device,
            "world_size": self.result.world_size,
            "config": self.config.to_dict(),
        }
        return _finite(out)


def _finite(o):
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


def run_forecast(
    config: ForecastConfig,
    values: np.ndarray,
    *,
    callback: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_every: int = 0,
) -> ForecastRun:
    """Validate, window, train and predict in all three modes: what the page and the CLI do."""
    config.validate()
    data = D.prepare(
        values,
        window=config.window,
        horizon=config.horizon,
        normalise=config.normalise,
        split=config.split,
        val=config.val,
    )
    result = train(
        config, data, callback=callback, should_stop=should_stop, report_every=report_every
    )
    return ForecastRun(config, data, result, predict_all(predictor(result.model), data))


# ----------------------------------------------------------------------------- command line


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    c = ForecastConfig()
    a = parser.add_argument
    a("--csv", help=f"CSV file (default: assets/{D.DEFAULT_SERIES})")
    a("--column", help="value column (default: guessed, or the bundled series' own)")
    a("--date-column", help="date column (default: guessed; 'none' for the file's order)")
    a("--reverse", action="store_true", help="reverse the rows (files listed newest first)")
    a("--gaps", choices=D.GAP_POLICIES, default="interpolate", help="fill or drop missing values")
    a("--epochs", type=int, default=c.epochs)
    a("--cell", choices=CELLS, default=c.cell)
    a("--hidden", default=",".join(map(str, c.hidden)), help="layer sizes, e.g. 50,100")
    a("--dropout", type=float, default=c.dropout)
    a("--window", type=int, default=c.window)
    a("--horizon", type=int, default=c.horizon)
    a("--normalise", choices=D.NORMALISATIONS, default=c.normalise)
    a("--split", type=float, default=c.split, help="train fraction of the windows")
    a("--val", type=float, default=c.val, help="validation fraction of the training windows")
    a("--init", choices=INITS, default=c.init)
    a("--optimiser", choices=OPTIMISERS, default=c.optimiser)
    a("--lr", type=float, default=c.lr)
    a("--batch-size", type=int, default=c.batch_size)
    a("--seed", type=int, default=c.seed)
    a("--device", default=c.device, help="cpu, cuda or auto")
    a("--threads", type=int, default=0, help="CPU threads per process (0: torch's default)")
    a("--save-weights", metavar="PATH", help="write the trained weights as safetensors")
    a("--json", action="store_true", help="print one JSON object instead of a report")


def _config_from_args(args: argparse.Namespace) -> ForecastConfig:
    try:
        hidden = tuple(int(h) for h in str(args.hidden).split(",") if h.strip())
    except ValueError:
        raise ValueError(
            f"--hidden takes comma-separated integers such as 50,100, not {args.hidden!r}"
        ) from None
    return ForecastConfig(
        window=args.window,
        horizon=args.horizon,
        normalise=args.normalise,
        split=args.split,
        val=args.val,
        hidden=hidden,
        dropout=args.dropout,
        cell=args.cell,
        init=args.init,
        optimiser=args.optimiser,
        lr=args.lr,
        batch_size=args.batch_size,
        epochs=args.epochs,
        seed=args.seed,
        device=args.device,
    ).validate()


def _init_distributed(device: str) -> bool:
    """Join the process group torchrun describes (WORLD_SIZE > 1); False when not distributed."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return False
    cuda = pick_device(device).type == "cuda"
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return True


def cli(args: argparse.Namespace) -> int:
    """`python -m explainer forecast ...`: train headless; exit 2 with one line on bad input."""
    try:
        config = _config_from_args(args)
        if args.threads:
            set_threads(args.threads)
        # the column guess and the date column as on the page, unless the options name others
        b = D.bundled()
        table = D.read_table(args.csv or b.path)
        column = args.column or (table.value if args.csv else b.column)
        date = args.date_column or (table.date if args.csv else b.date_column)
        if date == "none" or (date == column and not args.date_column):
            date = None  # "--date-column none", or a guessed date column chosen as the value
        series = D.load_series(
            table, column, date_column=date, reverse=args.reverse, gaps=args.gaps
        )
        used = f"column {series.name!r} of {args.csv or f'assets/{b.file}'}"
        distributed = _init_distributed(config.device)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        rank = _dist()[0]
        report = None
        if not args.json and rank == 0:
            sort = ", rows sorted by date" if series.sorted_by_date else ""
            dated = f", dates from {date!r}{sort}" if date else ""
            print(
                f"series: {used}, {len(series)} values ({series.gaps} missing, gaps: "
                f"{series.gap_policy}){dated}; {table.how}",
                flush=True,
            )

            def report(p: Progress) -> None:
                val = "" if p.val_loss is None else f"  val_loss {p.val_loss:.6f}"
                print(f"epoch {p.epoch}/{p.epochs}  loss {p.loss:.6f}{val}", flush=True)

        try:
            run = run_forecast(config, series.values, callback=report)
        except ValueError as e:
            print(f"error: {used}: {e}", file=sys.stderr)
            return 2
        if rank == 0:
            if args.save_weights:
                save_weights(args.save_weights, run.result.model, config, run.data)
            summary = run.summary()
            summary["series"] = {
                "source": args.csv or f"assets/{D.DEFAULT_SERIES}",
                "column": series.name,
                "date_column": date,
                "sorted_by_date": series.sorted_by_date,
                "delimiter": table.delimiter,
                "decimal": table.decimal,
                "header": table.header,
                "rows": len(series),
                "gaps": series.gaps,
                "gap_policy": series.gap_policy,
            }
            if args.json:
                print(json.dumps(summary))
            else:
                for mode, m in summary["modes"].items():
                    print(
                        f"{mode:>5}: RMSE {m['rmse']:.5f} (original {m['rmse_original']:.5g}),"
                        f" persistence {m['persistence_rmse']:.5f} "
                        f"(original {m['persistence_rmse_original']:.5g})"
                    )
                print(
                    f"trained {summary['epochs']} epochs in {summary['train_seconds']:.2f} s "
                    f"on {summary['device']} x{summary['world_size']}"
                )
        return 0
    finally:
        if distributed:
            torch.distributed.destroy_process_group()
