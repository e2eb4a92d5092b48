"""6 · RNN vs LSTM vs GRU: the same input and seed, one shared time cursor, optionally the same
number of parameters; their gradient decay overlaid."""

import streamlit as st

from explainer import figures, i18n, ui
from explainer.cells import CELL_NAMES, CELLS
from explainer.lesson import count_params, matched_hidden, open_step, reach_across

RATIO = 1e-3

tr = ui.translator(i18n.PAGES["compare"])

st.title(tr("title"))
top = st.container()  # the intro: above the chart, or under it on a projector (the chart first)
s = ui.lesson_settings("compare", CELLS)
match = ui.bound(
    st.toggle, tr("match"), "match", help=tr("match_help"), **ui.weight_knob("compare", "match")
)
ui.live_controls(s)


def body() -> None:
    size = (
        s["hidden"]
        if s["net"] == "untrained"
        else ui.page_run(s, cell="lstm").run.model.hidden_size
    )
    target = count_params("lstm", 2, size, s["layers"])
    hidden = {
        c: (matched_hidden(c, target, 2, s["layers"]) if match and c != "lstm" else size)
        for c in CELLS
    }
    prs = {c: ui.page_run(s, cell=c, hidden=hidden[c]) for c in CELLS}
    runs = {c: prs[c].run for c in CELLS}
    hidden = {c: runs[c].model.hidden_size for c in CELLS}
    st.subheader(tr("decay"))
    more = ui.bound(st.toggle, tr("more_curves"), "compare_more", help=tr("more_help"))
    ui.plot(
        ui.memo_figure(
            ("compare", more, *(prs[c].key for c in CELLS)),
            lambda: figures.gradient_decay_figure(
                {CELL_NAMES[c]: (runs[c].trace, runs[c].grads) for c in CELLS},
                jacobians={CELL_NAMES[c]: runs[c].jacobians for c in CELLS} if more else None,
                cell_state=more,
                of=runs["lstm"].of,
                **ui.fig_kw(),
            ),
        ),
        "compare_decay",
    )
    ui.network_note({CELL_NAMES[c]: runs[c] for c in CELLS})
    reach = {c: reach_across(runs[c], RATIO) for c in CELLS}
    lag = reach["lstm"][1]
    if lag is not None:
        yes = reach["lstm"][2] and reach["gru"][2] and not reach["rnn"][2]
        st.info(
            tr(
                "thesis_yes" if yes else "thesis_no",
                net=tr(f"net_{runs['lstm'].net}"),
                lag=lag,
                **{c: ui.reach_text(reach[c][0], s["steps"]) for c in CELLS},
            )
        )
    table = {
        tr("table_cell"): [ui.t(f"cell_{c}") for c in CELLS],
        tr("table_hidden"): [hidden[c] for c in CELLS],
        tr("table_params"): [runs[c].model.num_params for c in CELLS],
        tr("table_reach"): [ui.reach_text(reach[c][0], s["steps"]) for c in CELLS],
    }
    if lag is not None:
        table[tr("table_lag")] = [lag] * len(CELLS)
        table[tr("table_across")] = [tr("yes" if reach[c][2] else "no") for c in CELLS]
    st.dataframe(table, hide_index=True)
    t = ui.time_slider(s["steps"], value=open_step(runs["lstm"]))
    unit = ui.index_slider(ui.t("unit"), "unit", min(hidden.values()))
    # side by side on a wide screen, one under the other on a narrower one (ui's layout CSS)
    cols = st.container(key="side_by_side").columns(len(CELLS))
    for col, c in zip(cols, CELLS, strict=True):
        cell = ui.held(f"cell_{c}", lambda c=c: prs[c], t, unit)
        with col:
            ui.plot(
                ui.memo_figure(
                    ("cell", cell.key, t, 0, unit, "compact"),
                    lambda cell=cell: figures.cell_figure(
                        cell.run.trace, t, unit=unit, compact=True, **ui.fig_kw()
                    ),
                ),
                f"compare_{c}",
            )
    for c in CELLS:
        ui.overflow_note(runs[c])
    st.subheader(tr("sens"))
    st.caption(tr("sens_text"))
    sens = ui.held("input", lambda: prs)
    ui.input_figure(
        sens["lstm"], "compare_input", sensitivity={CELL_NAMES[c]: sens[c] for c in CELLS}
    )


ui.lesson_view(s, body)
(st if ui.presentation() else top).write(tr("intro"))
pr = ui.page_run(s, cell="lstm")
ui.gradient_check(pr.run, "compare")
ui.export(pr, "compare")
