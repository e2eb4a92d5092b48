"""Windows for the forecast lesson: validation, windowing, normalisation and splits.

NumPy only (no torch).

A series s_0 .. s_{n-1} becomes overlapping windows, `window` inputs followed by `horizon` targets:

    x_k = (s_k, ..., s_{k+W-1})                  (N, W)    N = n - W - h + 1 windows
    y_k = (s_{k+W}, ..., s_{k+W+h-1})            (N, h)

Normalisations (the seed's recipe uses the first):

    window   z_i = p_i / p_0 - 1   with p_0 the window's first input; inverse p_i = (z_i + 1) p_0
    minmax   z = (s - min) / (max - min)   min and max of the training part only
    zscore   z = (s - mean) / std          mean and std of the training part only
    none     z = s

Splits are chronological. The first round(0.9 N) windows train; the test windows start `horizon - 1`
windows later, so that no test target lies inside any training window (inputs or targets). As Keras'
`validation_split` does, the last 5% of the training windows (taken before any shuffling) validate:
the first floor(0.95 n_train) windows are fitted. Global scalers are fitted on the values the
training windows cover, s_0 .. s_{n_train + W + h - 2}, and nothing later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Values and normalised values beyond these overflow: float64 errors square the values (RMSE),
# float32 training squares the normalised ones (float32 ends at 3.4e38).
MAX_MAGNITUDE, MAX_NORMALISED = 1e150, 1e15
NORMALISATIONS = ("window", "minmax", "zscore", "none")


# ----------------------------------------------------------------------------- validation


def check_values(
    values: np.ndarray, *, window: int = 50, horizon: int = 1, normalise: str = "window"
) -> np.ndarray:
    """The series as a finite 1-D float64 array fit for windows, or a ValueError saying why not."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"expected one series (a 1-D array), got shape {v.shape}")
    if window < 1 or horizon < 1:
        raise ValueError(f"window and horizon must be at least 1 (got {window} and {horizon})")
    if normalise not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalise!r}: expected one of {NORMALISATIONS}")
    if not np.isfinite(v).all():
        nan, inf = int(np.isnan(v).sum()), int(np.isinf(v).sum())
        first = int(np.flatnonzero(~np.isfinite(v))[0])
        raise ValueError(
            f"the series holds {nan} NaN and {inf} infinite value(s) (first at "
            f"position {first}); fill or drop the gaps first"
        )
    big = np.abs(v) > MAX_MAGNITUDE
    if big.any():
        first = int(np.flatnonzero(big)[0])
        raise ValueError(
            f"the series holds {int(big.sum())} value(s) beyond ±{MAX_MAGNITUDE:.0e} (the first, "
            f"{v[first]:.3g}, at position {first}), whose squares overflow the errors (RMSE); "
            "divide the column by a power of ten first"
        )
    need = window + horizon
    if len(v) < need:
        raise ValueError(
            f"the series has {len(v)} values, but a window of {window} plus a horizon "
            f"of {horizon} needs at least {need} (and more for a test part); "
            "use a shorter window or a longer series"
        )
    if np.ptp(v) == 0:
        raise ValueError(
            f"the series is constant (every value is {v[0]:g}): there is nothing to forecast"
        )
    if normalise == "window":
        zeros = int((v == 0).sum())
        if zeros or (v.min() < 0 < v.max()):
            why = (
                f"it holds {zeros} zero value(s)"
                if zeros
                else f"it changes sign (from {v.min():g} to {v.max():g})"
            )
            raise ValueError(
                "per-window normalisation divides each window by its first value, "
                "so it needs a series that never reaches zero nor changes sign, "
                f"but {why}; choose normalise='zscore' or 'minmax' instead"
            )
    return v


# ----------------------------------------------------------------------------- windows


def make_windows(
    values: np.ndarray, window: int, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Every overlapping window: inputs x (N, window) and the `horizon` values after each, y (N, h).

    x[k] = values[k : k + window], y[k] = values[k + window : k + window + horizon]. Copies, so
    the caller may write to them.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {v.shape}")
    n = len(v) - window - horizon + 1
    if window < 1 or horizon < 1 or n < 1:
        raise ValueError(f"{len(v)} values make no window of {window} inputs and {horizon} targets")
    both = np.lib.stride_tricks.sliding_window_view(v, window + horizon)  # (N, W + h)
    return both[:, :window].copy(), both[:, window:].copy()


@dataclass(frozen=True)
class Scaler:
    """A global affine normalisation z = (s - shift) / scale, fitted on the training part."""

    kind: str  # "minmax", "zscore" or "none"
    shift: float  # min (minmax), mean (zscore), 0 (none)
    scale: float  # max - min (minmax), std (zscore), 1 (none)

    def transform(self, s: np.ndarray) -> np.ndarray:
        return (np.asarray(s, dtype=np.float64) - self.shift) / self.scale

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.scale + self.shift


def fit_scaler(train_values: np.ndarray, kind: str) -> Scaler:
    """Fit min-max, z-score or identity on the training values only."""
    t = np.asarray(train_values, dtype=np.float64)
    if kind == "none":
        return Scaler("none", 0.0, 1.0)
    if kind == "minmax":
        lo, hi = float(t.min()), float(t.max())
        shift, scale = lo, hi - lo
    elif kind == "zscore":
        shift, scale = float(t.mean()), float(t.std())
    else:
        raise ValueError(f"fit_scaler fits 'minmax', 'zscore' or 'none', not {kind!r}")
    if not scale > 0:
        raise ValueError(
            f"the training part is constant ({shift:g}), so {kind} normalisation "
            "would divide by zero; use normalise='none' or another series"
        )
    return Scaler(kind, shift, scale)


@dataclass(frozen=True)
class Windows:
    """Normalised windows and what it takes to map them back to original units."""

    x: np.ndarray  # (N, W) normalised inputs
    y: np.ndarray  # (N, h) normalised targets
    start: np.ndarray  # (N,) series index of each window's first input
    base: np.ndarray  # (N,) p_0 of each window for per-window normalisation; 1 otherwise

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class ForecastData:
    """A series cut into normalised train / validation / test windows (see the module docstring)."""

    series: np.ndarray  # (n,) original values
    window: int
    horizon: int
    normalise: str
    scaler: Scaler | None  # None for per-window normalisation
    train: Windows  # windows the optimiser fits (chronological order; shuffle per epoch)
    val: Windows  # the last `val` fraction of the training windows
    test: Windows  # windows after the split, no target inside any training window
    train_end: int  # series[:train_end] is all the training windows cover (scaler fit)

    @property
    def test_target_start(self) -> int:
        """Series index of the first test target."""
        return int(self.test.start[0]) + self.window

    def normalise_windows(self, x: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Original-unit values (..., k) -> normalised, with per-window `base` (...,) if needed."""
        return normalise_values(x, self.normalise, self.scaler, base)

    def to_original(self, z: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Normalised values (..., k) -> original units; `base` (...,) is p_0 per window."""
        return denormalise_values(z, self.normalise, self.scaler, base)


def normalise_values(
    x: np.ndarray, normalise: str, scaler: Scaler | None, base: np.ndarray | None = None
) -> np.ndarray:
    """Apply a normalisation; for "window", `base` holds p_0 for each row of x (..., k)."""
    x = np.asarray(x, dtype=np.float64)
    if normalise == "window":
        if base is None:
            raise ValueError("per-window normalisation needs each window's first value (base)")
        return x / np.asarray(base, dtype=np.float64)[..., None] - 1.0
    if scaler is None:
        raise ValueError(f"{normalise} normalisation needs a fitted scaler")
    return scaler.transform(x)


def denormalise_values(
    z: np.ndarray, normalise: str, scaler: Scaler | None, base: np.ndarray | None = None
) -> np.ndarray:
    """The exact inverse of `normalise_values`."""
    z = np.asarray(z, dtype=np.float64)
    if normalise == "window":
        if base is None:
            raise ValueError("per-window normalisation needs each window's first value (base)")
        return (z + 1.0) * np.asarray(base, dtype=np.float64)[..., None]
    if scaler is None:
        raise ValueError(f"{normalise} normalisation needs a fitted scaler")
    return scaler.inverse(z)


def split_counts(
    n_windows: int, horizon: int = 1, split: float = 0.9, val: float = 0.05
) -> tuple[int, int, int]:
    """(fit, train, test_start): windows [0, fit) are fitted, [fit, train) validate, and the test
    windows are [test_start, n_windows). Rounding as in the recipe (round) and Keras (floor)."""
    if not 0 < split < 1:
        raise ValueError(f"the train fraction must lie strictly between 0 and 1, got {split}")
    if not 0 <= val < 1:
        raise ValueError(f"the validation fraction must lie in [0, 1), got {val}")
    n_train = int(round(split * n_windows))
    n_fit = int(math.floor(n_train * (1.0 - val)))
    test_start = n_train + horizon - 1  # the gap keeps test targets out of training windows
    if n_fit < 1 or test_start >= n_windows:
        raise ValueError(
            f"{n_windows} window(s) are too few for a {split:.0%}/{1 - split:.0%} "
            "split with a test part; use a shorter window or a longer series"
        )
    return n_fit, n_train, test_start


def prepare(
    values: np.ndarray,
    *,
    window: int = 50,
    horizon: int = 1,
    normalise: str = "window",
    split: float = 0.9,
    val: float = 0.05,
    scaler: Scaler | None = None,
) -> ForecastData:
    """Validate a series and cut it into normalised train/validation/test windows.

    A global normalisation is fitted on the training part, unless `scaler` is given: a model's
    saved scaler, so that a loaded model sees its inputs in the units it was trained in."""
    s = check_values(values, window=window, horizon=horizon, normalise=normalise)
    if scaler is not None and scaler.kind != normalise:
        raise ValueError(f"a {scaler.kind} scaler cannot apply {normalise} normalisation")
    x_raw, y_raw = make_windows(s, window, horizon)  # (N, W), (N, h)
    n = len(x_raw)
    n_fit, n_train, test_start = split_counts(n, horizon, split, val)
    train_end = n_train - 1 + window + horizon  # one past the last value a training window holds
    start = np.arange(n)
    if normalise == "window":
        scaler, base = None, x_raw[:, 0].copy()
    else:
        scaler, base = scaler or fit_scaler(s[:train_end], normalise), np.ones(n)
    x = normalise_values(x_raw, normalise, scaler, base)
    y = normalise_values(y_raw, normalise, scaler, base)
    z = max(float(np.abs(x).max()), float(np.abs(y).max()))
    if not z <= MAX_NORMALISED:  # also catches inf and NaN
        what = {"window": "per-window normalisation (p_i / p_0 - 1)", "none": "no normalisation"}
        others = [f"{n!r}" for n in NORMALISATIONS if n != normalise]
        raise ValueError(
            f"with {what.get(normalise, f'{normalise} normalisation')} the model would see "
            f"values up to {z:.3g}, beyond ±{MAX_NORMALISED:.0e}: training in float32 squares "
            f"them, and the loss overflows; choose normalise={' or '.join(others)} instead"
        )

    def part(lo: int, hi: int) -> Windows:
        return Windows(x[lo:hi], y[lo:hi], start[lo:hi], base[lo:hi])

    return ForecastData(
        series=s,
        window=window,
        horizon=horizon,
        normalise=normalise,
        scaler=scaler,
        train=part(0, n_fit),
        val=part(n_fit, n_train),
        test=part(test_start, n),
        train_end=train_end,
    )
