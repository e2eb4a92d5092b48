"""The text lab's views: the bits-per-character curve (Plotly) and text painted by a value per
character (HTML spans, as in Karpathy's char-rnn pictures and Distill's connectivity).

Painting: each character's background is its value on a colour scale, `DIVERGING` for values in
-1..1 (h, c, g, n), `SEQUENTIAL` for gates in 0..1, a white-to-orange scale from 0 to the largest
value for gradient norms (`scale="gradient"`). Newlines stay newlines (the container keeps white
space), and every character is HTML-escaped: a pasted text can never become markup.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import (
    DIVERGING,
    RUN_COLORS,
    SEQUENTIAL,
    assemble,
    merge_labels,
    reference_line,
    style,
)

GRADIENT_SCALE = [[0.0, "#ffffff"], [0.35, "#fdd0a2"], [0.7, "#fd8d3c"], [1.0, "#a63603"]]


def bits_figure(
    rows: Sequence[Sequence[float]],
    *,
    unigram: float,
    bigram: float,
    cell: str,
    stopped: bool = False,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Training and validation bits per character against steps, rows `(step, train, val)`, with
    the unigram and bigram baselines of the same validation text as dashed lines."""
    lab = merge_labels(labels)
    s = style(presentation)
    a = np.asarray(rows, dtype=float).reshape(-1, 3)
    data: list[dict[str, Any]] = []
    for j, (col, key) in enumerate(((1, "text.train"), (2, "text.val"))):
        data.append(
            dict(
                type="scatter",
                x=a[:, 0],
                y=a[:, col],
                name=lab[key],
                mode="lines+markers",
                line=dict(color=RUN_COLORS[j], width=s.line, dash="dot" if col == 1 else "solid"),
                marker=dict(size=s.marker * 0.45, color=RUN_COLORS[j]),
                hovertemplate="%{x}: %{y:.3f}<extra>" + lab[key] + "</extra>",
            )
        )
    shapes, notes = [], []
    for value, key, color in (
        (unigram, "text.unigram", "#777777"),
        (bigram, "text.bigram", "#D55E00"),
    ):
        shape, note = reference_line(
            value, lab[key].format(value=f"{value:.2f}"), color, dash="dash", width=s.line * 0.75
        )
        shapes.append(shape)
        notes.append(note)
    title = lab["text.bits_title"].format(cell=lab[f"cell.{cell}"])
    if stopped:
        title += " " + lab["text.stopped"]
    finite = a[:, 1:][np.isfinite(a[:, 1:])]
    top = max([unigram, *(finite.tolist() or [unigram])]) * 1.08
    low = min([bigram, *(finite.tolist() or [bigram])])
    return assemble(
        data,
        s.layout(
            title=dict(text=title, font=dict(size=s.title)),
            xaxis=dict(title=dict(text=lab["text.x"]), rangemode="tozero"),
            yaxis=dict(title=dict(text=lab["text.bits_y"]), range=[max(0.0, low * 0.85), top]),
            shapes=shapes,
            annotations=notes,
            height=360 if not presentation else 480,
            legend=dict(orientation="h", y=-0.25, x=0),
        ),
    )


def _color(scale: list, u: float) -> str:
    """The colour at u in [0, 1] of a two- or more-stop scale, as an rgb() string."""
    u = float(min(1.0, max(0.0, u)))
    for (u0, c0), (u1, c1) in zip(scale, scale[1:], strict=False):
        if u <= u1:
            w = 0.0 if u1 == u0 else (u - u0) / (u1 - u0)
            a = [int(c0[k : k + 2], 16) for k in (1, 3, 5)]
            b = [int(c1[k : k + 2], 16) for k in (1, 3, 5)]
            r, g, bl = (round(x + w * (y - x)) for x, y in zip(a, b, strict=True))
            return f"rgb({r},{g},{bl})"
    return _color(scale, 1.0)


def painted_html(
    text: str,
    values: Sequence[float] | np.ndarray,
    *,
    scale: str = "diverging",
    highlight: int | None = None,
    presentation: bool = False,
    title: str = "",
) -> str:
    """`text` with each character's background set by `values[t]`; the value shows on hover.

    scale "diverging": -1..1 (red, white, blue); "sequential": 0..1 (white to blue); "gradient":
    0..max(values) (white to orange). `highlight` frames one character (the one predicted)."""
    v = np.asarray(values, dtype=float)
    if len(v) != len(text):
        raise ValueError(f"{len(v)} values for {len(text)} characters")
    if scale == "diverging":
        colours, u = DIVERGING, (np.clip(v, -1, 1) + 1) / 2
    elif scale == "sequential":
        colours, u = SEQUENTIAL, np.clip(v, 0, 1)
    elif scale == "gradient":
        top = float(np.nanmax(v)) if len(v) and np.nanmax(v) > 0 else 1.0
        colours, u = GRADIENT_SCALE, np.nan_to_num(v / top)
    else:
        raise ValueError(f"unknown scale {scale!r}: expected diverging, sequential or gradient")
    u = np.nan_to_num(u, nan=0.5 if scale == "diverging" else 0.0)
    spans = []
    for t, (ch, ut, vt) in enumerate(zip(text, u, v, strict=True)):
        shown = "↵\n" if ch == "\n" else html.escape(ch)
        border = "outline:2px solid #000;" if t == highlight else ""
        dark = ut > 0.8 or (scale == "diverging" and ut < 0.15)
        fg = "color:#fff;" if dark else ""
        spans.append(
            f'<span style="background:{_color(colours, ut)};{fg}{border}" '
            f'title="t={t}: {vt:.3g}">{shown}</span>'
        )
    size = "1.25rem" if presentation else "0.95rem"
    # the title as large as the page's text around it (presentation mode enlarges that to 1.35rem)
    title_size = "1.35rem" if presentation else "1rem"
    head = (
        f'<div style="font-weight:600;font-size:{title_size};margin-bottom:4px">'
        f"{html.escape(title)}</div>"
        if title
        else ""
    )
    return (
        f'<div class="painted-text">{head}<div style="font-family:DejaVu Sans Mono, Noto Sans Mono CJK SC, '
        f"monospace;font-size:{size};line-height:1.6;white-space:pre-wrap;word-break:break-all;"
        f'border:1px solid #ddd;padding:6px;border-radius:4px">{"".join(spans)}</div></div>'
    )


__all__ = ["bits_figure", "painted_html"]
