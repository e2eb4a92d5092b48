"""3 · Inside the LSTM cell: the diagram with live values, the equations with the numbers
substituted, the gate heatmaps, and the code that computed them."""

import streamlit as st

from explainer import cells, figures, i18n, ui
from explainer.lesson import first_marker, gate_holder, open_step

tr = ui.translator(i18n.PAGES["lstm"])

st.title(tr("title"))
top = st.container()  # the intro: above the diagram, or under it on a projector (diagram first)
s = ui.lesson_settings("lstm", ("lstm",))
ui.live_controls(s)


def body() -> None:
    pr = ui.page_run(s, cell="lstm")
    run = pr.run
    t, unit, layer = ui.cell_cursor(
        {**s, "hidden": run.model.hidden_size, "layers": run.model.num_layers}, open_step(run)
    )
    cell = ui.held("cell", lambda: pr, t, unit, layer)  # the diagram and its equations
    lay = cell.run.trace.layers[layer]
    fig = ui.memo_figure(
        ("cell", cell.key, t, layer, unit),
        lambda: figures.cell_figure(cell.run.trace, t, layer=layer, unit=unit, **ui.fig_kw()),
    )
    ui.plot(fig, "lstm_cell")

    def v(name: str) -> float:
        return float(lay.gates[name][t, unit])

    def a(name: str) -> float:
        return float(lay.preact[name][t, unit])

    c_prev = float(lay.c0[unit] if t == 0 else lay.c[t - 1, unit])
    c_t, h_t = float(lay.c[t, unit]), float(lay.h[t, unit])
    n4 = "{:.4g}".format
    with st.expander(tr("live", t=t, unit=unit, layer=layer), expanded=True):
        st.latex(
            rf"i_t = \sigma(a_i) = \sigma({n4(a('i'))}) = {n4(v('i'))} \qquad "
            rf"f_t = \sigma(a_f) = \sigma({n4(a('f'))}) = {n4(v('f'))}"
        )
        st.latex(
            rf"g_t = \tanh(a_g) = \tanh({n4(a('g'))}) = {n4(v('g'))} \qquad "
            rf"o_t = \sigma(a_o) = \sigma({n4(a('o'))}) = {n4(v('o'))}"
        )
        st.latex(
            rf"c_t = f_t \odot c_{{t-1}} + i_t \odot g_t = {n4(v('f'))} \cdot ({n4(c_prev)}) + "
            rf"{n4(v('i'))} \cdot ({n4(v('g'))}) = {n4(c_t)}"
        )
        st.latex(rf"h_t = o_t \odot \tanh(c_t) = {n4(v('o'))} \cdot \tanh({n4(c_t)}) = {n4(h_t)}")
        st.latex(r"a_* = W_{i*} x_t + b_{i*} + W_{h*} h_{t-1} + b_{h*} \quad (* = i, f, g, o)")

    ui.network_note({"LSTM": run})
    ui.input_figure(ui.held("input", lambda: pr), "lstm_input")
    start = first_marker(run.markers)
    if start is not None and start < run.trace.steps - 1:
        unit_f, mean, low = gate_holder(run.trace, "f", start)
        text = "holder" if mean >= 0.9 else "no_holder"
        st.info(tr(text, net=tr(f"net_{run.net}"), unit=unit_f, mean=mean, low=low, start=start))
    ui.gate_heatmaps(pr, "lstm_gates", layer=layer, step=t, unit=unit)
    st.subheader(tr("saturation"))
    st.caption(tr("saturation_text"))
    sat = ui.held("saturation", lambda: pr, layer)
    ui.plot(
        ui.memo_figure(
            ("saturation", sat.key, layer),
            lambda: figures.saturation_figure(sat.run.trace, layer=layer, **ui.fig_kw()),
        ),
        "lstm_saturation",
    )


ui.lesson_view(s, body)
(st if ui.presentation() else top).write(tr("intro"))
pr = ui.page_run(s, cell="lstm")
ui.show_code(cells.lstm_layer, cells.sigmoid)
ui.gradient_check(pr.run, "lstm")
ui.export(pr, "lstm")
