"""Figures of the forecasting page: predictions against the real series, and the loss curves.

    fig = forecast_figure(series, dates=dates, test_start=data.test_target_start,
                          prediction=predictions["multi"], name="co2")
    fig = loss_figure(result.history, epochs=config.epochs)

`forecast_figure` draws the whole series in original units, a dotted line and a shaded test part
at the train/test boundary, and one prediction mode on top: point-by-point (one step ahead of each
test window, one line), full-sequence (one recursive run, one line) or multi-sequence (several
recursive runs, each its own segment and colour, as in the classic recipe's plot). A prediction is
anything with the attributes `mode`, `index`, `run` and `predicted` (the backend's `Prediction`),
so this module never imports torch. `loss_figure` draws the training and validation loss per epoch
on a log scale; the page redraws it after every epoch while training.

Builders take `presentation=` and `labels=` like every figure; their label keys are in
`explainer.figures.labels` (Chinese: `explainer.i18n.labels`). User text (the series' name) is escaped: Plotly
renders a few HTML tags in titles, and a column name is never markup.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import plotly.graph_objects as go

from explainer.figures.gradients import log_axis, log_range
from explainer.figures.style import RUN_COLORS, assemble, merge_labels, style

SERIES_COLOR = "#555555"
TEST_SHADE = "rgba(0, 114, 178, 0.06)"
MAX_RUN_TRACES = 12  # more recursive runs than this share one trace (one colour)


class PredictionLike(Protocol):
    """What `forecast_figure` reads of a prediction (the backend's `Prediction` has it)."""

    mode: str
    index: np.ndarray  # (m,) series index of each predicted value
    run: np.ndarray  # (m,) test window or recursive run of each value
    predicted: np.ndarray  # (m,) original units


def _x(dates: np.ndarray | None, n: int) -> np.ndarray:
    if dates is None:
        return np.arange(n)
    d = np.asarray(dates)
    if len(d) != n:
        raise ValueError(f"dates has {len(d)} entries for a series of {n} values")
    if np.issubdtype(d.dtype, np.datetime64):
        # ISO strings: Plotly parses them as dates; base64 datetime64 it would not
        return np.datetime_as_string(d.astype("datetime64[s]"), unit="s")
    return d


def _segments(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of several runs in one trace, a gap (None) between consecutive runs."""
    cut = np.flatnonzero(np.diff(groups)) + 1
    xs, ys = [], []
    for part in np.split(np.arange(len(x)), cut):
        xs.extend(x[part].tolist() + [None])
        ys.extend(y[part].tolist() + [None])
    return np.array(xs[:-1], dtype=object), np.array(ys[:-1], dtype=object)


def forecast_figure(
    values: Sequence[float] | np.ndarray,
    *,
    dates: np.ndarray | None = None,
    test_start: int | None = None,
    prediction: PredictionLike | None = None,
    name: str | None = None,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """The series (original units) against time, the train/test boundary at series index
    `test_start` (the first test target), and one prediction mode when given. `dates` (datetime64
    or numbers, one per value) label the x-axis instead of the step index."""
    lab = merge_labels(labels)
    st = style(presentation)
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or len(v) == 0:
        raise ValueError(f"values must be a non-empty 1-D series, got shape {v.shape}")
    x = _x(dates, len(v))
    actual = lab["forecast.actual"]
    data: list[dict[str, Any]] = [
        dict(
            type="scatter",
            x=x,
            y=v,
            name=actual,
            mode="lines",
            line=dict(color=SERIES_COLOR, width=st.line * 0.75),
            hovertemplate=lab["forecast.hover"].replace("{name}", actual),
        )
    ]
    title = lab["forecast.title.series"]
    if prediction is not None:
        index, run, pred = _checked_prediction(prediction, len(v))
        mode = prediction.mode
        data.extend(_prediction_traces(mode, x[index], pred, index, run, lab, st.line))
        if mode == "multi":
            runs = np.unique(run)
            length = int(max(np.sum(run == r) for r in runs)) if len(runs) else 0
            title = lab["forecast.title.multi"].format(runs=len(runs), length=length)
        else:
            title = lab[f"forecast.title.{mode}"]
    split = test_start is not None and 0 < test_start < len(v)
    shapes, annotations = _test_split(x, test_start, lab, st) if split else ([], [])
    y_title = lab["forecast.y_named"].format(name=html.escape(name)) if name else lab["forecast.y"]
    xaxis: dict[str, Any] = dict(title=dict(text=lab["forecast.x"] if dates is None else ""))
    yaxis: dict[str, Any] = dict(title=dict(text=y_title))
    if prediction is not None and split:
        # open on the test part and as much context before it: the predictions are what matters
        # (the toolbar's autoscale shows the whole series)
        lo = max(0, test_start - max(len(v) - test_start, 10))
        shown = np.r_[v[lo:], pred[np.isfinite(pred)]]
        pad = 0.05 * max(float(np.ptp(shown)), 1e-12)
        xaxis["range"] = [x[lo], x[-1]]
        yaxis["range"] = [float(shown.min()) - pad, float(shown.max()) + pad]
    layout = st.layout(
        title=dict(text=title, font=dict(size=st.title), x=0.01, xanchor="left"),
        xaxis=xaxis,
        yaxis=yaxis,
        shapes=shapes,
        annotations=annotations,
        height=440 if not presentation else 600,
        legend=dict(font=dict(size=st.font - 1), orientation="h", y=-0.12, x=0, yanchor="top"),
        hovermode="closest",
    )
    return assemble(data, layout)


def _checked_prediction(
    prediction: PredictionLike, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prediction's (index, run, predicted) arrays, checked against a series of n values."""
    index = np.asarray(prediction.index, dtype=np.int64)
    run = np.asarray(prediction.run, dtype=np.int64)
    pred = np.asarray(prediction.predicted, dtype=np.float64)
    if not (index.shape == run.shape == pred.shape) or index.ndim != 1:
        raise ValueError("prediction.index, .run and .predicted must be 1-D and of one length")
    if len(index) and (index.min() < 0 or index.max() >= n):
        raise ValueError("prediction.index points outside the series")
    if prediction.mode not in ("point", "full", "multi"):
        raise ValueError(
            f"unknown prediction mode {prediction.mode!r}: expected point, full or multi"
        )
    return index, run, pred


def _test_split(x: np.ndarray, test_start: int, lab, st: Any) -> tuple[list, list]:
    """The test part shaded, a dotted line at its start, "← train" and "test →" beside it."""
    x0, x1 = x[test_start], x[-1]
    shapes = [
        dict(
            type="rect",
            xref="x",
            yref="paper",
            x0=x0,
            x1=x1,
            y0=0,
            y1=1,
            fillcolor=TEST_SHADE,
            line=dict(width=0),
            layer="below",
        ),
        dict(
            type="line",
            xref="x",
            yref="paper",
            x0=x0,
            x1=x0,
            y0=0,
            y1=1,
            line=dict(color="#333333", dash="dot", width=st.line * 0.75),
        ),
    ]
    annotations = [
        dict(
            x=x0,
            xref="x",
            y=1.0,
            yref="paper",
            yanchor="bottom",
            xanchor=anchor,
            text=("← " + text + " ") if anchor == "right" else (" " + text + " →"),
            showarrow=False,
            font=dict(size=st.font - 1, color="#333333"),
        )
        for text, anchor in ((lab["forecast.train"], "right"), (lab["forecast.test"], "left"))
    ]
    return shapes, annotations


def _prediction_traces(
    mode: str,
    x: np.ndarray,
    pred: np.ndarray,
    index: np.ndarray,
    run: np.ndarray,
    lab: Mapping[str, str],
    line: float,
) -> list[dict[str, Any]]:
    predicted = lab["forecast.predicted"]
    hover = lab["forecast.hover"]
    base = dict(type="scatter", mode="lines", hovertemplate=hover.replace("{name}", predicted))
    if mode == "point":
        one = np.r_[True, np.diff(run) != 0]  # each window's first value: one step ahead
        return [
            dict(
                base,
                x=x[one],
                y=pred[one],
                name=predicted,
                line=dict(color=RUN_COLORS[2], width=line),
            )
        ]
    if mode == "full" or len(np.unique(run)) > MAX_RUN_TRACES:
        xs, ys = _segments(x, pred, run)
        return [
            dict(
                base,
                x=xs,
                y=ys,
                name=predicted,
                connectgaps=False,
                line=dict(color=RUN_COLORS[2], width=line),
            )
        ]
    traces = []
    for j, r in enumerate(np.unique(run)):
        m = run == r
        name = lab["forecast.run"].format(run=int(r) + 1)
        traces.append(
            dict(
                base,
                x=x[m],
                y=pred[m],
                name=name,
                hovertemplate=hover.replace("{name}", name),
                line=dict(color=RUN_COLORS[1 + j % (len(RUN_COLORS) - 1)], width=line),
            )
        )
    return traces


def loss_figure(
    history: Sequence[Mapping[str, Any]],
    *,
    epochs: int | None = None,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Training and validation loss (`history`: one dict per epoch with `epoch`, `loss` and
    `val_loss`, as `TrainResult.history`) on a log scale. `epochs` fixes the x range to the planned
    number of epochs, so that a live chart does not rescale after every epoch."""
    lab = merge_labels(labels)
    st = style(presentation)
    ep = np.array([h["epoch"] for h in history], dtype=np.int64)
    data = []
    curves = []
    for key, name, color, dash in (
        ("loss", lab["loss.train"], RUN_COLORS[1], "solid"),
        ("val_loss", lab["loss.val"], RUN_COLORS[2], "dash"),
    ):
        y = np.array([np.nan if h.get(key) is None else h[key] for h in history], dtype=np.float64)
        if len(y) and np.isnan(y).all():
            continue  # no validation windows
        y = np.where(y > 0, y, np.nan)  # a log axis cannot show 0 (a perfect fit)
        curves.append(y)
        data.append(
            dict(
                type="scatter",
                x=ep,
                y=y,
                name=name,
                mode="lines+markers" if len(ep) <= 60 else "lines",
                line=dict(color=color, width=st.line, dash=dash),
                marker=dict(size=st.marker * 0.55),
                hovertemplate=lab["loss.hover"].replace("{name}", name),
            )
        )
    last = max(int(epochs or 0), int(ep.max()) if len(ep) else 1, 1)
    layout = st.layout(
        title=dict(text=lab["loss.title"], font=dict(size=st.title), x=0.01, xanchor="left"),
        xaxis=dict(
            title=dict(text=lab["loss.x"]),
            range=[0.5, last + 0.5],
            tick0=1,
            dtick=max(1, int(np.ceil(last / 10))),
        ),
        yaxis=dict(title=dict(text=lab["loss.y"]), **log_axis(*log_range(curves))),
        height=340 if not presentation else 460,
        legend=dict(
            font=dict(size=st.font - 1),
            orientation="h",
            y=1.0,
            x=1.0,
            xanchor="right",
            yanchor="bottom",
        ),
    )
    return assemble(data, layout)
