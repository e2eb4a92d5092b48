"""`sequence_figure`: the input sequence a network reads, with the task's markers and target, and
(given sensitivities) how much the output depends on every input step, painted under it.

Top row: the input's value channel x_t[0] as bars, one per step; the marked steps (the task's
marker channel is 1 there) in the marker colour, with a dotted line through every row below. The
title names the target y and, given it, the network's output ŷ.

Rows below (given `sensitivity`, a mapping run name -> (T,) array of ‖∂y/∂x_t‖, e.g. from
`model.connectivity`): one strip per run, each step coloured by log10 ‖∂y/∂x_t‖ on one shared
colour axis spanning `DECADES` decades below the largest finite value of all the runs, so the
strips compare across runs (the output y is the same target for all of them). Values that are 0 or
more than `DECADES` decades down share the faintest colour; the hover gives the exact number.
Distill's "memorization" view (Madsen 2019, "Visualizing memorization in RNNs") in one picture.

The figure only draws: every number comes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import (
    GATE_COLORS,
    assemble,
    fmt,
    merge_labels,
    style,
)

DECADES = 8  # colour range of the sensitivity strips, in powers of ten below the largest
MARKER_COLOR = "#E69F00"
SENSITIVITY = [[0.0, "#f7f7f7"], [0.35, "#fdd0a2"], [0.7, "#e6550d"], [1.0, "#4a1a00"]]


def _log_range(sensitivity: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """The shared colour range: DECADES decades below the largest finite positive value."""
    values = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in sensitivity.values()])
    ok = values[np.isfinite(values) & (values > 0)]
    top = float(np.log10(ok.max())) if ok.size else 0.0
    return top - DECADES, top


def sequence_figure(
    x: np.ndarray,
    *,
    markers: np.ndarray | None = None,
    task: str = "",
    target: float | None = None,
    output: float | None = None,
    sensitivity: Mapping[str, np.ndarray] | None = None,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """`x` (T, D): the input (its channel 0 is drawn); `markers` (T,) bool: the marked steps;
    `task`: a phrase naming what x is (shown in the title); `target`/`output`: the target and the
    network's output, written in the title; `sensitivity`: run name -> (T,) ‖∂y/∂x_t‖."""
    x, marked, sens = _checked(x, markers, sensitivity)
    lab = merge_labels(labels)
    st = style(presentation)
    T = x.shape[0]
    t = np.arange(T)
    top_h = 0.45 if sens else 1.0  # the input row, as a fraction of the plotting height
    data = _input_bars(t, x[:, 0], marked, lab)
    axes: dict[str, Any] = {
        "xaxis": dict(
            anchor="y",
            domain=[0.0, 1.0],
            range=[-0.6, T - 0.4],
            showticklabels=not sens,
            title=None if sens else dict(text=lab["time_step"]),
        ),
        "yaxis": dict(
            anchor="x",
            domain=[1.0 - top_h, 1.0],
            title=dict(text=lab["sequence.value"]),
            zeroline=True,
        ),
    }
    if sens:
        strips, strip_axes = _sensitivity_strips(sens, t, top_h, lab, presentation)
        data += strips
        axes.update(strip_axes)
    per_row = 70 if not presentation else 95
    layout = st.layout(
        title=dict(
            text=_title(lab, st, task, target, output, bool(sens)),
            font=dict(size=st.title),
            x=0.01,
            xanchor="left",
        ),
        height=(200 if not presentation else 260) + per_row * len(sens) + 40 * bool(sens),
        shapes=_marker_lines(t[marked], st),
        bargap=0.1,
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom"),
        margin=dict(l=90, r=30, t=60 + 2 * st.title, b=50),
        **axes,
    )
    return assemble(data, layout)


def _checked(
    x: np.ndarray, markers: np.ndarray | None, sensitivity: Mapping[str, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """x as (T, D) floats, the markers as (T,) bools, the sensitivities each (T,)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (T, D), got {x.shape}")
    T = x.shape[0]
    marked = np.zeros(T, bool) if markers is None else np.asarray(markers, dtype=bool)
    if marked.shape != (T,):
        raise ValueError(f"markers must have shape ({T},), got {marked.shape}")
    sens = dict(sensitivity or {})
    for name, v in sens.items():
        if np.shape(v) != (T,):
            raise ValueError(f"sensitivity[{name!r}] must have shape ({T},), got {np.shape(v)}")
    return x, marked, sens


def _input_bars(t: np.ndarray, values: np.ndarray, marked: np.ndarray, lab) -> list[dict]:
    """The input row: one bar per step, the marked steps in the marker colour."""
    data = []
    for is_marked, name, color in (
        (False, lab["sequence.plain"], GATE_COLORS["x"]),
        (True, lab["sequence.marker"], MARKER_COLOR),
    ):
        sel = marked == is_marked
        if not sel.any():
            continue
        data.append(
            dict(
                type="bar",
                x=t[sel],
                y=values[sel],
                name=name,
                marker=dict(color=color, line=dict(width=0)),
                width=0.8,
                hovertemplate=lab["sequence.hover"],
                xaxis="x",
                yaxis="y",
            )
        )
    return data


def _sensitivity_strips(
    sens: dict[str, np.ndarray], t: np.ndarray, top_h: float, lab, presentation: bool
) -> tuple[list[dict], dict[str, Any]]:
    """One heatmap strip per run under the input row, on one shared log colour axis; their
    traces and their axes (and the colour axis)."""
    gap = 0.06
    strip = (1.0 - top_h - gap * len(sens)) / len(sens)
    lo, hi = _log_range(sens)
    data, axes = [], {}
    names = list(sens)
    for j, name in enumerate(names):
        v = np.asarray(sens[name], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            lz = np.log10(v)
        lz = np.where(np.isfinite(lz), lz, np.where(v > 0, hi, lo))
        suffix = str(j + 2)
        top = 1.0 - top_h - gap - j * (strip + gap)
        data.append(
            dict(
                type="heatmap",
                z=[np.clip(lz, lo, hi)],
                x=t,
                y=[name],
                customdata=[v],
                coloraxis="coloraxis",
                hovertemplate=lab["sequence.sens_hover"].replace("{name}", name),
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
            )
        )
        last = j == len(names) - 1
        axes[f"xaxis{suffix}"] = dict(
            anchor=f"y{suffix}",
            domain=[0.0, 1.0],
            matches="x",
            showticklabels=last,
            title=dict(text=lab["time_step"]) if last else None,
        )
        axes[f"yaxis{suffix}"] = dict(
            anchor=f"x{suffix}", domain=[max(top - strip, 0.0), top], fixedrange=True
        )
    axes["coloraxis"] = dict(
        colorscale=SENSITIVITY,
        cmin=lo,
        cmax=hi,
        colorbar=dict(
            title=dict(text=lab["sequence.colorbar"], side="right"),
            len=1.0 - top_h,
            y=0.0,
            yanchor="bottom",
            thickness=14 if not presentation else 22,
        ),
    )
    return data, axes


def _marker_lines(steps: np.ndarray, st: Any) -> list[dict[str, Any]]:
    """A dotted line through every row at each marked step."""
    return [
        dict(
            type="line",
            xref="x",
            yref="paper",
            x0=float(p),
            x1=float(p),
            y0=0.0,
            y1=1.0,
            line=dict(color=MARKER_COLOR, width=st.line * 0.6, dash="dot"),
            layer="above",
        )
        for p in steps
    ]


def _title(lab, st: Any, task: str, target, output, with_sens: bool) -> str:
    """What x is, the target and the output, and (with strips) what they show."""
    title = lab["sequence.title"].format(task=task) if task else ""
    extra = []
    if target is not None:
        extra.append(lab["sequence.target"].format(y=fmt(target, st.digits)))
    if output is not None:
        extra.append(lab["sequence.output"].format(y=fmt(output, st.digits)))
    if extra:
        title = "  ·  ".join([title, *extra] if title else extra)
    if with_sens:
        title += "<br><sub>" + lab["sequence.sens_title"] + "</sub>"
    return title
