"""4 · Why the cell state adds: the gradient along c_t against the gradient through h_t, the
forget-gate product against the plain RNN's Jacobians, the forget bias, and gate ablations."""

import numpy as np
import streamlit as st

from explainer import bptt, figures, i18n, ui
from explainer.cells import LSTM_VARIANTS
from explainer.figures.style import of_output
from explainer.lesson import forget_hint, reach_across
from explainer.norms import steps_of_signal

RATIO = 1e-3

tr = ui.translator(i18n.PAGES["adds"])

st.title(tr("title"))
top = st.container()  # the intro: above the chart, or under it on a projector (the chart first)
s = ui.lesson_settings("adds", ("lstm", "rnn"))
c1, c2 = st.columns(2)
fbias = ui.bound(
    c1.slider,
    tr("fbias"),
    "fbias",
    min_value=-3.0,
    max_value=5.0,
    value=0.0,
    step=0.5,
    help=tr("fbias_help"),
    **ui.weight_knob("adds", "fbias"),
)
variant = ui.bound(
    c2.selectbox,
    tr("ablation"),
    "ablation",
    options=list(LSTM_VARIANTS),
    format_func=lambda v: tr(f"abl_{v}"),
)
ui.live_controls(s)
knobs = dict(cell="lstm", fbias=float(fbias), variant=variant)


def body() -> None:
    pr_lstm, pr_rnn = ui.page_run(s, **knobs), ui.page_run(s, cell="rnn")
    lstm, rnn, key = pr_lstm.run, pr_rnn.run, pr_lstm.key
    of = lstm.of
    st.subheader(tr("paths"))
    ui.plot(
        ui.memo_figure(
            ("paths", key),
            lambda: figures.gradient_decay_figure(
                {"LSTM": (lstm.trace, lstm.grads), "RNN": (rnn.trace, rnn.grads)},
                of=of,
                **ui.fig_kw(),
            ),
        ),
        "cell_vs_hidden",
    )
    st.caption(of_output(tr("paths_text"), of))
    ui.overflow_note(lstm)
    n_l, lag, carries = reach_across(lstm, RATIO)
    n_r, _, rnn_carries = reach_across(rnn, RATIO)
    if lag is not None:
        yes = carries and not rnn_carries
        st.info(
            tr(
                "thesis_yes" if yes else "thesis_no",
                net=tr(f"net_{lstm.net}"),
                lstm=ui.reach_text(n_l, s["steps"]),
                rnn=ui.reach_text(n_r, s["steps"]),
                lag=lag,
            )
        )
    f_mean = float(np.mean(lstm.trace.layers[-1].gates["f"]))
    k = min(20, s["steps"] - 1)  # steps back that the sequence has
    text = tr("fmean", f=f_mean) + (" " + tr("fback", f=f_mean, k=k, pk=f_mean**k) if k else "")
    hint = forget_hint(lstm, fbias)
    if hint is not None:
        text += "\n\n" + tr(hint, f=f_mean, fbias=fbias)
    st.info(text)
    ui.network_note({"LSTM": lstm, "RNN": rnn})
    st.subheader(tr("sens"))
    sens_l, sens_r = ui.held("input", lambda: (pr_lstm, pr_rnn))
    ui.input_figure(sens_l, "adds_input", sensitivity={"LSTM": sens_l, "RNN": sens_r})

    st.subheader(tr("product"))
    unit = ui.index_slider(ui.t("unit"), "unit", lstm.model.hidden_size)
    prod_l, prod_r = ui.held("product", lambda: (pr_lstm, pr_rnn), unit)
    ui.plot(
        ui.memo_figure(
            ("product", prod_l.key, prod_r.key, unit),
            lambda: figures.forget_product_figure(
                prod_l.run.trace,
                rnn_jacobians={"RNN": prod_r.run.jacobians},
                unit=unit,
                **ui.fig_kw(),
            ),
        ),
        "forget_product",
    )

    st.subheader(tr("ablations"))
    ablations = ui.held(  # four more networks: made on the held view's turns only
        "ablations",
        lambda: {
            v: ui.page_run(s, cell="lstm", fbias=float(fbias), variant=v) for v in LSTM_VARIANTS
        },
    )
    runs = {v: p.run for v, p in ablations.items()}
    st.dataframe(
        {
            tr("table_variant"): [tr(f"abl_{v}") for v in runs],
            tr("table_h"): [
                ui.reach_text(steps_of_signal(r.grads.h_norm, RATIO), s["steps"])
                for r in runs.values()
            ],
            tr("table_c"): [
                ui.reach_text(steps_of_signal(r.grads.c_norm, RATIO), s["steps"])
                for r in runs.values()
            ],
            of_output(tr("table_c0"), lstm.of): [f"{r.grads.c_norm[0]:.1e}" for r in runs.values()],
            tr("table_cmax"): [
                f"{np.max(np.abs(r.trace.layers[-1].c)):.1f}" for r in runs.values()
            ],
        },
        hide_index=True,
    )
    one, std = runs["forget_one"], runs["standard"]
    c_one, c_std = float(one.grads.c_norm[-1]), float(std.grads.c_norm[-1])
    if c_std > 0 and np.isfinite(c_one / c_std):
        cmax = float(np.max(np.abs(one.trace.layers[-1].c)))
        st.caption(tr("table_note", cmax=cmax, ratio=c_one / c_std, c_one=c_one, c_std=c_std))
    ui.plot(
        ui.memo_figure(
            ("ablations", *(p.key for p in ablations.values())),
            lambda: figures.gradient_decay_figure(
                {tr(f"abl_{v}"): (r.trace, r.grads) for v, r in runs.items()},
                of=lstm.of,
                **ui.fig_kw(),
            ),
        ),
        "ablations",
    )


ui.lesson_view(s, body)
(st if ui.presentation() else top).write(tr("intro"))
pr = ui.page_run(s, **knobs)
ui.show_code(bptt.lstm_layer_backward)
ui.gradient_check(pr.run, "adds")
ui.export(pr, "adds")
