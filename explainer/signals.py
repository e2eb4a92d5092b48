"""Input signals for the lesson pages: x with shape (T, 1), deterministic for a given seed.

sine    sin(2π t / 20): a slow wave the network can follow
step    0 before T/4, 1 from there on: does the network remember that it switched?
noise   standard normal samples from `np.random.default_rng(seed)`
spike   1 at t = 0 and 0 afterwards: follow one input through time
series  the first T months of the bundled El Niño sea-surface temperatures (assets/), z-scored
"""

from __future__ import annotations

import numpy as np

SIGNALS = ("sine", "step", "noise", "spike", "series")
SERIES_FILE = "elnino_monthly.csv"


def make_signal(kind: str, steps: int, seed: int = 0) -> np.ndarray:
    """The input sequence `kind` with `steps` steps, shape (steps, 1)."""
    if kind not in SIGNALS:
        raise ValueError(f"unknown signal {kind!r}: expected one of {', '.join(SIGNALS)}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    t = np.arange(steps, dtype=np.float64)
    if kind == "sine":
        x = np.sin(2 * np.pi * t / 20.0)
    elif kind == "step":
        x = (t >= steps // 4).astype(np.float64)
    elif kind == "noise":
        x = np.random.default_rng(seed).standard_normal(steps)
    elif kind == "spike":
        x = (t == 0).astype(np.float64)
    else:
        from explainer.data import load_bundled  # pandas only when the real series is asked for

        values = load_bundled(SERIES_FILE).values
        x = np.resize(values, steps)  # repeats the series if T is longer than it
        x = (x - values.mean()) / values.std()
    return x[:, None]
