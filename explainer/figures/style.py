"""The visual language shared by every figure: gate colours, fonts, colour scales, labels.

Colours (Okabe & Ito 2008, colour-blind safe; the cell state borrows Paul Tol's "wine"):

    i input gate  orange       f forget gate  blue       g candidate  green    o output gate  purple
    r reset gate  vermillion   z update gate  sky blue   n new state  green (the GRU's candidate)
    h hidden state  black      c cell state   wine       x input      grey

Colour scales: sigmoid gates (i f o r z) on a sequential 0..1 scale; tanh values (g n h) on a
diverging -1..1 scale; the LSTM cell state c (unbounded) on the same diverging scale, symmetric
about 0.

Labels: every builder takes `labels`, a mapping that overrides entries of `DEFAULT_LABELS`
(`explainer.figures.labels`; each key is documented there). Values may hold `{placeholders}`
that the builders fill with `str.format`; a translation must keep the placeholders. Keys are
stable: the app's i18n relies on them.

`presentation=True` gives bigger fonts, thicker lines and bigger markers, for a projector.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.utils import PlotlyJSONEncoder

from explainer.figures.labels import DEFAULT_LABELS
from explainer.trace import SIGMOID_GATES, Trace

GATE_COLORS: dict[str, str] = {
    "i": "#E69F00",
    "f": "#0072B2",
    "g": "#009E73",
    "o": "#CC79A7",
    "r": "#D55E00",
    "z": "#56B4E9",
    "n": "#009E73",
    "h": "#000000",
    "c": "#882255",
    "x": "#777777",
}
"""One colour per gate/state name, the same in every figure."""

RUN_COLORS: tuple[str, ...] = (
    "#000000",
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
)
"""Colours of runs overlaid in one figure (gradient decay), in order."""

SEQUENTIAL = [[0.0, "#ffffff"], [0.5, "#7fb8da"], [1.0, "#08306b"]]  # sigmoid gates, 0..1
DIVERGING = [[0.0, "#b2182b"], [0.5, "#f7f7f7"], [1.0, "#2166ac"]]  # tanh values, -1..1
GRADIENT = ["#d9d9d9", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603", "#4a1a00"]  # faint -> strong

FONT_FAMILY = "DejaVu Sans, Noto Sans CJK SC, Arial, sans-serif"


@dataclass(frozen=True)
class Style:
    """Font sizes, line widths and marker sizes of one figure."""

    font: int
    title: int
    line: float
    marker: float
    value_font: int  # numbers written on diagrams
    digits: int = 3  # decimals of the numbers on diagrams (fewer on a projector: bigger, shorter)
    label_font: int = 11  # gate names under the diagram's boxes

    def layout(self, **extra: Any) -> dict[str, Any]:
        """The base layout dict shared by every figure."""
        base = dict(
            template="plotly_white",
            font=dict(family=FONT_FAMILY, size=self.font, color="#222222"),
            title=dict(font=dict(size=self.title), x=0.01, xanchor="left"),
            hoverlabel=dict(font=dict(size=self.font)),
            legend=dict(font=dict(size=self.font)),
            margin=dict(l=30 + 4 * self.font, r=30, t=70 + 2 * self.title, b=60),
        )
        base.update(extra)
        return base


def style(presentation: bool = False) -> Style:
    """The classroom style, or a bigger one for a projector."""
    if presentation:
        return Style(
            font=20, title=26, line=4.0, marker=16.0, value_font=19, digits=2, label_font=17
        )
    return Style(font=13, title=17, line=2.0, marker=11.0, value_font=14, label_font=13)


def merge_labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    """DEFAULT_LABELS with `labels` laid over it; an unknown key is an error (likely a typo)."""
    merged = dict(DEFAULT_LABELS)
    if labels:
        unknown = set(labels) - set(DEFAULT_LABELS)
        if unknown:
            raise ValueError(
                f"unknown label key(s) {sorted(unknown)}; see explainer.figures.DEFAULT_LABELS"
            )
        merged.update(labels)
    return merged


def of_output(text: str, of: str) -> str:
    """A label that names ∂L, for a gradient of `of` (the page's output y): "∂L" becomes "∂y"."""
    return text if of == "L" else text.replace("∂L", f"∂{of}")


def require_unbatched(trace: Trace, builder: str) -> None:
    """Figures that draw units draw one sequence: a batched trace is refused, with the fix."""
    if trace.batched:
        raise ValueError(
            f"{builder} draws one sequence: pass an unbatched trace, e.g. "
            f"model.forward(x[b]) with x[b] of shape (T, input_size), not x of shape (B, T, D)"
        )


def check_layer(trace: Trace, layer: int) -> int:
    if not -trace.num_layers <= layer < trace.num_layers:
        raise ValueError(f"layer {layer} out of range: the trace has {trace.num_layers} layer(s)")
    return layer % trace.num_layers


def check_unit(trace: Trace, unit: int) -> int:
    if not 0 <= unit < trace.hidden_size:
        raise ValueError(f"unit {unit} out of range: hidden_size is {trace.hidden_size}")
    return unit


def gate_scale(name: str, cell: str, nonlinearity: str = "tanh") -> str:
    """Which colour axis a gate or state uses: "sigmoid", "tanh", "c" or "relu"."""
    if name in SIGMOID_GATES:
        return "sigmoid"
    if name == "c":
        return "c"
    if name == "h" and cell == "rnn" and nonlinearity == "relu":
        return "relu"
    return "tanh"


def fmt(v: float, digits: int = 3, tiny: float = 1e-12) -> str:
    """A value written on a diagram: fixed decimals, or scientific when large/small, 'inf'/'nan'.
    Below `tiny` in size it is round-off of a value that is 0 (a state or gate, which float64
    computes to about 1e-16) and is written 0; pass tiny=0 for gradients, whose 1e-30 is real."""
    v = float(v)
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    if abs(v) < tiny:
        return f"{0:.{digits}f}"
    if v != 0 and (abs(v) >= 1e4 or abs(v) < 10 ** (-digits)):
        return f"{v:.{digits}g}"
    return f"{v:.{digits}f}"


def frame_steps(T: int, max_frames: int = 200) -> np.ndarray:
    """The time steps that get an animation frame: all of them up to `max_frames`, else an even
    subsample that always keeps the first and the last step."""
    if T <= max_frames:
        return np.arange(T)
    return np.unique(np.round(np.linspace(0, T - 1, max_frames)).astype(int))


def symmetric_range(a: np.ndarray, at_least: float = 1.0) -> float:
    """Half-width of a colour range centred on 0 that holds every finite value of `a`."""
    finite = np.abs(a[np.isfinite(a)])
    return float(max(at_least, finite.max() if finite.size else 0.0))


LADDER = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def ladder_ceil(x: float) -> float:
    """The smallest value of the 1-1.25-1.5-2-2.5-3-4-5-6-8 ladder (times a power of ten) that is
    at least `x` > 0: a colour range that holds still while the values grow a little (a network
    trained live), so each colour keeps its meaning from one redraw to the next."""
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"ladder_ceil needs a finite x > 0, got {x}")
    decade = 10.0 ** math.floor(math.log10(x))
    return next(
        float(f"{step * decade:.6g}") for step in LADDER if step * decade >= x * (1 - 1e-12)
    )


@functools.cache
def reference_line(
    value: float,
    text: str,
    color: str,
    *,
    dash: str,
    width: float,
    side: str = "right",
    above: bool = True,
    label_y: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A horizontal line across the plot at `value` (a baseline, a threshold) and its `text` at
    the left or right end (`side`), above or below it; `label_y` places the text where the axis
    is logarithmic (annotations take log10 positions there, shapes take data values)."""
    shape = dict(
        type="line",
        xref="x domain",
        x0=0,
        x1=1,
        yref="y",
        y0=value,
        y1=value,
        line=dict(color=color, dash=dash, width=width),
    )
    note = dict(
        xref="x domain",
        x=0.0 if side == "left" else 1.0,
        xanchor=side,
        yref="y",
        y=value if label_y is None else label_y,
        yanchor="bottom" if above else "top",
        showarrow=False,
        text=text,
        font=dict(color=color),
        bgcolor="rgba(255,255,255,0.8)",
    )
    return shape, note


def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json(), cls=PlotlyJSONEncoder)


def _template(name: str) -> dict[str, Any]:
    """A fresh copy of a named template's JSON (figures must not share mutable dicts)."""
    return json.loads(_template_json(name))


def assemble(
    data: list[dict[str, Any]],
    layout: dict[str, Any],
    frames: list[dict[str, Any]] | None = None,
    *,
    validate: bool = False,
) -> go.Figure:
    """A `go.Figure` from plain dicts. Plotly's per-property validation costs about 1 ms per
    animation frame (0.2 s for 200 frames), so by default it is skipped; the tests validate every
    builder's output with `go.Figure(fig.to_dict())`. Unvalidated frames serialise normally
    (`to_json`, `to_dict`, `st.plotly_chart`), but in Plotly 7.1 `fig.frames[i].data` raises:
    read them from `fig.to_dict()["frames"]`, or build with `validate=True`."""
    template = layout.get("template")
    if isinstance(template, str):  # validation is what expands a template's name: do it here
        layout = {**layout, "template": _template(template)}
    if validate:
        return go.Figure(dict(data=data, layout=layout, frames=frames or []))
    fig = go.Figure(dict(data=data, layout=layout), _validate=False)
    if frames:
        built = tuple(go.Frame(f, _validate=False) for f in frames)
        if hasattr(fig, "_frame_objs"):  # Plotly's own slot; setting `fig.frames` re-validates
            fig._frame_objs = built
        else:  # pragma: no cover - another Plotly version
            fig.frames = built
    return fig
