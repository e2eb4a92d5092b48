"""`gradient_decay_figure` and `forget_product_figure`: how far back in time the gradient reaches.

gradient_decay_figure draws, for each run, `grads.h_norm[t]` = ‖∂L/∂h_t‖ (solid) and for LSTM
runs `grads.c_norm[t]` = ‖∂L/∂c_t‖ (dotted) on a log axis, plus optional Jacobian norms
‖∂h_{T-1}/∂h_t‖ (dashed). A log axis cannot show 0, inf or nan, so those points are left out of
the curve (a gap) and marked instead: triangles at the bottom edge with text "0" for exact
zeros, crosses at the top edge with text "overflow" for inf/nan. Every finite positive y-value of
a curve is the Grads/Jacobians value itself.

forget_product_figure shows the LSTM's direct path back along the cell state: ∂c_{T-1}/∂c_t
through the cell-state line alone is ∏_{s=t+1}^{T-1} f_s (one unit), against the RNN's
‖∂h_{T-1}/∂h_t‖. The running product is a display transform of the trace's forget gates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import (
    RUN_COLORS,
    assemble,
    check_layer,
    check_unit,
    merge_labels,
    of_output,
    style,
)
from explainer.norms import Jacobians
from explainer.trace import Grads, Trace


def _log_curve(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y with non-positive/non-finite values as nan, zero mask, overflow mask)."""
    y = np.asarray(y, dtype=np.float64)
    bad = ~np.isfinite(y)
    with np.errstate(invalid="ignore"):
        zero = y <= 0  # norms are >= 0: this is exactly 0 (or a negative that cannot be drawn)
    return np.where(bad | zero, np.nan, y), zero & ~bad, bad


def log_range(curves: list[np.ndarray]) -> tuple[float, float]:
    """log10 axis range holding every finite positive value, with room for the marks."""
    vals = np.concatenate([c[np.isfinite(c)] for c in curves]) if curves else np.empty(0)
    if vals.size == 0:
        return -1.0, 1.0
    lo, hi = float(np.log10(vals.min())), float(np.log10(vals.max()))
    pad = max(0.3, 0.06 * (hi - lo))
    # stay inside float64 (values near 1e308 occur just before an overflow)
    return max(lo - pad, -320.0), min(hi + pad, 307.5)


def log_axis(lo: float, hi: float) -> dict[str, Any]:
    """A log axis over 10**lo..10**hi with ticks on whole decades only (never the 2 and 5 between
    them) written as powers of ten (never SI prefixes such as 1μ on a gradient): every decade up to
    ten of them, else every k-th so that at most about eight are labelled."""
    if np.floor(hi) < np.ceil(lo):  # no whole decade inside: reach down to the one below
        lo = float(np.floor(lo))
    span = max(hi - lo, 1e-9)
    step = max(1, int(np.ceil(span / 8)))
    first = int(np.ceil(lo / step) * step)
    vals = [10.0**e for e in range(first, int(np.floor(hi)) + 1, step)]
    text = [_power(e) for e in range(first, int(np.floor(hi)) + 1, step)]
    return dict(
        type="log",
        range=[lo, hi],
        tickvals=vals,
        ticktext=text,
        minor=dict(showgrid=False, ticks=""),
    )


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(e: int) -> str:
    """10**e as a tick label: 1, 10, then 10², 10⁻³ ..."""
    if e == 0:
        return "1"
    if e == 1:
        return "10"
    return "10" + str(e).translate(_SUPERSCRIPT)


def gradient_decay_figure(
    runs: Mapping[str, tuple[Trace, Grads]],
    *,
    jacobians: Mapping[str, Jacobians] | None = None,
    of: str = "L",
    cell_state: bool = True,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) of every run against t, log scale; `jacobians` adds dashed
    Jacobian-norm curves by run label; `cell_state=False` leaves out the LSTM's ‖∂L/∂c_t‖ (one
    curve per run, without `jacobians`). `of` names what the gradient is of in the legend ("y" for a
    network's output, as on the lesson pages). Batched traces are fine (the norms sum over the
    batch)."""
    if not runs:
        raise ValueError("runs is empty: pass {label: (trace, grads)}, e.g. {'LSTM': (tr, g)}")
    lab = merge_labels(labels)
    st = style(presentation)
    jacobians = jacobians or {}
    unknown = set(jacobians) - set(runs)
    if unknown:
        raise ValueError(f"jacobians for unknown run(s) {sorted(unknown)}; runs are {list(runs)}")
    series: list[tuple[str, str, str, np.ndarray]] = []  # (name, colour, dash, y)
    for j, (run, (trace, grads)) in enumerate(runs.items()):
        color = RUN_COLORS[j % len(RUN_COLORS)]
        if grads.h_norm.shape != (trace.steps,):
            raise ValueError(f"run {run!r}: grads do not match the trace ({trace.steps} steps)")
        h_name, c_name = (
            of_output(lab[k].format(run=run), of) for k in ("decay.h_norm", "decay.c_norm")
        )
        series.append((h_name, color, "solid", grads.h_norm))
        if grads.c_norm is not None and cell_state:
            series.append((c_name, color, "dot", grads.c_norm))
        if run in jacobians:
            J = jacobians[run]
            series.append((lab["decay.jac_h"].format(run=run), color, "dash", J.h))
            if J.c is not None:
                series.append((lab["decay.jac_c"].format(run=run), color, "dashdot", J.c))
    curves = [(name, color, dash, *_log_curve(y)) for name, color, dash, y in series]
    lo, hi = log_range([c[3] for c in curves])
    top, bottom = 10 ** (hi - 0.02 * (hi - lo)), 10 ** (lo + 0.02 * (hi - lo))
    data: list[dict[str, Any]] = []
    for name, color, dash, y, zero, bad in curves:
        t = np.arange(y.shape[0])
        data.append(
            dict(
                type="scatter",
                x=t,
                y=y,
                name=name,
                legendgroup=name,
                mode="lines+markers" if y.shape[0] <= 40 else "lines",
                line=dict(color=color, width=st.line, dash=dash),
                marker=dict(size=st.marker * 0.55),
                hovertemplate=lab["decay.hover"].replace("{name}", name),
            )
        )
        for mask, y_mark, symbol, text in (
            (bad, top, "x", lab["decay.overflow"]),
            (zero, bottom, "triangle-down", lab["decay.zero"]),
        ):
            if mask.any():
                n_marks = int(mask.sum())
                data.append(
                    dict(
                        type="scatter",
                        x=t[mask],
                        y=np.full(n_marks, y_mark),
                        name=f"{name}: {text}",
                        legendgroup=name,
                        showlegend=False,
                        mode="markers+text",
                        # many marks: write the word once, on the first
                        text=[text] * n_marks if n_marks <= 30 else [text] + [""] * (n_marks - 1),
                        textposition="bottom center" if symbol == "x" else "top center",
                        textfont=dict(color=color, size=st.font - 2),
                        marker=dict(symbol=symbol, size=st.marker, color=color),
                        hovertemplate=f"{name}<br>t = %{{x}}<br>{text}<extra></extra>",
                    )
                )
    return assemble(
        data,
        st.layout(
            title=dict(text=lab["decay.title"], font=dict(size=st.title), x=0.01, xanchor="left"),
            xaxis=dict(title=dict(text=lab["time_step"])),
            yaxis=dict(title=dict(text=lab["decay.y"]), **log_axis(lo, hi)),
            height=460 if not presentation else 620,
            legend=dict(font=dict(size=st.font - 1), orientation="h", y=-0.2, x=0),
        ),
    )


def forget_product_figure(
    lstm: Trace,
    *,
    rnn_jacobians: Mapping[str, Jacobians] | None = None,
    unit: int = 0,
    layer: int = -1,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """∏_{s=t+1}^{T-1} f_s for one unit of an LSTM trace (the gradient's path along the cell
    state) against t, with the RNN Jacobian norms ‖∂h_{T-1}/∂h_t‖ of `rnn_jacobians` (by label)."""
    if lstm.cell != "lstm":
        raise ValueError(f"forget_product_figure needs an LSTM trace, got a {lstm.cell} trace")
    if lstm.batched:
        raise ValueError("forget_product_figure draws one sequence: pass an unbatched trace")
    k = check_layer(lstm, layer)
    u = check_unit(lstm, unit)
    lab = merge_labels(labels)
    st = style(presentation)
    f = lstm.layers[k].gates["f"][:, u]
    T = f.shape[0]
    # product of f_{t+1} ... f_{T-1}: a reversed cumulative product, shifted by one (empty = 1)
    prod = np.ones(T)
    prod[:-1] = np.cumprod(f[::-1])[::-1][1:]
    series = [(lab["forget.product"].format(run="LSTM", unit=u), RUN_COLORS[1], "solid", prod)]
    for j, (run, J) in enumerate((rnn_jacobians or {}).items()):
        color = RUN_COLORS[(j + 2) % len(RUN_COLORS)]
        series.append((lab["forget.jacobian"].format(run=run), color, "dash", J.h))
    curves = [(name, color, dash, _log_curve(y)[0]) for name, color, dash, y in series]
    lo, hi = log_range([c[3] for c in curves])
    data: list[dict[str, Any]] = []
    for name, color, dash, y in curves:
        data.append(
            dict(
                type="scatter",
                x=np.arange(y.shape[0]),
                y=y,
                name=name,
                mode="lines",
                line=dict(color=color, width=st.line, dash=dash),
                hovertemplate=f"{name}<br>t = %{{x}}<br>%{{y:.4g}}<extra></extra>",
            )
        )
    return assemble(
        data,
        st.layout(
            title=dict(
                text=lab["forget.title"].format(last=T - 1),
                font=dict(size=st.title),
                x=0.01,
                xanchor="left",
            ),
            xaxis=dict(title=dict(text=lab["time_step"])),
            yaxis=dict(title=dict(text=lab["forget.y"]), **log_axis(lo, hi)),
            height=440 if not presentation else 600,
            legend=dict(orientation="h", y=-0.2, x=0),
        ),
    )
