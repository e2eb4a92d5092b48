"""2 · Vanishing and exploding gradients in a plain RNN, with its recurrent weight's spectral radius
as the knob."""

import numpy as np
import streamlit as st

from explainer import bptt, figures, i18n, ui
from explainer.figures import reach_figure
from explainer.figures.style import of_output
from explainer.lesson import mean_slope, radius_hints, step_bound
from explainer.norms import steps_of_signal

RATIO = 1e-3  # "carries signal" = at least a thousandth of the gradient at the last step
RADII = tuple(np.round(np.arange(0.5, 2.01, 0.1), 2))

tr = ui.translator(i18n.PAGES["gradients"])

st.title(tr("title"))
top = st.container()  # the intro (its formula names the activation): above the chart, or under
s = ui.lesson_settings("gradients", ("rnn",))  # it on a projector, so the chart comes first
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
ui.live_controls(s)
knobs = dict(cell="rnn", radius=float(radius), nonlinearity=nonlin)


def body() -> None:
    pr = ui.page_run(s, **knobs)
    run = pr.run
    of, phi = run.of, run.model.nonlinearity
    fig = ui.memo_figure(
        ("decay", pr.key),
        lambda: figures.gradient_decay_figure(
            {"RNN": (run.trace, run.grads)},
            jacobians={"RNN": run.jacobians},
            of=of,
            **ui.fig_kw(),
        ),
    )
    ui.plot(fig, "gradient_decay")
    rho, sigma, slope = step_bound(run)
    shown = radius if run.net == "untrained" else round(rho, 3)
    n = steps_of_signal(run.grads.h_norm, RATIO)
    m1, m2 = st.columns(2)
    m1.metric(tr("reach"), ui.reach_text(n, s["steps"]), help=of_output(tr("reach_help"), of))
    with np.errstate(all="ignore"):
        ratio = run.grads.h_norm[0] / run.grads.h_norm[-1]
    m2.metric(of_output(tr("ratio"), of), f"{ratio:.2e}")
    hints = radius_hints(run, RATIO)
    st.info(
        "\n\n".join(
            tr(
                key,
                radius=shown,
                phi=phi,
                **{k: f"{v:.2e}" if k == "ratio" else v for k, v in values.items()},
            )
            for key, values in hints
        )
    )
    st.caption(tr("bound", rho=rho, sigma=sigma, slope=slope, bound=sigma * slope, phi=phi))
    ui.overflow_note(run)
    ui.network_note({"RNN": run})
    if run.net != "untrained":
        st.caption(tr("measured_radius", radius=rho))
    ui.input_figure(ui.held("input", lambda: pr), "gradients_input")

    st.subheader(tr("sweep"))
    if run.net != "untrained":
        st.caption(tr("sweep_untrained"))
        return
    runs = [ui.page_run(s, **{**knobs, "radius": r}).run for r in RADII]
    reach = [steps_of_signal(r.grads.h_norm, RATIO) for r in runs]

    def sweep():
        return reach_figure(
            RADII,
            {"RNN": reach},
            steps=s["steps"] - 1,
            ratio=RATIO,
            current=radius,
            of=of,
            **ui.fig_kw(),
        )

    ui.plot(ui.memo_figure(("reach", pr.key), sweep), "reach")
    drop = sweep_drop(RADII, reach)
    if drop is not None and phi == "tanh":
        st.caption(tr("sweep_drop", r=drop, top=RADII[-1], phi=phi, mean=mean_slope(runs[-1])))


def sweep_drop(radii, reach) -> float | None:
    """The radius above which the count falls below its best so far, once past radius 1 (None:
    it never falls again there): where saturation takes over from growth. None counts as all."""
    best, at = -1.0, None
    for r, n in zip(radii, reach, strict=True):
        n = float("inf") if n is None else n
        if n >= best:
            best, at = n, r
        elif r > 1:
            return at
    return None


ui.lesson_view(s, body)
(st if ui.presentation() else top).write(tr("intro", phi=nonlin))
st.caption(tr("why_untrained"))
pr = ui.page_run(s, **knobs)
ui.show_code(bptt.rnn_layer_backward, steps_of_signal)
ui.gradient_check(pr.run, "gradients")
ui.export(pr, "gradients")
