"""Content tests of explainer.figures: every number drawn is compared with the reference's arrays.

Traces come from the NumPy reference (RNN, LSTM, GRU; 1 and 2 layers; T from 1 to 500). Frames,
heatmap z, decay curves and cell-diagram values are checked against `trace`/`grads` arrays, never
against another output of the figure code. Each figure is also validated once by Plotly
(`go.Figure(fig.to_dict())`), since the builders skip Plotly's per-property validation for speed.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from explainer import GRU, LSTM, RNN
from explainer.figures import (
    DEFAULT_LABELS,
    cell_figure,
    forget_product_figure,
    gate_heatmaps_figure,
    gradient_decay_figure,
    saturation_figure,
    unrolled_figure,
)
from explainer.figures.heatmaps import EXACT_LIMIT

MODELS = {
    "rnn": lambda L, **kw: RNN(2, 5, L, seed=1, **kw),
    "lstm": lambda L, **kw: LSTM(2, 5, L, seed=2, **kw),
    "gru": lambda L, **kw: GRU(2, 5, L, seed=3, **kw),
}


def run(cell: str, T: int, L: int = 1, **kw):
    rng = np.random.default_rng(T + L)
    m = MODELS[cell](L, **kw)
    x = rng.normal(size=(T, 2))
    tr = m.forward(x, h0=rng.normal(size=(L, 5)) * 0.3)
    gh = np.zeros_like(tr.h)
    gh[-1] = rng.normal(size=5)
    return m, tr, m.backward(tr, gh)


def exploding():
    """A relu RNN with weights scaled by 3 and a huge loss gradient: ‖∂L/∂h_t‖ overflows to inf
    (and nan) going back in time, while the forward pass stays finite."""
    m = RNN(1, 8, seed=0, nonlinearity="relu")
    m.params = {k: v * 3 for k, v in m.params.items()}
    tr = m.forward(np.ones((400, 1)))
    gh = np.zeros_like(tr.h)
    gh[-1] = 1e250
    g = m.backward(tr, gh)
    assert not g.finite and not np.isfinite(g.h_norm).all()  # the premise of the tests
    return m, tr, g


def valid(fig: go.Figure) -> go.Figure:
    go.Figure(fig.to_dict())  # Plotly's full validation: raises on any invalid property
    return fig


def number(text: str) -> float:
    return float(re.search(r"=\s*(-?[\d.]+(?:e[-+]?\d+)?|-?inf|nan)\s*$", text).group(1))


# --- unrolled_figure
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("T, L", [(1, 1), (7, 2), (200, 1), (201, 1), (500, 2)])
def test_unrolled_frames(cell, T, L):
    _, tr, g = run(cell, T, L)
    fig = unrolled_figure(tr, g)
    names = [f["name"] for f in fig.to_dict()["frames"]]
    fwd = [int(n[1:]) for n in names if n.startswith("t")]
    bwd = [int(n[1:]) for n in names if n.startswith("b")]
    if T <= 200:
        assert fwd == list(range(T))
        assert str(T) + " time steps" in fig.layout.title.text
        assert "showing" not in fig.layout.title.text
    else:
        assert len(fwd) == 200 and fwd[0] == 0 and fwd[-1] == T - 1
        assert fwd == sorted(set(fwd))
        assert f"showing 200 of {T} steps" in fig.layout.title.text
    assert bwd == fwd[::-1]  # the backward pass runs from the loss back to t = 0
    assert len(fig.layout.sliders[0].steps) == len(fwd)
    # nodes: one marker per step per row, coloured by the trace's values of unit 0
    rows = {d.name: d for d in fig.data if d.mode == "markers"}
    for k in range(L):
        np.testing.assert_array_equal(rows[f"h (layer {k})"].marker.color, tr.layers[k].h[:, 0])
        np.testing.assert_array_equal(rows[f"h (layer {k})"].customdata[:, 1], g.layers[k].h_norm)
        if cell == "lstm":
            np.testing.assert_array_equal(rows[f"c (layer {k})"].marker.color, tr.layers[k].c[:, 0])
            np.testing.assert_array_equal(
                rows[f"c (layer {k})"].customdata[:, 1], g.layers[k].c_norm
            )
    if T <= 7:
        valid(fig)


def test_unrolled_cursor_shows_trace_values_and_grad_norms():
    _, tr, g = run("lstm", 6, 2)
    fig = unrolled_figure(tr, g, unit=3)
    frames = {f["name"]: f for f in fig.to_dict()["frames"]}
    assert frames["t4"]["traces"][2] == len(fig.data) - 1  # the cursor, the last trace
    cursor = frames["t4"]["data"][2]
    # rows: x, h0, c0, h1, c1
    expected = [tr.x[4, 0], tr.layers[0].h[4, 3], tr.layers[0].c[4, 3], tr.h[4, 3], tr.c[4, 3]]
    np.testing.assert_allclose([float(s) for s in cursor["text"]], expected, atol=0.006)
    back = frames["b2"]["data"][2]["text"]
    assert back[0] == ""
    np.testing.assert_allclose(
        [number(s) for s in back[1:]],
        [g.layers[0].h_norm[2], g.layers[0].c_norm[2], g.h_norm[2], g.c_norm[2]],
        rtol=0.03,
    )


def test_unrolled_edges_by_gradient_and_single_layer():
    _, tr, g = run("rnn", 30, 2)
    fig = unrolled_figure(tr, g)
    grad_traces = [d for d in fig.data if d.visible == "legendonly"]
    assert len(grad_traces) >= 2
    widths = [d.line.width for d in grad_traces[:-1]]
    assert widths == sorted(widths, reverse=True)  # strongest class drawn thickest
    fig1 = unrolled_figure(tr, g, layer=1)
    ticks = list(fig1.layout.yaxis.ticktext)
    assert ticks == ["h (layer 0)", "h (layer 1)"]  # the input of layer 1 is layer 0's hidden state
    rows = {d.name: d for d in fig1.data if d.mode == "markers"}
    np.testing.assert_array_equal(rows["h (layer 1)"].marker.color, tr.layers[1].h[:, 0])
    assert len(unrolled_figure(tr).frames) == 30  # without grads: forward frames only
    checked = unrolled_figure(tr, g, validate=True)
    assert checked.frames[3].data[2].x == (3.0, 3.0, 3.0)  # cursor over the 3 rows at t = 3
    valid(fig1)


def test_unrolled_exploding_and_overflow_edges():
    _, tr, g = exploding()
    fig = valid(unrolled_figure(tr, g))
    overflow = next(d for d in fig.data if d.name == DEFAULT_LABELS["unrolled.overflow"])
    assert np.isfinite(np.asarray(overflow.x, dtype=float)).sum() > 0
    assert len(fig.to_json()) > 0


# --- cell_figure
def cell_values(fig: go.Figure) -> dict[str, float]:
    return {
        a.name.split(":", 1)[1]: number(a.text)
        for a in fig.layout.annotations
        if a.name and a.name.startswith("value:")
    }


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("t", [0, 3, -1])
def test_cell_values_equal_trace(cell, t):
    _, tr, _ = run(cell, 5, 2)
    for layer, unit in ((0, 2), (1, 4)):
        lay = tr.layers[layer]
        v = cell_values(cell_figure(tr, t, layer=layer, unit=unit))
        tt = t % 5
        h_prev = lay.h0[unit] if tt == 0 else lay.h[tt - 1, unit]
        expected = {"h": lay.h[tt, unit], "h_prev": h_prev, "x": lay.x[tt, 0]}
        for n in tr.gate_names:
            if n != "h":
                expected[n] = lay.gates[n][tt, unit]
            expected[f"a_{n}"] = lay.preact[n][tt, unit]
        if cell == "lstm":
            expected["c"] = lay.c[tt, unit]
            expected["c_prev"] = lay.c0[unit] if tt == 0 else lay.c[tt - 1, unit]
        if cell == "gru":
            expected["hn"] = lay.aux["hn"][tt, unit]
        assert set(v) == set(expected)
        for key, want in expected.items():
            assert v[key] == pytest.approx(want, abs=6e-4), key


def test_cell_labels_match_the_code():
    _, tr, _ = run("lstm", 3)
    texts = " ".join(a.text for a in cell_figure(tr, 1).layout.annotations)
    for s in ("f forget gate", "g candidate", "i input gate", "o output gate", "f ⊙ c<sub>t-1"):
        assert s in texts
    _, tr, _ = run("gru", 3)
    texts = " ".join(a.text for a in valid(cell_figure(tr, 1)).layout.annotations)
    assert "r ⊙ (W<sub>hn</sub>h + b<sub>hn</sub>)" in texts and "n new state" in texts
    _, trt, _ = run("gru", 3, variant="textbook")
    fig = cell_figure(trt, 1)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "W<sub>hn</sub>(r ⊙ h) + b<sub>hn</sub>" in texts and "textbook" in fig.layout.title.text
    assert cell_values(fig)["hn"] == pytest.approx(trt.layers[0].aux["hn"][1, 0], abs=6e-4)


def test_cell_rejects_bad_arguments():
    m, tr, _ = run("lstm", 3)
    with pytest.raises(ValueError, match="out of range"):
        cell_figure(tr, 3)
    with pytest.raises(ValueError, match="unit 9"):
        cell_figure(tr, 0, unit=9)
    batched = m.forward(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match=r"unbatched trace.*x\[b\]"):
        cell_figure(batched, 0)
    with pytest.raises(ValueError, match="unbatched"):
        unrolled_figure(batched)


# --- heatmaps and saturation
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("T, L", [(1, 1), (9, 2)])
def test_heatmaps_equal_trace(cell, T, L):
    _, tr, _ = run(cell, T, L)
    for layer in range(L):
        fig = valid(gate_heatmaps_figure(tr, layer=layer))
        lay = tr.layers[layer]
        want = {n: lay.gates[n] for n in tr.gate_names if n != "h"}
        if cell == "lstm":
            want["c"] = lay.c
        want["h"] = lay.h
        assert [d.name for d in fig.data] == list(want)
        for d in fig.data:
            z = np.asarray(d.z)
            assert z.shape == (5, T)  # unit on y, time on x
            np.testing.assert_array_equal(z, want[d.name].T)
            assert "%{z}" in d.hovertemplate and "%{x}" in d.hovertemplate


def test_heatmap_colour_axes():
    _, tr, _ = run("lstm", 4)
    fig = gate_heatmaps_figure(tr)
    ax = {d.name: d.coloraxis for d in fig.data}
    assert ax["i"] == ax["f"] == ax["o"] != ax["g"] == ax["h"] != ax["c"]
    lay = fig.layout
    assert (lay[ax["f"]].cmin, lay[ax["f"]].cmax) == (0, 1)
    assert (lay[ax["g"]].cmin, lay[ax["g"]].cmax) == (-1, 1)


def test_ladder_ceil():
    from explainer.figures.style import ladder_ceil

    cases = {1.0: 1.0, 1.01: 1.25, 1.37: 1.5, 2.2: 2.5, 7.0: 8.0, 9.9: 10.0, 10.0: 10.0}
    cases |= {0.3: 0.3, 0.31: 0.4, 123.0: 125.0, 4e-7: 4e-7}
    for x, want in cases.items():
        assert ladder_ceil(x) == want, x
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            ladder_ceil(bad)


def test_heatmap_cell_state_range_is_a_ladder_step_above_the_data():
    """The c panel's range holds every value and moves only between the ladder's steps."""
    model = LSTM(1, 5, seed=0)
    x = np.linspace(-1, 1, 30)[:, None] * 3.0
    for scale in (1.0, 2.0, 2.1):
        tr = model.forward(x * scale)
        fig = gate_heatmaps_figure(tr)
        axis = fig.layout[next(d.coloraxis for d in fig.data if d.name == "c")]
        top = np.abs(tr.layers[0].c).max()
        assert axis.cmax == -axis.cmin >= max(top, 1.0)
        assert axis.cmax in (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)


def test_large_heatmaps_keep_float32_values():
    _, tr, _ = run("lstm", 500)
    assert 6 * 500 * 5 <= EXACT_LIMIT
    tr_big = LSTM(1, 140, seed=0).forward(np.ones((500, 1)))  # 6 * 500 * 140 > EXACT_LIMIT
    fig = gate_heatmaps_figure(tr_big)
    np.testing.assert_allclose(np.asarray(fig.data[0].z), tr_big.layers[0].gates["i"].T, rtol=1e-6)


def test_saturation_fractions():
    _, tr, _ = run("lstm", 20)
    fig = valid(saturation_figure(tr, threshold=0.1))
    f = tr.layers[0].gates["f"]
    want = ((f < 0.1) | (f > 0.9)).mean(axis=1)
    got = next(d for d in fig.data if d.name == DEFAULT_LABELS["gate.f"])
    np.testing.assert_array_equal(got.y, want)
    with pytest.raises(ValueError, match="threshold"):
        saturation_figure(tr, threshold=0.7)


# --- gradient decay
def test_decay_curves_equal_norms():
    runs = {c.upper(): run(c, 40)[1:] for c in ("rnn", "lstm", "gru")}
    m, tr, _ = run("rnn", 40)
    J = m.jacobian_norms(tr)
    fig = valid(gradient_decay_figure(runs, jacobians={"RNN": J}))
    curves = {d.name: np.asarray(d.y, dtype=float) for d in fig.data}
    for label, (_, g) in runs.items():
        np.testing.assert_array_equal(curves[f"{label}: ‖∂L/∂h_t‖"], g.h_norm)
    np.testing.assert_array_equal(curves["LSTM: ‖∂L/∂c_t‖"], runs["LSTM"][1].c_norm)
    jac = next(d for d in fig.data if "Jacobian" in d.name)
    assert jac.line.dash == "dash"
    np.testing.assert_array_equal(np.asarray(jac.y, dtype=float), J.h)
    assert fig.layout.yaxis.type == "log"


def test_decay_marks_overflow_and_zero():
    _, tr, g = exploding()
    _, tr1, g1 = run("lstm", 1)
    m, tr2, _ = run("gru", 6)
    g2 = m.backward(tr2, np.zeros_like(tr2.h))  # all-zero gradient: nothing to draw on a log axis
    fig = valid(gradient_decay_figure({"boom": (tr, g), "one": (tr1, g1), "zero": (tr2, g2)}))
    boom = next(d for d in fig.data if d.name == "boom: ‖∂L/∂h_t‖")
    y = np.asarray(boom.y, dtype=float)
    bad = ~np.isfinite(g.h_norm)
    assert bad.any() and np.isnan(y[bad]).all()
    np.testing.assert_array_equal(y[~bad & (g.h_norm > 0)], g.h_norm[~bad & (g.h_norm > 0)])
    marks = next(d for d in fig.data if d.name == "boom: ‖∂L/∂h_t‖: overflow")
    np.testing.assert_array_equal(marks.x, np.flatnonzero(bad))
    zero = next(d for d in fig.data if d.name == "zero: ‖∂L/∂h_t‖: 0")
    assert len(zero.x) == 6
    assert np.isfinite(fig.layout.yaxis.range).all()


def test_forget_product():
    m, tr, _ = run("lstm", 12)
    r, trr, _ = run("rnn", 12)
    fig = valid(forget_product_figure(tr, rnn_jacobians={"RNN": r.jacobian_norms(trr)}, unit=1))
    f = tr.layers[0].gates["f"][:, 1]
    y = np.asarray(fig.data[0].y, dtype=float)
    for t in (0, 5, 11):
        assert y[t] == pytest.approx(np.prod(f[t + 1 :]), rel=1e-12)


# --- labels and presentation
def test_labels_override_and_unknown_keys():
    _, tr, g = run("lstm", 5)
    zh = {
        "play": "▶ 播放",
        "pause": "暂停",
        "unrolled.backward": "反向传播",
        "time_step": "时间步 t",
        "gate.f": "f 遗忘门",
        "heatmaps.title": "{cell} 门控热图，第 {layer} 层",
        "decay.title": "梯度衰减",
    }
    fig = unrolled_figure(tr, g, labels=zh)
    texts = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert texts == ["▶ 播放", "暂停", "反向传播"]
    assert fig.layout.xaxis.title.text == "时间步 t"
    assert fig.layout.sliders[0].currentvalue.prefix.startswith("时间步 t")
    heat = gate_heatmaps_figure(tr, labels=zh)
    assert heat.layout.title.text == "LSTM 门控热图，第 0 层"
    assert "f 遗忘门" in [a.text for a in heat.layout.annotations]
    assert "f 遗忘门" in " ".join(a.text for a in cell_figure(tr, 0, labels=zh).layout.annotations)
    assert gradient_decay_figure({"x": (tr, g)}, labels=zh).layout.title.text == "梯度衰减"
    with pytest.raises(ValueError, match="unknown label key"):
        unrolled_figure(tr, labels={"plya": "x"})


def test_default_labels_are_used():
    _, tr, g = run("gru", 4)
    fig = unrolled_figure(tr, g)
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == [
        DEFAULT_LABELS["play"],
        DEFAULT_LABELS["pause"],
        DEFAULT_LABELS["unrolled.backward"],
    ]
    assert fig.layout.yaxis.ticktext[0] == DEFAULT_LABELS["unrolled.row_x"]


def test_presentation_is_bigger():
    _, tr, g = run("lstm", 8)
    runs = {"LSTM": (tr, g)}
    pairs = [
        (unrolled_figure(tr, g), unrolled_figure(tr, g, presentation=True)),
        (cell_figure(tr, 2), cell_figure(tr, 2, presentation=True)),
        (gate_heatmaps_figure(tr), gate_heatmaps_figure(tr, presentation=True)),
        (gradient_decay_figure(runs), gradient_decay_figure(runs, presentation=True)),
        (saturation_figure(tr), saturation_figure(tr, presentation=True)),
    ]
    for small, big in pairs:
        assert big.layout.font.size > small.layout.font.size
        assert big.layout.title.font.size > small.layout.title.font.size
    small, big = pairs[3]
    assert big.data[0].line.width > small.data[0].line.width


def test_same_gate_same_colour_everywhere():
    _, tr, g = run("lstm", 6)
    heat = gate_heatmaps_figure(tr)
    sat = saturation_figure(tr)
    title_colour = {a.text: a.font.color for a in heat.layout.annotations}
    for d in sat.data:
        assert d.line.color == title_colour[d.name]


# --- projector-grade details (issue 13, item 5)
def test_heatmap_cursor_marks_the_step_and_unit_on_every_panel():
    _, tr, _ = run("lstm", 12)
    fig = gate_heatmaps_figure(tr, t=7, unit=3)
    panels = [d for d in fig.data if d.type == "heatmap"]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(lines) == len(boxes) == len(panels)
    for s, d in zip(boxes, panels, strict=True):
        assert (s.x0 + s.x1) / 2 == 7 and (s.y0 + s.y1) / 2 == 3
        assert s.xref == d.xaxis and s.yref == d.yaxis  # on its own panel
    assert all(s.x0 == s.x1 == 7 for s in lines)
    assert not gate_heatmaps_figure(tr).layout.shapes  # no cursor unless asked for
    with pytest.raises(ValueError, match="out of range"):
        gate_heatmaps_figure(tr, t=12)


def test_log_axes_tick_whole_decades_as_powers():
    _, tr, g = exploding()  # norms over hundreds of decades
    _, tr2, g2 = run("lstm", 60)
    for fig in (
        gradient_decay_figure({"RNN": (tr2, g2)}),
        forget_product_figure(tr2),
        gradient_decay_figure({"relu": (tr, g)}),
    ):
        ax = fig.layout.yaxis
        assert ax.type == "log"
        exps = np.log10(np.asarray(ax.tickvals, dtype=float))
        np.testing.assert_allclose(exps, np.round(exps))  # whole decades: no 2 and 5 between
        assert 2 <= len(exps) <= 11
        assert all(re.fullmatch(r"1|10|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+", t) for t in ax.ticktext)  # no 1μ, 1n
        lo, hi = ax.range
        assert all(lo <= e <= hi for e in exps)


def test_decay_legend_names_what_the_gradient_is_of():
    _, tr, g = run("lstm", 8)
    names = [d.name for d in gradient_decay_figure({"LSTM": (tr, g)}, of="y").data]
    assert "LSTM: ‖∂y/∂h_t‖" in names and "LSTM: ‖∂y/∂c_t‖" in names
    assert not any("∂L" in n for n in names)
    default = [d.name for d in gradient_decay_figure({"LSTM": (tr, g)}).data]
    assert "LSTM: ‖∂L/∂h_t‖" in default
    fig = unrolled_figure(tr, g, of="y")
    assert "∂y" in fig.layout.legend.title.text and "∂L" not in fig.layout.legend.title.text


def test_reach_figure_one_label_per_run_of_all_steps_and_no_gap():
    from explainer.figures import reach_figure

    radii = [0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7]
    reach = [3, 8, None, None, None, 20, None]
    fig = reach_figure(radii, {"RNN": reach}, steps=39, current=0.9)
    curve = fig.data[0]
    assert not np.isnan(np.asarray(curve.y, dtype=float)).any()  # the "all" points are on it
    assert list(curve.y) == [3, 8, 39, 39, 39, 20, 39]
    labels = [a for a in fig.layout.annotations if a.text == "all 39 steps"]
    assert [a.x for a in labels] == [1.1, 1.7]  # one per group, under its middle
    assert len(fig.layout.yaxis.title.text) <= 30  # fits beside a 440 px chart


def test_unrolled_colour_bars_for_h_and_x_and_a_quiet_unit_is_not_white():
    _, tr, g = run("rnn", 40)
    fig = unrolled_figure(tr, g, unit=1)
    bars = {
        d.name: d.marker.colorbar.title.text
        for d in fig.data
        if d.mode == "markers" and d.marker.showscale
    }
    assert bars == {"x (input)": "x value", "h (layer 0)": "h value"}
    h = next(d for d in fig.data if d.name == "h (layer 0)")
    top = np.max(np.abs(tr.h[:, 1]))
    assert top <= h.marker.cmax < top + 0.05 + 1e-12  # the unit's own range, not ±1
    # the gradient edges are drawn over the nodes, so narrow columns do not hide them
    order = [d.name for d in fig.data]
    first_grad = next(i for i, d in enumerate(fig.data) if d.visible == "legendonly")
    assert first_grad > order.index("h (layer 0)")


def test_round_off_is_written_as_zero_but_small_gradients_are_not():
    from explainer.figures.style import fmt

    assert fmt(1.2e-16) == "0.000" and fmt(-3e-17, 2) == "0.00"
    assert fmt(1e-30, 2, tiny=0) == "1e-30"
    assert fmt(-3e-5) == "-3e-05"


def test_compact_cells_on_a_projector_keep_their_values_small_enough_to_fit():
    """Page 6 puts three compact cells side by side (476 px each at 1920 in presentation mode):
    their values and box labels stay at COMPACT_FONT, where presentation mode's 18-21 px ran the
    LSTM's four gate values into one another; the full diagram keeps the big fonts."""
    from explainer.figures.cell import COMPACT_FONT

    _, tr, _ = run("lstm", 6)
    for compact, most in ((True, COMPACT_FONT), (False, None)):
        fig = cell_figure(tr, 3, compact=compact, presentation=True)
        anns = fig.layout.annotations
        values = [a.font.size for a in anns if (a.name or "").startswith("value:")]
        boxes = [a.font.size for a in anns if a.text in ("σ", "tanh")]  # the gates' boxes
        assert values and len(boxes) == 5  # 4 gates and the cell state's tanh
        if most is None:
            assert min(values) > COMPACT_FONT and min(boxes) > COMPACT_FONT
        else:
            assert max(values + boxes) <= most, sorted(set(values + boxes))
