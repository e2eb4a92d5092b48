"""A forecast run's settings: `ForecastConfig` (the seed's Keras recipe by default) and `LIMITS`."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from explainer.cells import CELLS
from explainer.data import NORMALISATIONS, split_counts
from explainer.torch_backend import pick_device

OPTIMISERS = ("rmsprop", "adam", "sgd")
INITS = ("keras", "torch")


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
        if self.normalise not in NORMALISATIONS:
            bad(
                f"unknown normalisation {self.normalise!r}: "
                f"expected one of {', '.join(NORMALISATIONS)}"
            )
        if self.init not in INITS:
            bad(f"unknown init {self.init!r}: expected one of {', '.join(INITS)}")
        (n_lo, n_hi), (h_lo, h_hi) = LIMITS.layers, LIMITS.units
        if not (
            n_lo <= len(self.hidden) <= n_hi
            and all(is_whole(h) and h_lo <= h <= h_hi for h in self.hidden)
        ):
            bad(
                f"hidden sizes must be {n_lo} to {n_hi} whole numbers from {h_lo} to {h_hi}, "
                f"got {list(self.hidden)}"
            )
        for name in ("window", "horizon", "batch_size", "epochs", "seed"):
            v, (lo, hi) = getattr(self, name), getattr(LIMITS, name)
            if not (is_whole(v) and lo <= v <= hi):
                bad(f"{name} must be an integer from {lo} to {hi}, got {v!r}")
        if not isinstance(self.one_bias, bool):
            bad(f"one_bias must be true or false, got {self.one_bias!r}")
        lo, hi = LIMITS.dropout
        if not (is_number(self.dropout) and lo <= self.dropout <= hi):
            bad(f"dropout must lie in [{lo:g}, {hi:g}], got {self.dropout!r}")
        if not (is_number(self.lr) and self.lr > 0 and math.isfinite(self.lr)):
            bad(f"the learning rate must be positive, got {self.lr!r}")
        if not (is_number(self.rho) and 0 <= self.rho < 1):
            bad(f"rho must lie in [0, 1), got {self.rho!r}")
        if not (is_number(self.eps) and self.eps > 0 and math.isfinite(self.eps)):
            bad(f"eps must be positive, got {self.eps!r}")
        if not all(is_number(f) for f in (self.split, self.val)):
            bad(f"split and val must be fractions, got {self.split!r} and {self.val!r}")
        if not isinstance(self.device, str):
            bad(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")
        split_counts(10_000, 1, self.split, self.val)  # checks both fractions
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


def is_whole(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
