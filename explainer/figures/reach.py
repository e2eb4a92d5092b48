"""`reach_figure`: how many steps back a gradient still carries signal, against a model knob.

For each knob value (the plain RNN's spectral radius, say) the caller measures how many steps back
from the last one ‖∂L/∂h_t‖ stays above a fraction of its value at the last step
(`explainer.lesson.steps_of_signal`); `None` means "never drops that low in the sequence" and is
drawn as a marker at the top, labelled. The figure only draws; the numbers come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from explainer.figures.style import RUN_COLORS, merge_labels, register_labels, style

REACH_LABELS = {
    "reach.title": "How far back does the gradient carry signal?",
    "reach.x": "spectral radius of W_hh",  # the knob on the x-axis
    "reach.y": "steps back until ‖∂L/∂h_t‖ < {ratio} × its value at the last step",
    "reach.never": "all {steps} steps",  # the gradient never fell that low within the sequence
    "reach.current": "this page's setting",  # legend entry of the current knob value
    "reach.hover": "{x} = %{{x}}<br>%{{y}} steps<extra></extra>",  # {x}: the knob's name
}
REACH_LABELS_ZH = {
    "reach.title": "梯度能把信号传回多远？",
    "reach.x": "W_hh 的谱半径",
    "reach.y": "‖∂L/∂h_t‖ 降到末步数值的 {ratio} 倍以下之前的步数",
    "reach.never": "全部 {steps} 步",
    "reach.current": "本页当前设置",
    "reach.hover": "{x} = %{{x}}<br>%{{y}} 步<extra></extra>",
}
register_labels(REACH_LABELS, REACH_LABELS_ZH)


def reach_figure(
    knob: Sequence[float],
    reach: Mapping[str, Sequence[int | None]],
    *,
    steps: int,
    ratio: float = 1e-3,
    current: float | None = None,
    presentation: bool = False,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """`reach` maps a run label to one value per knob setting (steps back, or None for "all")."""
    lab = merge_labels(labels)
    st = style(presentation)
    x = np.asarray(knob, dtype=np.float64)
    fig = go.Figure()
    for k, (name, values) in enumerate(reach.items()):
        if len(values) != len(x):
            raise ValueError(f"reach[{name!r}] has {len(values)} values for {len(x)} knob values")
        y = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        color = RUN_COLORS[k % len(RUN_COLORS)]
        fig.add_scatter(
            x=x,
            y=y,
            name=name,
            mode="lines+markers",
            line=dict(color=color, width=st.line),
            marker=dict(size=st.marker * 0.7),
            hovertemplate=lab["reach.hover"].format(x=lab["reach.x"]),
        )
        never = np.array([v is None for v in values])
        if never.any():
            fig.add_scatter(
                x=x[never],
                y=np.full(never.sum(), steps),
                mode="markers+text",
                name=lab["reach.never"].format(steps=steps),
                showlegend=k == 0,
                marker=dict(symbol="triangle-up", size=st.marker, color=color),
                text=[lab["reach.never"].format(steps=steps)] * int(never.sum()),
                textposition="bottom center",
                textfont=dict(size=st.font * 0.8),
            )
    if current is not None:
        fig.add_vline(x=current, line=dict(color="#777777", dash="dot", width=st.line * 0.75))
        fig.add_annotation(
            x=current,
            y=1.0,
            yref="paper",
            text=lab["reach.current"],
            showarrow=False,
            yanchor="bottom",
            font=dict(size=st.font * 0.85),
        )
    fig.update_layout(
        **st.layout(
            title=dict(text=lab["reach.title"], font=dict(size=st.title)),
            height=420 if not presentation else 560,
        )
    )
    fig.update_xaxes(title=lab["reach.x"])
    fig.update_yaxes(title=lab["reach.y"].format(ratio=f"{ratio:g}"), rangemode="tozero")
    return fig
