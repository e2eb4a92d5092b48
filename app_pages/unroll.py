"""1 · Unrolling an RNN: one function with a loop, drawn as a chain over time."""

import streamlit as st

from explainer import cells, figures, i18n, ui

tr = ui.translator(i18n.PAGES["unroll"])

EQUATIONS = {
    "rnn": [r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})"],
    "lstm": [
        r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \quad "
        r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
        r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \quad "
        r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})",
        r"c_t = f_t \odot c_{t-1} + i_t \odot g_t \qquad h_t = o_t \odot \tanh(c_t)",
    ],
    "gru": [
        r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \quad "
        r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})",
        r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \qquad "
        r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}",
    ],
}

st.title(tr("title"))
top = st.container()  # the intro: above the graph, or under it on a projector (the graph first)
s = ui.lesson_settings("unroll")
ui.live_controls(s)


def body() -> None:
    pr = ui.page_run(s)
    run = pr.run
    unit = ui.index_slider(ui.t("unit"), "unit", run.model.hidden_size, help=tr("unit_help"))
    fig = ui.memo_figure(
        ("unrolled", pr.key, unit),
        lambda: figures.unrolled_figure(run.trace, run.grads, unit=unit, of=run.of, **ui.fig_kw()),
    )
    ui.plot(fig, "unrolled")
    st.caption(tr("how"))
    ui.overflow_note(run)
    ui.network_note({cells.CELL_NAMES[s["cell"]]: run})
    ui.input_figure(ui.held("input", lambda: pr), "unroll_input")


ui.lesson_view(s, body)
(st if ui.presentation() else top).write(tr("intro"))
st.caption(tr("why_untrained"))
with st.expander(tr("equations"), expanded=True):
    for line in EQUATIONS[s["cell"]]:
        st.latex(line)
pr = ui.page_run(s)
ui.show_code({"rnn": cells.rnn_layer, "lstm": cells.lstm_layer, "gru": cells.gru_layer}[s["cell"]])
ui.gradient_check(pr.run, "unroll")
ui.export(pr, "unroll")
