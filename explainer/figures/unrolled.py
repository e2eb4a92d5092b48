"""`unrolled_figure`: the network unrolled over time, animated forward and (given grads) backward.

Layout: one column per time step t (x = t), one row per state: the input x at the bottom, then per
layer k its hidden state h^k and, for the LSTM, its cell state c^k (drawn a third of a step to the
right, so that the vertical edges between layers pass beside it). Each node is coloured by the
value of one hidden unit (`unit`, default 0; the input row by its feature 0). Edges: x_t -> h^0_t,
h^k_t -> h^{k+1}_t, h^k_{t-1} -> h^k_t, c^k_{t-1} -> c^k_t and c^k_t -> h^k_t.

Forward animation: frame `t{t}` reveals the steps up to t (a translucent mask covers the future)
and writes the values at step t. There is one frame per step (`len(frames) == T`, or 2T with
grads), except above `max_frames` (200) steps, where an even subsample that keeps the first and
the last step is animated and the title says "showing 200 of T steps". Every node is still drawn,
smaller when T is large; frames only move the mask and the cursor (`traces=[...]`), so the JSON
grows by a few hundred bytes per frame.

Backward animation (given grads, frames `b{t}`, from the last step down to 0): the recurrent
edges are redrawn with width and colour by gradient norm, and a mask covers the steps the gradient
has not reached yet. Each edge is coloured by ‖∂L/∂s‖ of the state s it carries the gradient back
to (`grads.layers[k].h_norm[t-1]` for h^k_{t-1} <- h^k_t, `c_norm` along the cell-state row,
`h_norm[t]` of the lower layer for h^k_t <- h^{k+1}_t, `c_norm[t]` for c_t <- h_t), in classes of
one decade below the largest finite norm; zeros and norms more than `GRADIENT_DECADES` decades
below it share the faintest class, inf/nan edges are drawn dashed as "overflow". The input edges
x_t -> h^0_t carry no norm in `Grads` and stay grey.

Batched traces are refused (pass `model.forward(x[b])`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import (
    DIVERGING,
    GATE_COLORS,
    GRADIENT,
    SEQUENTIAL,
    assemble,
    check_layer,
    check_unit,
    fmt,
    frame_steps,
    merge_labels,
    of_output,
    require_unbatched,
    style,
    symmetric_range,
)
from explainer.trace import Grads, Trace

C_SHIFT = 0.35  # the cell-state row is drawn this far right of its step
GRADIENT_DECADES = len(GRADIENT) - 1  # edge classes: one per decade, then "about zero"
OVERFLOW_COLOR = "#D55E00"
MASK = "rgba(255,255,255,0.82)"


@dataclass
class _Row:
    kind: str  # "x" | "h" | "c"
    layer: int
    y: float
    values: np.ndarray  # (T,) one unit's value at each step
    grad: np.ndarray | None  # (T,) ‖∂L/∂state_t‖, or None
    label: str

    @property
    def dx(self) -> float:
        return C_SHIFT if self.kind == "c" else 0.0


def _rows(trace: Trace, grads: Grads | None, layers: list[int], unit: int, lab) -> list[_Row]:
    first = trace.layers[layers[0]]
    if layers[0] == 0:
        rows = [_Row("x", -1, 0.0, first.x[:, 0], None, lab["unrolled.row_x"])]
    else:  # a single upper layer: its input is the hidden state of the layer below
        below = layers[0] - 1
        g = None if grads is None else grads.layers[below].h_norm
        label = lab["unrolled.row_h"].format(layer=below)
        rows = [_Row("h", below, 0.0, first.x[:, unit], g, label)]
    step = 2.0 if trace.cell == "lstm" else 1.0
    for j, k in enumerate(layers):
        lay, lg = trace.layers[k], None if grads is None else grads.layers[k]
        y = 1.0 + step * j
        rows.append(
            _Row(
                "h",
                k,
                y,
                lay.h[:, unit],
                None if lg is None else lg.h_norm,
                lab["unrolled.row_h"].format(layer=k),
            )
        )
        if lay.c is not None:
            rows.append(
                _Row(
                    "c",
                    k,
                    y + 0.9,
                    lay.c[:, unit],
                    None if lg is None else lg.c_norm,
                    lab["unrolled.row_c"].format(layer=k),
                )
            )
    return rows


def _segments(pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]):
    """x, y arrays of line segments (x0, y0) -> (x1, y1), separated by nan (a gap in Plotly)."""
    if not pairs:
        return np.empty(0), np.empty(0)
    xs, ys = [], []
    for x0, y0, x1, y1 in pairs:
        n = x0.shape[0]
        xs.append(np.column_stack([x0, x1, np.full(n, np.nan)]).ravel())
        ys.append(np.column_stack([y0, y1, np.full(n, np.nan)]).ravel())
    return np.concatenate(xs), np.concatenate(ys)


def _edges(rows: list[_Row], T: int) -> list[tuple[np.ndarray, ...]]:
    """Every edge as (x0, y0, x1, y1, gradient value or nan, has_gradient) arrays."""
    t = np.arange(T, dtype=float)
    out = []
    nan = np.full(T, np.nan)
    by_layer: dict[int, dict[str, _Row]] = {}
    for r in rows[1:]:
        by_layer.setdefault(r.layer, {})[r.kind] = r
    below = rows[0]
    for rr in by_layer.values():
        h = rr["h"]
        # vertical: the row below feeds h^k_t; the gradient it carries back lands on the row below
        g_below = below.grad if below.grad is not None else nan
        out.append(
            (t + below.dx, np.full(T, below.y), t, np.full(T, h.y), g_below, below.grad is not None)
        )
        # recurrent: h_{t-1} -> h_t, carrying ‖∂L/∂h_{t-1}‖ back
        g = h.grad if h.grad is not None else nan
        out.append(
            (t[:-1], np.full(T - 1, h.y), t[1:], np.full(T - 1, h.y), g[:-1], h.grad is not None)
        )
        if "c" in rr:
            c = rr["c"]
            gc = c.grad if c.grad is not None else nan
            out.append(
                (
                    t[:-1] + C_SHIFT,
                    np.full(T - 1, c.y),
                    t[1:] + C_SHIFT,
                    np.full(T - 1, c.y),
                    gc[:-1],
                    c.grad is not None,
                )
            )
            out.append((t + C_SHIFT, np.full(T, c.y), t, np.full(T, h.y), gc, c.grad is not None))
        below = h
    return out


def _largest_finite(values: np.ndarray) -> float:
    """The largest finite positive value (1.0 if there is none): the top of the edge classes."""
    pos = values[np.isfinite(values) & (values > 0)]
    return float(pos.max()) if pos.size else 1.0


def _gradient_classes(values: np.ndarray, M: float) -> np.ndarray:
    """Class of each gradient value: 0 = within a decade of M, 1 = the next decade, ...,
    GRADIENT_DECADES = below that (or exactly 0); -1 = inf/nan."""
    finite = np.isfinite(values)
    ok = finite & (values > 0)
    cls = np.full(values.shape, GRADIENT_DECADES)
    with np.errstate(divide="ignore", invalid="ignore"):
        decades = np.floor(-np.log10(values / M))
    cls[ok] = np.clip(decades[ok], 0, GRADIENT_DECADES).astype(int)
    cls[~finite] = -1
    return cls


def _nice_half(values: np.ndarray) -> float:
    """Half-width of a tanh row's colour range: its largest |value| rounded up to 0.05, at most 1."""
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 1.0
    return float(min(1.0, max(0.05, np.ceil(top / 0.05) * 0.05)))


def _mask(x0: float, x1: float, y0: float, y1: float) -> dict[str, Any]:
    x0, x1, y0, y1 = float(x0), float(x1), float(y0), float(y1)
    return dict(x=[x0, x1, x1, x0, x0], y=[y0, y0, y1, y1, y0])


@dataclass(frozen=True)
class _Box:
    """The drawing's sizes: nodes, edges and the axis ranges around them."""

    T: int
    node_size: float
    edge_w: float
    y_top: float  # the highest row
    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float

    @classmethod
    def of(cls, rows: list[_Row], T: int, st: Any) -> _Box:
        y_top = max(r.y for r in rows)
        return cls(
            T=T,
            node_size=float(np.clip(700 / max(T, 1), 5, st.marker * 1.8)),
            edge_w=st.line * (1.0 if T <= 100 else 0.6),
            y_top=y_top,
            x_lo=-0.7,
            x_hi=T - 1 + max(0.9, 0.03 * T),  # room for the cursor text at the last step
            y_lo=-0.7,
            y_hi=y_top + 0.75,
        )


def unrolled_figure(
    trace: Trace,
    grads: Grads | None = None,
    *,
    layer: int | None = None,
    unit: int = 0,
    max_frames: int = 200,
    of: str = "L",
    validate: bool = False,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """The unrolled graph of every layer (or only `layer`), animated over time; given `grads`
    (from `model.backward(trace, ...)`), a second animation runs the backward pass. `unit` picks
    the hidden unit whose values colour the nodes; `of` names what the gradient is of ("y": the
    network's output, as on the lesson pages); `validate=True` runs Plotly's validation (slow:
    ~1 ms per frame; see `explainer.figures.style.assemble`)."""
    require_unbatched(trace, "unrolled_figure")
    _check_grads(trace, grads)
    layers = list(range(trace.num_layers)) if layer is None else [check_layer(trace, layer)]
    u = check_unit(trace, unit)
    lab = merge_labels(labels)
    for k in ("unrolled.hover_grad", "unrolled.grad_legend", "unrolled.grad_text"):
        lab[k] = of_output(lab[k], of)
    st = style(presentation)
    rows = _rows(trace, grads, layers, u, lab)
    steps = frame_steps(trace.steps, max_frames)
    box = _Box.of(rows, trace.steps, st)
    edges = _edges(rows, trace.steps)
    first_h = next(r for r in rows if r.kind == "h")

    # traces in drawing order: plain edges, nodes, gradient edges (over the nodes: at T = 40 and
    # more the columns are narrow and edges under the markers would hide), masks and the cursor
    data = [_plain_edges(edges, box, lab)]
    data += [_nodes(r, r is first_h, trace, box, st, lab) for r in rows]
    gradient = [] if grads is None else _gradient_edges(edges, box, st, lab)
    grad_idx = list(range(len(data), len(data) + len(gradient)))
    data += gradient
    moving = [len(data), len(data) + 1, len(data) + 2, *grad_idx]  # the traces frames change
    data += _masks(box)
    data.append(_cursor_trace(rows, box, st, lab))

    frames = _frames(rows, steps, box, lab, moving, with_grads=grads is not None)
    layout = _layout(trace, rows, steps, u, box, st, lab, presentation, grads is not None)
    return assemble(data, layout, frames, validate=validate)


def _check_grads(trace: Trace, grads: Grads | None) -> None:
    if grads is not None and (
        grads.cell != trace.cell
        or len(grads.layers) != trace.num_layers
        or grads.h_norm.shape != (trace.steps,)
    ):
        raise ValueError("grads do not belong to this trace: pass model.backward(trace, grad_h)")


def _plain_edges(edges: list[tuple[np.ndarray, ...]], box: _Box, lab) -> dict[str, Any]:
    """The forward graph's edges, grey (under the gradient edges in the backward pass)."""
    ex, ey = _segments([(x0, y0, x1, y1) for x0, y0, x1, y1, _, _ in edges])
    return dict(
        type="scatter",
        x=ex,
        y=ey,
        mode="lines",
        hoverinfo="skip",
        name=lab["unrolled.edges"],
        showlegend=False,
        line=dict(color="#b0b0b0" if box.T <= 100 else "#dddddd", width=box.edge_w),
    )


def _color_range(r: _Row, trace: Trace) -> tuple[list, float, float]:
    """A row's colour scale and range: symmetric for x, c and tanh values, 0.. for relu."""
    if r.kind == "x":
        half = symmetric_range(r.values, at_least=1e-9)
    elif r.kind == "c":
        half = symmetric_range(r.values)
    elif trace.cell == "rnn" and trace.nonlinearity == "relu":
        return SEQUENTIAL, 0.0, symmetric_range(r.values)
    else:  # tanh values: the unit's own range, so that a quiet unit is not drawn white
        half = _nice_half(r.values)
    return DIVERGING, -half, half


def _nodes(r: _Row, first_h: bool, trace: Trace, box: _Box, st: Any, lab) -> dict[str, Any]:
    """One row's nodes, coloured by value; the first h row and the x row carry a colour bar."""
    T = box.T
    cs, cmin, cmax = _color_range(r, trace)
    grad = r.grad if r.grad is not None else np.full(T, np.nan)
    hover = lab["unrolled.hover_grad" if r.grad is not None else "unrolled.hover"]
    marker = dict(
        color=np.where(np.isfinite(r.values), r.values, np.nan),
        colorscale=cs,
        cmin=cmin,
        cmax=cmax,
        size=box.node_size,
        line=dict(color=GATE_COLORS[r.kind], width=1.5 if T <= 100 else 0.5),
    )
    if first_h or r.kind == "x":  # one colour bar for h (top), one for x (bottom)
        marker.update(
            showscale=True,
            colorbar=dict(
                title=dict(
                    text=lab["unrolled.value_colorbar" if first_h else "unrolled.x_colorbar"],
                    font=dict(size=st.font),
                ),
                tickfont=dict(size=st.font - 1),
                len=0.42,
                thickness=12,
                x=1.03,
                y=0.74 if first_h else 0.22,
                yanchor="middle",
            ),
        )
    t_idx = np.arange(T, dtype=float)
    return dict(
        type="scatter",
        x=t_idx + r.dx,
        y=np.full(T, r.y),
        mode="markers",
        name=r.label,
        showlegend=False,
        marker=marker,
        customdata=np.column_stack([t_idx, grad]),
        hovertemplate=hover.replace("{row}", r.label),
    )


def _gradient_edges(
    edges: list[tuple[np.ndarray, ...]], box: _Box, st: Any, lab
) -> list[dict[str, Any]]:
    """One trace per gradient class (a decade each, then "about zero"), then the overflow:
    listed (greyed) in the legend until the backward pass shows them."""
    M = _largest_finite(np.concatenate([e[4] for e in edges if e[5]]))
    # the strongest class about half a node wide (the node's colour shows around it)
    widths = np.linspace(max(0.55 * box.node_size, 1.5 * st.line), 1.0, GRADIENT_DECADES + 1)
    colors = GRADIENT[::-1]
    out = []
    for c in [*range(GRADIENT_DECADES + 1), -1]:
        segs = []
        for x0, y0, x1, y1, g, has in edges:
            if not has:
                continue
            m = _gradient_classes(g, M) == c
            if m.any():
                segs.append((x0[m], y0[m], x1[m], y1[m]))
        gx, gy = _segments(segs)
        if c == -1:
            name, color, width, dash = lab["unrolled.overflow"], OVERFLOW_COLOR, box.edge_w, "dash"
        elif c == GRADIENT_DECADES:
            name, color, width, dash = lab["unrolled.grad_zero"], colors[c], widths[c], None
        else:
            hi, lo = M / 10**c, M / 10 ** (c + 1)
            name = lab["unrolled.grad_bin"].format(lo=f"{lo:.2g}", hi=f"{hi:.2g}")
            color, width, dash = colors[c], widths[c], None
        out.append(
            dict(
                type="scatter",
                x=gx,
                y=gy,
                mode="lines",
                hoverinfo="skip",
                name=name,
                visible="legendonly",  # listed (greyed) until the backward pass,
                showlegend=gx.size > 0,
                line=dict(color=color, width=width, dash=dash),
            )
        )
    return out


def _masks(box: _Box) -> list[dict[str, Any]]:
    """The forward pass's mask over the future and the backward pass's over the steps the
    gradient has not reached yet (hidden until then)."""
    mask_style = dict(
        type="scatter",
        mode="lines",
        fill="toself",
        fillcolor=MASK,
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
    )
    return [
        dict(**mask_style, **_mask(box.x_hi, box.x_hi, box.y_lo, box.y_hi), name="future"),
        dict(
            **mask_style,
            **_mask(box.x_lo, box.x_lo, box.y_lo, box.y_hi),
            name="not reached",
            visible=False,
        ),
    ]


def _cursor(rows: list[_Row], lab, t: int, backward: bool) -> dict[str, Any]:
    """The cursor at step t: the values there, or in the backward pass the gradient norms."""
    if backward:
        text = [
            ""
            if r.grad is None
            else lab["unrolled.grad_text"].replace("{value}", fmt(r.grad[t], 2, tiny=0))
            for r in rows
        ]
    else:
        text = [fmt(r.values[t], 2) for r in rows]
    return dict(x=[t + r.dx for r in rows], y=[r.y for r in rows], text=text)


def _cursor_trace(rows: list[_Row], box: _Box, st: Any, lab) -> dict[str, Any]:
    return dict(
        type="scatter",
        mode="markers+text",
        hoverinfo="skip",
        showlegend=False,
        name="cursor",
        textposition="top center",
        textfont=dict(size=st.font - 1, color="#111111"),
        marker=dict(
            symbol="circle-open",
            size=box.node_size + (10 if box.T <= 40 else 6),
            color=OVERFLOW_COLOR,
            line=dict(width=st.line + 1),
        ),
        **_cursor(rows, lab, box.T - 1, False),
    )


def _frames(
    rows: list[_Row], steps: np.ndarray, box: _Box, lab, moving: list[int], with_grads: bool
) -> list[dict[str, Any]]:
    """Forward frames t0..t{T-1}, then (with grads) backward frames b{T-1}..b0; each changes only
    the `moving` traces: the two masks, the cursor and the gradient edges' visibility."""
    n_grad = len(moving) - 3
    x_hi, y_lo, y_hi = box.x_hi, box.y_lo, box.y_hi
    frames = []
    for t in steps:
        fdata = [dict(**_mask(t + 0.55, x_hi, y_lo, y_hi)), dict(visible=False)]
        fdata += [_cursor(rows, lab, t, False), *[dict(visible="legendonly")] * n_grad]
        frames.append(dict(name=f"t{t}", data=fdata, traces=moving))
    if with_grads:
        for t in steps[::-1]:
            bdata = [
                dict(**_mask(x_hi, x_hi, y_lo, y_hi)),
                dict(visible=True, **_mask(box.x_lo, t - 0.12, y_lo, y_hi)),
                _cursor(rows, lab, t, True),
            ] + [dict(visible=True)] * n_grad
            frames.append(dict(name=f"b{t}", data=bdata, traces=moving))
    return frames


def _animator(redraw: bool) -> Callable[[list[str] | None, int], list[Any]]:
    """The `args` of an animate call: visibility changes need a redraw; moving a mask does not."""

    def anim(names: list[str] | None, dur: int) -> list[Any]:
        return [
            names,
            dict(
                frame=dict(duration=dur, redraw=redraw),
                mode="immediate",
                fromcurrent=True,
                transition=dict(duration=0),
            ),
        ]

    return anim


def _layout(
    trace: Trace,
    rows: list[_Row],
    steps: np.ndarray,
    unit: int,
    box: _Box,
    st: Any,
    lab,
    presentation: bool,
    with_grads: bool,
) -> dict[str, Any]:
    """Title, axes, the gradient legend, the Play / Pause / Backward buttons and the sliders,
    sized in pixels: the plot area, then below it the axis title, the buttons and the slider(s)."""
    T = box.T
    anim = _animator(redraw=with_grads)
    duration = int(np.clip(8000 / len(steps), 40, 400))
    buttons = [
        dict(label=lab["play"], method="animate", args=anim([f"t{t}" for t in steps], duration)),
        dict(label=lab["pause"], method="animate", args=anim([None], 0)),
    ]
    if with_grads:
        bwd_names = [f"b{t}" for t in steps[::-1]]
        buttons.append(
            dict(label=lab["unrolled.backward"], method="animate", args=anim(bwd_names, duration))
        )
    scale = 1.0 if not presentation else 1.35
    plot_px = (box.y_top + 1.5) * 110 * scale
    button_px, slider_px = 62 * scale, 78 * scale
    bottom_px = button_px + 40 * scale + slider_px * (2 if with_grads else 1)
    top_px = 70 + 2 * st.title + (30 * scale if with_grads else 0)  # title, gradient legend
    sliders = [
        _slider(steps, "t", lab["time_step"] + " = ", anim, st.font, -(button_px + 36) / plot_px)
    ]
    if with_grads:
        y2 = -(button_px + 36 + slider_px) / plot_px
        sliders.append(_slider(steps, "b", lab["unrolled.backward_slider"], anim, st.font, y2))
    title = lab["unrolled.title"].format(cell=lab[f"cell.{trace.cell}"], steps=T, unit=unit)
    if len(steps) < T:
        title += "  ·  " + lab["subsample_note"].format(shown=len(steps), steps=T)
    return st.layout(
        title=dict(text=title, font=dict(size=st.title), x=0.01, xanchor="left"),
        xaxis=dict(
            range=[box.x_lo, box.x_hi],
            title=dict(text=lab["time_step"], standoff=4),
            zeroline=False,
            showgrid=False,
            dtick=None if T > 20 else 1,
        ),
        yaxis=dict(
            range=[box.y_lo, box.y_hi],
            tickvals=[r.y for r in rows],
            ticktext=[r.label for r in rows],
            showgrid=False,
            zeroline=False,
            fixedrange=True,
        ),
        height=int(plot_px + top_px + bottom_px),
        legend=dict(
            orientation="h",
            x=0,
            y=1.0,
            yanchor="bottom",
            font=dict(size=st.font - 2),
            title=dict(text=lab["unrolled.grad_legend"], side="left"),
            # Plotly under-measures these entries in a horizontal legend (they overlapped)
            entrywidth=int(7.5 * st.font),
            entrywidthmode="pixels",
        ),
        showlegend=with_grads,
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                xanchor="left",
                y=-button_px / plot_px,
                yanchor="top",
                pad=dict(t=0, r=10),
                showactive=False,
                font=dict(size=st.font),
                buttons=buttons,
            )
        ],
        sliders=sliders,
        margin=dict(l=30 + 4 * st.font, r=30, t=top_px, b=bottom_px),
        hovermode="closest",
    )


def _slider(steps: np.ndarray, prefix: str, text: str, anim, font: int, y: float) -> dict:
    """A time slider whose steps jump to the frames `{prefix}{t}`."""
    return dict(
        active=len(steps) - 1,
        currentvalue=dict(prefix=text, font=dict(size=font, color="#222222")),
        x=0.0,
        len=1.0,
        y=y,
        yanchor="top",
        pad=dict(t=24, b=0),
        # with many steps the tick labels would overlap: hide them, the current value shows t
        font=dict(size=max(font - 3, 9), color="#444444" if len(steps) <= 30 else "rgba(0,0,0,0)"),
        steps=[
            dict(
                method="animate",
                label=str(t),
                value=f"{prefix}{t}",
                args=anim([f"{prefix}{t}"], 0),
            )
            for t in steps
        ],
    )
