"""2 · Vanishing and exploding gradients in a plain RNN, with its recurrent weight's spectral radius
as the knob."""

import numpy as np
import streamlit as st

from explainer import bptt, figures, i18n, ui
from explainer.figures import reach_figure
from explainer.lesson import step_bound, steps_of_signal

RATIO = 1e-3  # "carries signal" = at least a thousandth of the gradient at the last step
RADII = tuple(np.round(np.arange(0.5, 2.01, 0.1), 2))

tr = ui.translator(i18n.PAGES["gradients"])

st.title(tr("title"))
intro = st.empty()  # written once the activation is known: its formula names it
s = ui.lesson_settings("gradients", ("rnn",))
st.caption(tr("why_untrained"))
c1, c2 = st.columns([3, 1])
radius = ui.bound(
    c1.slider,
    tr("radius"),
    "radius",
    min_value=0.1,
    max_value=2.0,
    value=0.9,
    step=0.05,
    **ui.weight_knob("gradients", "radius"),
)
nonlin = ui.bound(
    c2.radio,
    tr("nonlin"),
    "nonlin",
    options=["tanh", "relu"],
    horizontal=True,
    **ui.weight_knob("gradients", "nonlinearity"),
)
intro.write(tr("intro", phi=nonlin))
ui.live_controls(s)
knobs = dict(cell="rnn", radius=float(radius), nonlinearity=nonlin)


def body() -> None:
    pr = ui.page_run(s, **knobs)
    run = pr.run
    ui.network_note({"RNN": run})
    rho, sigma, slope = step_bound(run)
    if run.net != "untrained":
        st.caption(tr("measured_radius", radius=rho))
    shown = radius if run.net == "untrained" else round(rho, 3)
    ui.input_figure(pr, "gradients_input")
    n = steps_of_signal(run.grads.h_norm, RATIO)
    m1, m2 = st.columns(2)
    m1.metric(tr("reach"), ui.reach_text(n, s["steps"]), help=tr("reach_help"))
    with np.errstate(all="ignore"):
        ratio = run.grads.h_norm[0] / run.grads.h_norm[-1]
    m2.metric(tr("ratio"), f"{ratio:.2e}")
    if n is None:
        st.info(tr("grow", radius=shown, steps=s["steps"], ratio=f"{ratio:.2e}"))
    else:
        st.info(tr("vanish", radius=shown, n=n))
    phi = run.model.nonlinearity
    st.caption(tr("bound", rho=rho, sigma=sigma, slope=slope, bound=sigma * slope, phi=phi))
    ui.overflow_note(run)

    fig = ui.memo_figure(
        ("decay", pr.key),
        lambda: figures.gradient_decay_figure(
            {"RNN": (run.trace, run.grads)}, jacobians={"RNN": run.jacobians}, **ui.fig_kw()
        ),
    )
    ui.plot(fig, "gradient_decay")

    st.subheader(tr("sweep"))
    if run.net != "untrained":
        st.caption(tr("sweep_untrained"))
        return

    def sweep():
        reach = [
            steps_of_signal(ui.page_run(s, **{**knobs, "radius": r}).run.grads.h_norm, RATIO)
            for r in RADII
        ]
        return reach_figure(
            RADII, {"RNN": reach}, steps=s["steps"] - 1, ratio=RATIO, current=radius, **ui.fig_kw()
        )

    ui.plot(ui.memo_figure(("reach", pr.key), sweep), "reach")


ui.lesson_view(s, body)
pr = ui.page_run(s, **knobs)
ui.show_code(bptt.rnn_layer_backward, steps_of_signal)
ui.gradient_check(pr.run, "gradients")
ui.export(pr, "gradients")
