"""5 · The GRU: two gates (update and reset), no separate cell state; PyTorch's form and the
textbook form; what it costs in parameters."""

import streamlit as st

from explainer import cells, figures, i18n, ui
from explainer.lesson import count_params, first_marker, gate_holder, open_step

tr = ui.translator(i18n.PAGES["gru"])

st.title(tr("title"))
top = st.container()  # the intro: above the diagram, or under it on a projector (diagram first)
s = ui.lesson_settings("gru", ("gru", "lstm"))
form = ui.bound(
    st.radio,
    tr("form"),
    "gru_form",
    options=["standard", "textbook"],
    format_func=lambda f: tr(f"form_{f}"),
    horizontal=True,
)
ui.live_controls(s)
knobs = dict(cell="gru", variant=form)


def body() -> None:
    pr = ui.page_run(s, **knobs)
    lstm_pr = ui.page_run(s, cell="lstm")
    run, lstm = pr.run, lstm_pr.run
    H, L = run.model.hidden_size, run.model.num_layers
    t, unit, layer = ui.cell_cursor({**s, "hidden": H, "layers": L}, open_step(run))
    cell = ui.held("cell", lambda: pr, t, unit, layer)  # the diagram and its equations
    lay = cell.run.trace.layers[layer]
    ui.plot(
        ui.memo_figure(
            ("cell", cell.key, t, layer, unit),
            lambda: figures.cell_figure(cell.run.trace, t, layer=layer, unit=unit, **ui.fig_kw()),
        ),
        "gru_cell",
    )

    n4 = "{:.4g}".format
    r, z, n = (float(lay.gates[k][t, unit]) for k in "rzn")
    a_r, a_z, a_n = (float(lay.preact[k][t, unit]) for k in "rzn")
    hn = float(lay.aux["hn"][t, unit])
    h_prev = float(lay.h0[unit] if t == 0 else lay.h[t - 1, unit])
    h_t = float(lay.h[t, unit])
    with st.expander(tr("live", t=t, unit=unit, layer=layer), expanded=True):
        st.latex(rf"r_t = \sigma({n4(a_r)}) = {n4(r)} \qquad z_t = \sigma({n4(a_z)}) = {n4(z)}")
        if form == "standard":
            st.latex(
                rf"n_t = \tanh(W_{{in}} x_t + b_{{in}} + r_t \odot (W_{{hn}} h_{{t-1}} + "
                rf"b_{{hn}}))"
                rf" = \tanh({n4(a_n - r * hn)} + {n4(r)} \cdot ({n4(hn)})) = {n4(n)}"
            )
        else:
            st.latex(
                rf"n_t = \tanh(W_{{in}} x_t + b_{{in}} + W_{{hn}} (r_t \odot h_{{t-1}}) + "
                rf"b_{{hn}})"
                rf" = \tanh({n4(a_n)}) = {n4(n)}"
            )
        st.latex(
            rf"h_t = (1 - z_t) \odot n_t + z_t \odot h_{{t-1}} = (1 - {n4(z)}) \cdot {n4(n)} + "
            rf"{n4(z)} \cdot ({n4(h_prev)}) = {n4(h_t)}"
        )

    ui.network_note({"GRU": run, "LSTM": lstm})
    ui.input_figure(ui.held("input", lambda: pr), "gru_input")
    start = first_marker(run.markers)
    if start is not None and start < run.trace.steps - 1:
        u, mean, low = gate_holder(run.trace, "z", start)
        st.info(
            tr(
                "holder" if mean >= 0.9 else "no_holder",
                net=tr(f"net_{run.net}"),
                unit=u,
                mean=mean,
                low=low,
                start=start,
                keep=low,
            )
        )
    st.subheader(tr("params"))
    D = run.model.input_size
    st.caption(tr("params_text", inputs=D, hidden=H, layers=L))
    counts = {cells.CELL_NAMES[c]: count_params(c, D, H, L) for c in ("rnn", "gru", "lstm")}
    st.dataframe({ui.t("cell"): list(counts), "#": list(counts.values())}, hide_index=True)

    ui.gate_heatmaps(pr, "gru_gates", layer=layer, step=t, unit=unit)
    st.subheader(tr("decay"))
    gru_d, lstm_d = ui.held("decay", lambda: (pr, lstm_pr))
    ui.plot(
        ui.memo_figure(
            ("decay", gru_d.key, lstm_d.key),
            lambda: figures.gradient_decay_figure(
                {
                    "GRU": (gru_d.run.trace, gru_d.run.grads),
                    "LSTM": (lstm_d.run.trace, lstm_d.run.grads),
                },
                of=gru_d.run.of,
                **ui.fig_kw(),
            ),
        ),
        "gru_decay",
    )
    ui.overflow_note(run)


ui.lesson_view(s, body)
(st if ui.presentation() else top).write(tr("intro"))
st.caption(tr("form_note"))
pr = ui.page_run(s, **knobs)
ui.show_code(cells.gru_layer)
ui.gradient_check(pr.run, "gru")
ui.export(pr, "gru")
