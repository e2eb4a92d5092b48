"""Plotly figures of the reference's traces: pure functions `Trace`/`Grads` -> `go.Figure`.

    from explainer.figures import unrolled_figure, cell_figure, gate_heatmaps_figure
    fig = unrolled_figure(trace, grads)            # animated forward and backward pass
    fig = cell_figure(trace, t=5, unit=0)          # the LSTM/GRU/RNN cell with live values
    fig = gate_heatmaps_figure(trace)              # time x unit heatmaps of every gate
    fig = gradient_decay_figure({"RNN": (tr, g), "LSTM": (tr2, g2)}, jacobians={"RNN": J})
    fig = saturation_figure(trace)                 # fraction of saturated units over time
    fig = forget_product_figure(lstm_trace, rnn_jacobians={"RNN": J})
    fig = reach_figure(radii, {"RNN": steps_back}, steps=T)   # signal reach against a knob
    fig = sequence_figure(x, markers=m, sensitivity={"LSTM": dy_dx})  # input, ‖∂y/∂x_t‖

Every builder takes `presentation=True` (bigger fonts, thicker lines) and `labels=` (overrides of
`DEFAULT_LABELS`, e.g. a Chinese translation). No Streamlit here, and no maths beyond display
transforms: every number drawn comes from the trace, the grads or the Jacobians.
"""

from explainer.figures.cell import cell_figure
from explainer.figures.gradients import forget_product_figure, gradient_decay_figure
from explainer.figures.heatmaps import gate_heatmaps_figure, saturation_figure
from explainer.figures.labels import DEFAULT_LABELS
from explainer.figures.reach import reach_figure
from explainer.figures.sequence import sequence_figure
from explainer.figures.style import GATE_COLORS, style
from explainer.figures.unrolled import unrolled_figure

__all__ = [
    "DEFAULT_LABELS",
    "GATE_COLORS",
    "cell_figure",
    "forget_product_figure",
    "gate_heatmaps_figure",
    "gradient_decay_figure",
    "reach_figure",
    "saturation_figure",
    "sequence_figure",
    "style",
    "unrolled_figure",
]
