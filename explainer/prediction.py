"""Forecasts from a trained model, in NumPy: three prediction modes and their errors.

A model enters as a `Predictor`, a function from normalised windows (B, W) to normalised
predictions (B, h) (`explainer.torch_backend.forecast.predictor` wraps a torch model as one), so
that nothing here needs torch. `explainer.data` explains the windows and normalisations.

    point-by-point   each test window predicts its next value(s) from true inputs
    full-sequence    one recursive run from the first test window: each prediction is appended to
                     the window and fed back, the oldest value dropped, until the series ends
    multi-sequence   recursive runs of `length` steps started every `length` windows

The recursion runs in original units and normalises each new window as training did (the seed's
code kept the first window's frame; for min-max, z-score and none the two are identical). Each mode
reports RMSE and MAE in normalised and original units beside the persistence baseline (repeat the
last known value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explainer.data import ForecastData

MODES = ("point", "full", "multi")
Predictor = Callable[[np.ndarray], np.ndarray]  # normalised windows (B, W) -> normalised (B, h)


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


def _scale_for(data: ForecastData, index: np.ndarray, window_of: np.ndarray) -> np.ndarray:
    """How much one normalised unit is worth in original units for each value."""
    if data.normalise == "window":
        return data.series[window_of]  # p_0 of the window: z = p / p_0 - 1
    return np.full(index.shape, data.scaler.scale)


def predict_point(predict: Predictor, data: ForecastData) -> Prediction:
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


def recursive(predict: Predictor, data: ForecastData, starts: np.ndarray, steps: int) -> np.ndarray:
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
    mode: str, predict: Predictor, data: ForecastData, starts: np.ndarray, length: int
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


def predict_full(predict: Predictor, data: ForecastData) -> Prediction:
    """Full-sequence: one recursive run from the first test window to the end of the series."""
    start = np.array([int(data.test.start[0])])
    return _recursive_prediction("full", predict, data, start, len(data.series))


def predict_multi(predict: Predictor, data: ForecastData, length: int | None = None) -> Prediction:
    """Multi-sequence: recursive runs of `length` steps (default: the window length) started at
    test windows 0, length, 2 length, ..."""
    length = data.window if length is None else int(length)
    if length < 1:
        raise ValueError(f"the run length must be at least 1, got {length}")
    starts = data.test.start[::length].astype(int)
    return _recursive_prediction("multi", predict, data, starts, length)


def predict_all(
    predict: Predictor, data: ForecastData, length: int | None = None
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
