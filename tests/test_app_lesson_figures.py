"""`sequence_figure`: the input row with the task's markers and target, and ‖∂y/∂x_t‖ painted
under it, checked by content."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from explainer.figures import sequence_figure
from explainer.figures.sequence import DECADES


def test_input_row_marks_the_marked_steps_and_names_the_target():
    x = np.stack([np.linspace(0, 1, 6), [0, 1, 0, 0, 1, 0]], axis=1)
    fig = sequence_figure(x, markers=x[:, 1] > 0.5, task="adding", target=0.8, output=0.75)
    go.Figure(fig.to_dict())  # valid Plotly
    bars = {tr.name: tr for tr in fig.data}
    assert list(bars["marked step"].x) == [1, 4]
    np.testing.assert_array_equal(bars["marked step"].y, x[[1, 4], 0])
    assert list(bars["unmarked step"].x) == [0, 2, 3, 5]
    assert [s.x0 for s in fig.layout.shapes] == [1.0, 4.0]  # a dotted line through every row
    assert "target y = 0.800" in fig.layout.title.text
    assert "ŷ = 0.750" in fig.layout.title.text


def test_sensitivity_strips_share_one_log_axis_and_keep_the_exact_values():
    x = np.zeros((4, 2))
    sens = {"RNN": np.array([1e-20, 1e-3, 0.0, 1.0]), "LSTM": np.array([0.5, 0.5, 2.0, 1.0])}
    fig = sequence_figure(x, sensitivity=sens, labels={"sequence.colorbar": "log"})
    go.Figure(fig.to_dict())
    strips = [tr for tr in fig.data if tr.type == "heatmap"]
    assert [tr.y[0] for tr in strips] == ["RNN", "LSTM"]
    top = np.log10(2.0)
    assert fig.layout.coloraxis.cmax == pytest.approx(top)
    assert fig.layout.coloraxis.cmin == pytest.approx(top - DECADES)
    np.testing.assert_allclose(strips[0].z[0], [top - DECADES, -3, top - DECADES, 0])
    np.testing.assert_array_equal(strips[0].customdata[0], sens["RNN"])  # the hover's numbers
    assert fig.layout.coloraxis.colorbar.title.text == "log"


def test_presentation_is_bigger_and_bad_shapes_are_refused():
    x = np.zeros((5, 2))
    assert (
        sequence_figure(x, presentation=True).layout.font.size > sequence_figure(x).layout.font.size
    )
    with pytest.raises(ValueError, match="markers"):
        sequence_figure(x, markers=np.ones(4, bool))
    with pytest.raises(ValueError, match="sensitivity"):
        sequence_figure(x, sensitivity={"RNN": np.ones(3)})
