"""The statistics that `benchmarks/forecast.py --summary` prints about ours against Keras."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest

from tests.conftest import ROOT


def bench():
    spec = importlib.util.spec_from_file_location("bench_forecast", ROOT / "benchmarks/forecast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def records(ours, keras):
    return [
        {
            "seed": i,
            "ours_rmse": o,
            "keras_rmse": k,
            "ours_s_per_epoch": 1.0,
            "keras_s_per_epoch": 5.0,
        }
        for i, (o, k) in enumerate(zip(ours, keras, strict=True))
    ]


def p_value(text: str) -> float:
    return float(re.search(r"p = ([0-9.]+)", text).group(1))


def test_seed_ranges():
    assert bench().parse_seeds("0-3,8") == [0, 1, 2, 3, 8]
    assert bench().parse_seeds("5") == [5]


def test_a_clearly_worse_model_is_called_worse_and_a_tie_is_not():
    b = bench()
    keras = np.random.default_rng(0).uniform(3e-3, 8e-3, 30)
    worse = b.summarise(records(2 * keras, keras), draws=20_000)
    assert "ratio 2.000" in worse and "0 of 30" in worse
    assert p_value(worse) < 0.01 and "ours is worse at the 5% level" in worse
    assert "speed-up 5.0x" in worse
    tie = b.summarise(records(keras[::-1], keras), draws=20_000)  # the same values, reordered
    assert "ratio 1.000" in tie and p_value(tie) > 0.4
    assert "no evidence that ours is worse" in tie
    lo, hi = map(float, re.search(r"interval ([0-9.]+)-([0-9.]+)", tie).groups())
    assert lo < 1 < hi


def test_a_seed_logged_twice_is_refused():
    with pytest.raises(SystemExit, match="logged twice"):
        bench().summarise(records([1.0, 2.0], [1.0, 2.0]) * 2)
