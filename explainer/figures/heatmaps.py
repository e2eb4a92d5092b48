"""`gate_heatmaps_figure` (time x unit heatmaps of every gate and state) and `saturation_figure`.

Heatmaps put the time step on x and the unit on y, so each panel's `z` is the trace array
transposed: `z[unit, t] = trace.layers[layer].gates[name][t, unit]`. The values are the trace's own
(float64) up to `EXACT_LIMIT` cells per figure; above it they are stored as float32 (7 significant
digits) so that a 500-step, 256-unit LSTM stays under 5 MB of JSON. Panels share colour axes:
sigmoid gates on 0..1, tanh values on -1..1, the LSTM cell state (unbounded) on its own symmetric
diverging axis, a relu RNN's h on its own 0..max axis.

Saturation: a sigmoid gate value s is saturated when s < threshold or s > 1 - threshold, a tanh
value v when |v| > 1 - threshold; both have a derivative near 0 there (σ' = s(1 - s),
tanh' = 1 - v²), so the gradient through them nearly stops. For a relu RNN the count is of units
at exactly 0 (relu' = 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import (
    DIVERGING,
    GATE_COLORS,
    SEQUENTIAL,
    assemble,
    check_layer,
    gate_scale,
    ladder_ceil,
    merge_labels,
    require_unbatched,
    style,
    symmetric_range,
)
from explainer.trace import Trace

CURSOR = "#D55E00"  # the page's step and unit, the colour of the unrolled graph's cursor
EXACT_LIMIT = 400_000
"""Total heatmap cells up to which `z` holds the exact float64 values (above: float32)."""


def heatmap_panels(trace: Trace, layer: int) -> list[tuple[str, np.ndarray]]:
    """(name, (T, H) array) of every panel, in order: the gates, then c (LSTM), then h. The plain
    RNN's only "gate" is h itself, so it gets one panel h."""
    lay = trace.layers[layer]
    panels = [(n, lay.gates[n]) for n in trace.gate_names if n != "h"]
    if lay.c is not None:
        panels.append(("c", lay.c))
    panels.append(("h", lay.h))
    return panels


def gate_heatmaps_figure(
    trace: Trace,
    *,
    layer: int = 0,
    t: int | None = None,
    unit: int | None = None,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """One time x unit heatmap per gate, plus c (LSTM) and h, of `layer`. `t` and `unit` draw the
    page's cursor on every panel (the step and the unit its other views show): a line at step t,
    a box around (t, unit). Batched traces are refused (pass `model.forward(x[b])`)."""
    require_unbatched(trace, "gate_heatmaps_figure")
    k = check_layer(trace, layer)
    lab = merge_labels(labels)
    st = style(presentation)
    panels = heatmap_panels(trace, k)
    T, H = trace.steps, trace.hidden_size
    if t is not None and not 0 <= t < T:
        raise ValueError(f"t = {t} out of range: the trace has {T} step(s)")
    if unit is not None and not 0 <= unit < H:
        raise ValueError(f"unit {unit} out of range: hidden_size is {H}")
    exact = len(panels) * T * H <= EXACT_LIMIT
    axes, ranges = _color_axes(panels, trace)
    # subplots by hand (make_subplots + validation cost ~100 ms): one row per panel, shared x
    rows = len(panels)
    row_px = 150 if not presentation else 200
    gap = (st.font + 12) / (row_px * rows)  # room for each panel's title above it
    height = (1.0 - gap * (rows - 1)) / rows
    data: list[dict[str, Any]] = []
    layout_axes: dict[str, Any] = {}
    titles = []
    cursor: list[dict[str, Any]] = []
    for j, (n, a) in enumerate(panels):
        suffix = "" if j == 0 else str(j + 1)
        top = 1.0 - j * (height + gap)
        z = a.T if exact else a.T.astype(np.float32)
        data.append(
            dict(
                type="heatmap",
                z=np.ascontiguousarray(z),
                coloraxis=axes[gate_scale(n, trace.cell, trace.nonlinearity)],
                hovertemplate=lab["heatmaps.hover"].replace("{name}", lab[f"gate.{n}"]),
                name=n,
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
            )
        )
        cursor += _cursor(t, unit, H, suffix, st)
        last = j == rows - 1
        layout_axes[f"xaxis{suffix}"] = dict(
            anchor=f"y{suffix}",
            domain=[0.0, 1.0],
            matches=None if j == 0 else "x",
            showticklabels=last,
            title=dict(text=lab["time_step"]) if last else None,
        )
        layout_axes[f"yaxis{suffix}"] = dict(
            anchor=f"x{suffix}",
            domain=[max(0.0, top - height), min(1.0, top)],
            title=dict(text=lab["unit"], standoff=4),
        )
        titles.append(
            dict(
                text=lab[f"gate.{n}"],
                x=0.0,
                xanchor="left",
                xref="paper",
                y=top,
                yanchor="bottom",
                yref="paper",
                showarrow=False,
                font=dict(size=st.font + 1, color=GATE_COLORS[n]),
            )
        )
    title = lab["heatmaps.title"].format(cell=lab[f"cell.{trace.cell}"], layer=k)
    layout = st.layout(
        title=dict(text=title, font=dict(size=st.title), x=0.01, xanchor="left"),
        height=row_px * rows + 120,
        annotations=titles,
        shapes=cursor,
        **layout_axes,
        **_colorbars(axes, ranges, lab, presentation),
    )
    return assemble(data, layout)


def _color_axes(
    panels: list[tuple[str, np.ndarray]], trace: Trace
) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    """The colour axis of each scale the panels use (sigmoid, tanh, c, relu), in order of first
    use, and the ranges of the two scales that have no fixed one (c, relu): the data's, rounded
    up on `ladder_ceil`'s ladder, so that while a network trains live the scale moves only now
    and then (and the browser repaints the panels' images instead of rebuilding the chart)."""
    axes: dict[str, str] = {}
    ranges: dict[str, tuple[float, float]] = {}
    for n, a in panels:
        scale = gate_scale(n, trace.cell, trace.nonlinearity)
        if scale not in axes:
            axes[scale] = "coloraxis" if not axes else f"coloraxis{len(axes) + 1}"
        if scale == "c":
            r = ladder_ceil(symmetric_range(a))
            ranges[scale] = (-r, r)
        elif scale == "relu":
            ranges[scale] = (0.0, ladder_ceil(symmetric_range(a)))
    return axes, ranges


def _cursor(t: int | None, unit: int | None, H: int, suffix: str, st: Any) -> list[dict]:
    """The page's cursor on one panel: a dotted line at step t, a box around (t, unit)."""
    if t is None:
        return []
    refs = dict(xref=f"x{suffix}", yref=f"y{suffix}")
    line = dict(color=CURSOR, width=st.line * 0.75, dash="dot")
    shapes = [dict(type="line", x0=t, x1=t, y0=-0.5, y1=H - 0.5, line=line, **refs)]
    if unit is not None:
        box = dict(color=CURSOR, width=st.line * 1.25)
        shapes.append(
            dict(
                type="rect",
                x0=t - 0.5,
                x1=t + 0.5,
                y0=unit - 0.5,
                y1=unit + 0.5,
                line=box,
                **refs,
            )
        )
    return shapes


def _colorbars(
    axes: dict[str, str], ranges: dict[str, tuple[float, float]], lab, presentation: bool
) -> dict[str, Any]:
    """One colour axis per scale, their bars stacked on the right."""
    bar_len = 1.0 / len(axes)
    coloraxes = {}
    for j, (scale, name) in enumerate(axes.items()):
        if scale == "sigmoid":
            cs, cmin, cmax, title = SEQUENTIAL, 0.0, 1.0, lab["heatmaps.colorbar_sigmoid"]
        elif scale == "tanh":
            cs, cmin, cmax, title = DIVERGING, -1.0, 1.0, lab["heatmaps.colorbar_tanh"]
        elif scale == "c":
            cs, (cmin, cmax), title = DIVERGING, ranges["c"], lab["heatmaps.colorbar_c"]
        else:
            cs, (cmin, cmax), title = SEQUENTIAL, ranges["relu"], lab["heatmaps.colorbar_relu"]
        coloraxes[name] = dict(
            colorscale=cs,
            cmin=cmin,
            cmax=cmax,
            colorbar=dict(
                title=dict(text=title, side="right"),
                len=bar_len * 0.9,
                y=1 - (j + 0.5) * bar_len,
                yanchor="middle",
                thickness=14 if not presentation else 22,
            ),
        )
    return coloraxes


def saturation_fractions(
    trace: Trace, layer: int, threshold: float
) -> list[tuple[str, np.ndarray]]:
    """(name, (T,) fraction of units saturated) for each gate/state of `layer` (see the module
    docstring for the rule); a display summary of the trace, nothing more."""
    out = []
    for n, a in heatmap_panels(trace, layer):
        if n == "c":
            continue  # c is not squashed: it cannot saturate
        scale = gate_scale(n, trace.cell, trace.nonlinearity)
        if scale == "sigmoid":
            sat = (a < threshold) | (a > 1.0 - threshold)
        elif scale == "relu":
            sat = a == 0.0
        else:
            sat = np.abs(a) > 1.0 - threshold
        out.append((n, sat.mean(axis=-1)))
    return out


def saturation_figure(
    trace: Trace,
    *,
    layer: int = 0,
    threshold: float = 0.05,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Fraction of the units of each gate (and h) that are saturated at each step."""
    require_unbatched(trace, "saturation_figure")
    k = check_layer(trace, layer)
    if not 0 < threshold < 0.5:
        raise ValueError(f"threshold must be in (0, 0.5), got {threshold}")
    lab = merge_labels(labels)
    st = style(presentation)
    data: list[dict[str, Any]] = []
    relu = trace.cell == "rnn" and trace.nonlinearity == "relu"
    for n, frac in saturation_fractions(trace, k, threshold):
        name = lab["saturation.relu"] if relu else lab[f"gate.{n}"]
        data.append(
            dict(
                type="scatter",
                x=np.arange(trace.steps),
                y=frac,
                name=name,
                mode="lines+markers" if trace.steps <= 50 else "lines",
                line=dict(color=GATE_COLORS[n], width=st.line, dash="dot" if n == "h" else None),
                marker=dict(size=st.marker * 0.6),
                hovertemplate=lab["saturation.hover"].replace("{name}", name),
            )
        )
    title = lab["saturation.title"].format(layer=k, threshold=threshold)
    return assemble(
        data,
        st.layout(
            title=dict(
                text=f"{title}<br><sup>{lab['saturation.note']}</sup>",
                font=dict(size=st.title),
                x=0.01,
                xanchor="left",
            ),
            xaxis=dict(title=dict(text=lab["time_step"])),
            yaxis=dict(title=dict(text=lab["saturation.y"]), range=[-0.03, 1.03], tickformat=".0%"),
            height=420 if not presentation else 560,
            legend=dict(font=dict(size=st.font), orientation="h", y=-0.2, x=0),
        ),
    )
