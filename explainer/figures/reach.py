"""`reach_figure`: how many steps back a gradient still carries signal, against a model knob.

For each knob value (the plain RNN's spectral radius, say) the caller measures how many steps back
from the last one ‖∂L/∂h_t‖ stays above a fraction of its value at the last step
(`explainer.norms.steps_of_signal`); `None` means "never drops that low in the sequence" and is
drawn on the curve at the top, as a triangle, one label per run of them. The figure only draws;
the numbers come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import RUN_COLORS, merge_labels, style


def _groups(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of consecutive True values."""
    out, start = [], None
    for i, m in enumerate([*mask.tolist(), False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def reach_figure(
    knob: Sequence[float],
    reach: Mapping[str, Sequence[int | None]],
    *,
    steps: int,
    ratio: float = 1e-3,
    current: float | None = None,
    of: str = "L",
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """`reach` maps a run label to one value per knob setting (steps back, or None for "all").

    A None is drawn on the curve at `steps` (the most there are) with a triangle, so the curve has
    no gap there, and each run of consecutive Nones gets one label, under its middle triangle."""
    lab = merge_labels(labels)
    st = style(presentation)
    x = np.asarray(knob, dtype=np.float64)
    fig = go.Figure()
    never_text = lab["reach.never"].format(steps=steps)
    for k, (name, values) in enumerate(reach.items()):
        if len(values) != len(x):
            raise ValueError(f"reach[{name!r}] has {len(values)} values for {len(x)} knob values")
        never = np.array([v is None for v in values])
        y = np.array([steps if v is None else v for v in values], dtype=np.float64)
        color = RUN_COLORS[k % len(RUN_COLORS)]
        fig.add_scatter(
            x=x,
            y=y,
            name=name,
            mode="lines+markers",
            line=dict(color=color, width=st.line),
            marker=dict(
                size=np.where(never, st.marker, st.marker * 0.7),
                symbol=np.where(never, "triangle-up", "circle").tolist(),
            ),
            hovertemplate=lab["reach.hover"].format(x=lab["reach.x"]),
        )
        for first, last in _groups(never):
            fig.add_annotation(
                x=float(x[(first + last) // 2] if last > first else x[first]),
                y=steps,
                text=never_text,
                showarrow=False,
                yanchor="top",
                yshift=-st.marker,
                font=dict(size=st.font, color=color),
                bgcolor="rgba(255,255,255,0.85)",
            )
    if current is not None:
        fig.add_vline(x=current, line=dict(color="#777777", dash="dot", width=st.line * 0.75))
        fig.add_annotation(  # above the plot area: clear of the labels inside it
            x=current,
            y=1.0,
            yref="paper",
            text=lab["reach.current"],
            showarrow=False,
            yanchor="bottom",
            yshift=2,
            font=dict(size=st.font),
        )
    title = (
        lab["reach.title"]
        + "<br><sub>"
        + lab["reach.subtitle"].format(of=of, ratio=f"{ratio:g}")
        + "</sub>"
    )
    fig.update_layout(
        **st.layout(
            title=dict(text=title, font=dict(size=st.title), x=0.01, xanchor="left"),
            height=460 if not presentation else 600,
            showlegend=len(reach) > 1,
            # the two-line title above, then room for "this page's setting" over the plot
            margin=dict(l=30 + 4 * st.font, r=30, t=100 + 3 * st.title, b=60),
        )
    )
    fig.update_xaxes(title=lab["reach.x"])
    fig.update_yaxes(title=lab["reach.y"], range=[0, steps * 1.12])
    return fig
