"""The prediction modes and their metrics (`explainer.prediction`), on hand-made NumPy models."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from explainer import prediction
from explainer.data import prepare


def series(n: int = 240, seed: int = 0) -> np.ndarray:
    """A positive wavy series with noise: learnable, never zero."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + 3 * np.sin(t / 6.0) + 0.05 * t + 0.2 * rng.normal(size=n)


def plus_one(x: np.ndarray) -> np.ndarray:
    """A hand-made model: the last normalised input plus one."""
    return x[:, -1:] + 1.0


def test_point_by_point_uses_true_inputs():
    s = series()
    data = prepare(s, window=10, normalise="none")
    p = prediction.predict_point(plus_one, data)
    t0 = data.test_target_start
    np.testing.assert_array_equal(p.index, np.arange(t0, len(s)))
    np.testing.assert_allclose(p.predicted, s[t0 - 1 : -1] + 1)  # true previous value + 1
    np.testing.assert_allclose(p.actual, s[t0:])
    np.testing.assert_allclose(p.persistence, s[t0 - 1 : -1])
    err = s[t0 - 1 : -1] + 1 - s[t0:]
    assert p.metrics.rmse_original == pytest.approx(np.sqrt(np.mean(err**2)))
    assert p.metrics.mae_original == pytest.approx(np.mean(np.abs(err)))
    pers = s[t0 - 1 : -1] - s[t0:]
    assert p.metrics.persistence_rmse == pytest.approx(np.sqrt(np.mean(pers**2)))


def test_point_by_point_normalised_metrics_are_the_model_units():
    s = series()
    data = prepare(s, window=10, normalise="window")

    def half(x: np.ndarray) -> np.ndarray:
        return 0.5 * x[:, -1:]

    p = prediction.predict_point(half, data)
    z_err = 0.5 * data.test.x[:, -1:] - data.test.y  # straight from the windows
    assert p.metrics.rmse == pytest.approx(np.sqrt(np.mean(z_err**2)), rel=1e-12)
    pers = data.test.x[:, -1:] - data.test.y
    assert p.metrics.persistence_rmse == pytest.approx(np.sqrt(np.mean(pers**2)), rel=1e-12)
    # back in original units: p_0 (1 + z)
    p0 = s[data.test.start]
    np.testing.assert_allclose(p.predicted, p0 * (1 + 0.5 * data.test.x[:, -1]), rtol=1e-12)


def test_full_sequence_feeds_its_predictions_back():
    s = series()
    data = prepare(s, window=10, normalise="none")
    p = prediction.predict_full(plus_one, data)
    t0 = data.test_target_start
    # had it read the true series it would give s[t-1] + 1; fed back, it climbs from the last truth
    np.testing.assert_allclose(p.predicted, s[t0 - 1] + np.arange(1, len(s) - t0 + 1))
    np.testing.assert_array_equal(p.index, np.arange(t0, len(s)))
    np.testing.assert_allclose(p.persistence, s[t0 - 1])
    assert set(p.run) == {0}


def test_full_sequence_renormalises_each_window():
    # per-window normalisation and a model that predicts the window mean: in original units the
    # next value is the mean of the last W values, whatever p_0 is
    s = series()
    W = 10
    data = prepare(s, window=W, normalise="window")
    p = prediction.predict_full(lambda z: z.mean(axis=1, keepdims=True), data)
    t0 = data.test_target_start
    window, expected = list(s[t0 - W : t0]), []
    for _ in range(len(s) - t0):
        expected.append(np.mean(window))
        window = window[1:] + [expected[-1]]
    np.testing.assert_allclose(p.predicted, expected, rtol=1e-12)


def test_full_sequence_with_a_longer_horizon():
    s = series()
    data = prepare(s, window=10, horizon=3, normalise="none")
    p = prediction.predict_full(lambda x: x[:, -1:] + np.array([[1.0, 2.0, 3.0]]), data)
    t0 = data.test_target_start
    np.testing.assert_allclose(p.predicted, s[t0 - 1] + np.arange(1, len(s) - t0 + 1))


def test_multi_sequence_restarts_from_the_truth_every_run():
    s = series()
    data = prepare(s, window=10, normalise="zscore")
    L = 7
    # in z-score units "+1" is one training std in original units
    step_size = data.scaler.scale
    p = prediction.predict_multi(plus_one, data, length=L)
    t0 = data.test_target_start
    n_runs = math.ceil(len(data.test) / L)
    assert set(p.run) == set(range(n_runs))
    for r in range(n_runs):
        start = t0 + r * L  # first predicted index of run r
        k = min(L, len(s) - start)
        rows = p.run == r
        np.testing.assert_array_equal(p.index[rows], np.arange(start, start + k))
        np.testing.assert_allclose(
            p.predicted[rows], s[start - 1] + step_size * np.arange(1, k + 1), rtol=1e-12
        )
        np.testing.assert_allclose(p.persistence[rows], s[start - 1])
    assert prediction.predict_multi(plus_one, data).run.max() == math.ceil(len(data.test) / 10) - 1


def test_predictions_csv_has_every_mode():
    s = series()
    data = prepare(s, window=10, normalise="none")
    preds = prediction.predict_all(plus_one, data)
    dates = np.arange("2000-01-01", len(s), dtype="datetime64[D]")
    df = pd.read_csv(io.BytesIO(prediction.predictions_csv(preds, dates)))
    assert list(df.columns) == [
        "mode",
        "run",
        "step",
        "index",
        "date",
        "predicted",
        "actual",
        "persistence",
    ]
    assert df["mode"].value_counts().to_dict() == {m: len(preds[m].index) for m in prediction.MODES}
    row = df[df["mode"] == "point"].iloc[0]
    assert row["date"] == str(dates[row["index"]])
