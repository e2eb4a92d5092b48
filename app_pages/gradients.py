"""2 · Vanishing and exploding gradients in a plain RNN, with its recurrent weight's spectral radius
as the knob."""

import numpy as np
import streamlit as st

from explainer import bptt, figures, ui
from explainer.figures import reach_figure
from explainer.lesson import step_bound, steps_of_signal

RATIO = 1e-3  # "carries signal" = at least a thousandth of the gradient at the last step
RADII = tuple(np.round(np.arange(0.5, 2.01, 0.1), 2))

tr = ui.translator(
    {
        "title": ("Vanishing and exploding gradients", "梯度消失与梯度爆炸"),
        "intro": (
            "Backpropagation through time multiplies one Jacobian per step, "
            "∂h_t/∂h_(t−1) = diag({phi}′(a_t)) · W_hh. Here W_hh is rescaled to the spectral radius "
            "you choose (its largest |eigenvalue|); the loss sits on the last step only, so the "
            "curve shows how much of its gradient reaches each earlier step. The radius decides "
            "what the powers of W_hh do in the long run: below 1 they shrink geometrically, above 1 "
            "they can grow. One step is bounded by something else: the largest singular value of "
            "W_hh times the largest {phi}′ (at most 1). Only when that product is below 1 must the "
            "gradient shrink at every step; W_hh is not symmetric, its largest singular value "
            "exceeds its radius, and so below radius 1 the gradient can still grow for a while.",
            "沿时间反向传播时，每一步都要乘上一个雅可比矩阵 ∂h_t/∂h_(t−1) = diag({phi}′(a_t)) · W_hh。"
            "这里把 W_hh 缩放到你选择的谱半径（最大特征值的模）；损失只放在最后一步，所以曲线显示了它的"
            "梯度有多少能到达之前的每一步。谱半径决定 W_hh 的幂在长期内的行为：小于 1 时按几何级数缩小，"
            "大于 1 时可能增长。而单独一步的上界是另一个量：W_hh 的最大奇异值乘以 {phi}′ 的最大值"
            "（不超过 1）。只有这个乘积小于 1 时，梯度才必然每一步都缩小；W_hh 不是对称矩阵，它的最大"
            "奇异值大于谱半径，所以谱半径小于 1 时梯度仍可能先增长一段。",
        ),
        "bound": (
            "This run's W_hh: spectral radius {rho:.2f}, largest singular value {sigma:.2f}; the "
            "largest {phi}′ over its steps is {slope:.2f}. So one step back multiplies the "
            "gradient's size by at most {sigma:.2f} × {slope:.2f} = {bound:.2f}.",
            "本次运行的 W_hh：谱半径 {rho:.2f}，最大奇异值 {sigma:.2f}；各步中 {phi}′ 的最大值为 "
            "{slope:.2f}。因此每往回一步，梯度的大小最多乘以 {sigma:.2f} × {slope:.2f} = {bound:.2f}。",
        ),
        "radius": ("Spectral radius of W_hh", "W_hh 的谱半径"),
        "nonlin": ("Activation", "激活函数"),
        "reach": ("Steps back with signal", "仍有信号的步数"),
        "reach_help": (
            "How many steps back from the last one (not counting the last step itself) ‖∂L/∂h_t‖ "
            "stays at or above 1/1000 of its value at the last step.",
            "从最后一步往回数（不计最后一步本身），‖∂L/∂h_t‖ 保持在最后一步数值的 1/1000 及以上的步数。",
        ),
        "ratio": ("‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖", "‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖"),
        "vanish": (
            "At radius {radius} the gradient keeps at least a thousandth of its strength for {n} "
            "steps back; a plain RNN trained on this can hardly link an output to an input further "
            'back than that. The lecture\'s "about 10 steps" is one such number: here it is '
            "measured, and the chart below shows how it depends on the radius.",
            "在谱半径 {radius} 下，梯度往回 {n} 步之内保持至少千分之一的强度；这样训练的普通 RNN "
            '很难把输出与更早的输入联系起来。讲义中的"大约 10 步"就是这样一个数字：这里是实测的，'
            "下图显示了它如何随谱半径变化。",
        ),
        "grow": (
            "At radius {radius} the gradient does not fade within {steps} steps; its size at t = 0 is "
            "{ratio} times its size at the end. Above 1 it can grow step after step (it explodes), "
            "unless tanh saturates and cuts it: try the relu activation to see pure growth.",
            "在谱半径 {radius} 下，梯度在 {steps} 步内没有衰减；它在 t = 0 的大小是末尾的 {ratio} 倍。"
            "谱半径大于 1 时梯度可能逐步增长（爆炸），除非 tanh 饱和将其截断：换成 relu 激活函数可以"
            "看到纯粹的增长。",
        ),
        "why_untrained": (
            "This page opens on the untrained RNN: its knob, the spectral radius, rescales the "
            "weights, and a trained network's weights are what training made them. Choose the "
            "trained RNN to measure its radius' effect as it is; moving the radius or the "
            "activation switches back to the untrained one.",
            "本页默认显示未训练的 RNN：它的旋钮——谱半径——会缩放权重，而训练过的网络的权重是训练的结果。"
            "选择训练过的 RNN 可以测量它本来的样子；移动谱半径或激活函数会切换回未训练的网络。",
        ),
        "sweep_untrained": (
            "The sweep rescales the untrained RNN's weights to every radius: choose the untrained "
            "network to see it.",
            "这一扫描把未训练 RNN 的权重缩放到每个谱半径：选择未训练的网络即可看到它。",
        ),
        "measured_radius": (
            "This network's W_hh has spectral radius {radius:.3f} (the slider applies to the "
            "untrained network).",
            "这个网络的 W_hh 的谱半径为 {radius:.3f}（滑块只作用于未训练的网络）。",
        ),
        "sweep": (
            "The same measurement at every radius (this network, this input)",
            "在每个谱半径下做同样的测量（同一网络、同一输入）",
        ),
    }
)

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
