"""Training a forecaster (single process, or DistributedDataParallel under torchrun), and one
whole run: window, train, predict in the three modes."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from explainer.data import ForecastData, Windows, prepare
from explainer.prediction import Prediction, Predictor, predict_all
from explainer.torch_backend import pick_device, seed_everything
from explainer.torch_backend.forecast.config import ForecastConfig
from explainer.torch_backend.forecast.model import Forecaster, build_model, make_optimiser


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


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) of an initialised process group, else (0, 1)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _tensors(w: Windows, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(w.x, dtype=torch.float32, device=device).unsqueeze(-1)  # (N, W, 1)
    y = torch.as_tensor(w.y, dtype=torch.float32, device=device)  # (N, h)
    return x, y


@dataclass
class _Fit:
    """What a training run sets up once: the model (and its DDP wrapper), the optimiser, the
    windows as tensors on the device and the shuffling."""

    model: Forecaster  # the model being trained, unwrapped
    net: nn.Module  # the model, or its DistributedDataParallel wrapper
    opt: torch.optim.Optimizer
    device: torch.device
    world: int  # processes in the group (1 without DDP)
    x_fit: torch.Tensor  # (N, W, 1)
    y_fit: torch.Tensor  # (N, h)
    x_val: torch.Tensor
    y_val: torch.Tensor
    sampler: torch.utils.data.DistributedSampler | None  # under DDP; else `generator` shuffles
    generator: torch.Generator
    batches: int  # batches per epoch (in this process)

    def order(self, epoch: int) -> torch.Tensor:
        """This epoch's order of the training windows (this process's share under DDP)."""
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)
            return torch.tensor(list(iter(self.sampler)), device=self.device)
        return torch.randperm(len(self.x_fit), generator=self.generator).to(self.device)


def _check_windows(config: ForecastConfig, data: ForecastData) -> None:
    for name in ("window", "horizon", "normalise"):
        if getattr(data, name) != getattr(config, name):
            raise ValueError(
                f"the windows were cut with {name} {getattr(data, name)!r} but the "
                f"settings say {getattr(config, name)!r}; prepare them again"
            )


def _set_up(config: ForecastConfig, data: ForecastData, model: Forecaster | None) -> _Fit:
    rank, world = rank_and_world()
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
    batches = math.ceil(n_local / config.batch_size)
    return _Fit(
        model, net, opt, device, world, x_fit, y_fit, x_val, y_val, sampler, generator, batches
    )


def _epoch(
    fit: _Fit,
    config: ForecastConfig,
    epoch: int,
    report: Callable[[int, int, torch.Tensor], None] | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[torch.Tensor, int, int, bool]:
    """One pass over the shuffled training windows, `report(batches done, windows seen, loss sum)`
    after every batch. Returns (loss summed on the device, windows seen, batches done, stopped)."""
    order = fit.order(epoch)
    fit.net.train()
    loss_fn = nn.MSELoss()
    bs = config.batch_size
    loss_sum = torch.zeros((), device=fit.device)  # sample-weighted, summed on the device
    seen = done = 0
    for b in range(fit.batches):
        if should_stop is not None and should_stop():
            return loss_sum, seen, done, True
        idx = order[b * bs : (b + 1) * bs]
        xb, yb = fit.x_fit[idx], fit.y_fit[idx]  # (b, W, 1), (b, h)
        loss = loss_fn(fit.net(xb), yb)
        fit.opt.zero_grad(set_to_none=True)
        loss.backward()
        fit.opt.step()
        loss_sum += loss.detach() * len(idx)
        seen += len(idx)
        done = b + 1
        if report is not None:
            report(done, seen, loss_sum)
    return loss_sum, seen, done, False


def train(
    config: ForecastConfig,
    data: ForecastData,
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
    _check_windows(config, data)
    fit = _set_up(config, data, model)
    model, batches, epochs = fit.model, fit.batches, config.epochs
    result = TrainResult(model=model, device=str(fit.device), world_size=fit.world)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()

        def report(done: int, seen: int, loss_sum: torch.Tensor, epoch: int = epoch) -> None:
            if done % report_every == 0 and done < batches:  # the only mid-epoch host copy
                mean = float(loss_sum) / seen
                callback(Progress(epoch, epochs, done, batches, mean, None, False, model))

        mid_epoch = report if callback is not None and report_every else None
        loss_sum, seen, done, result.stopped = _epoch(fit, config, epoch, mid_epoch, should_stop)
        if seen == 0:
            break
        totals = torch.stack([loss_sum, torch.tensor(float(seen), device=fit.device)])
        if fit.world > 1:
            torch.distributed.all_reduce(totals)
        epoch_loss = float(totals[0] / totals[1])
        val_loss = evaluate_loss(model, fit.x_val, fit.y_val) if len(fit.x_val) else None
        seconds = time.perf_counter() - t0
        result.history.append(
            {"epoch": epoch, "loss": epoch_loss, "val_loss": val_loss, "seconds": seconds}
        )
        if callback is not None:
            callback(Progress(epoch, epochs, done, batches, epoch_loss, val_loss, True, model))
        if result.stopped:
            break
    if fit.device.type == "cuda":
        torch.cuda.synchronize(fit.device)
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


@dataclass
class ForecastRun:
    config: ForecastConfig
    data: ForecastData
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
    data = prepare(
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
