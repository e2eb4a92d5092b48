"""2 · Vanishing and exploding gradients in a plain RNN, with its recurrent weight's spectral radius
as the knob."""

import numpy as np
import streamlit as st

from explainer import bptt, figures, ui
from explainer.figures import reach_figure
from explainer.lesson import steps_of_signal

RATIO = 1e-3  # "carries signal" = at least a thousandth of the gradient at the last step
RADII = tuple(np.round(np.arange(0.5, 2.01, 0.1), 2))

tr = ui.translator(
    {
        "title": ("Vanishing and exploding gradients", "梯度消失与梯度爆炸"),
        "intro": (
            "Backpropagation through time multiplies one Jacobian per step, "
            "∂h_t/∂h_(t−1) = diag(tanh′(a_t)) · W_hh. A product of many such matrices shrinks "
            "geometrically when W_hh's spectral radius (its largest |eigenvalue|) is below 1, and can "
            "grow geometrically above 1. Here W_hh is rescaled to the radius you choose; the loss sits "
            "on the last step only, so the curve shows how much of its gradient reaches each earlier "
            "step.",
            "沿时间反向传播时，每一步都要乘上一个雅可比矩阵 ∂h_t/∂h_(t−1) = diag(tanh′(a_t)) · W_hh。"
            "当 W_hh 的谱半径（最大特征值的模）小于 1 时，许多这样的矩阵相乘会按几何级数缩小；"
            "大于 1 时则可能按几何级数增长。这里把 W_hh 缩放到你选择的谱半径；损失只放在最后一步，"
            "所以曲线显示了它的梯度有多少能到达之前的每一步。",
        ),
        "radius": ("Spectral radius of W_hh", "W_hh 的谱半径"),
        "nonlin": ("Activation", "激活函数"),
        "reach": ("Steps back with signal", "仍有信号的步数"),
        "reach_help": (
            "How many steps back from the last one ‖∂L/∂h_t‖ stays above 1/1000 of its value at "
            "the last step.",
            "从最后一步往回数，‖∂L/∂h_t‖ 保持在最后一步数值的 1/1000 以上的步数。",
        ),
        "reach_all": ("all {steps}", "全部 {steps} 步"),
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
        "sweep": (
            "The same measurement at every radius (this network, this input)",
            "在每个谱半径下做同样的测量（同一网络、同一输入）",
        ),
    }
)

s = ui.settings()
st.title(tr("title"))
st.write(tr("intro"))
c1, c2 = st.columns([3, 1])
radius = ui.bound(
    c1.slider, tr("radius"), "radius", min_value=0.1, max_value=2.0, value=0.9, step=0.05
)
nonlin = ui.bound(c2.radio, tr("nonlin"), "nonlin", options=["tanh", "relu"], horizontal=True)
knobs = dict(cell="rnn", radius=float(radius), nonlinearity=nonlin)
view = ui.page_run(s, **knobs)
run = view.run

n = steps_of_signal(run.grads.h_norm, RATIO)
m1, m2 = st.columns(2)
m1.metric(tr("reach"), tr("reach_all", steps=s["steps"]) if n is None else n, help=tr("reach_help"))
with np.errstate(all="ignore"):
    ratio = run.grads.h_norm[0] / run.grads.h_norm[-1]
m2.metric(tr("ratio"), f"{ratio:.2e}")
if n is None:
    st.info(tr("grow", radius=radius, steps=s["steps"], ratio=f"{ratio:.2e}"))
else:
    st.info(tr("vanish", radius=radius, n=n))
ui.overflow_note(run)

fig = ui.memo_figure(
    ("decay", view.key),
    lambda: figures.gradient_decay_figure(
        {"RNN": (run.trace, run.grads)}, jacobians={"RNN": run.jacobians}, **ui.fig_kw()
    ),
)
ui.plot(fig, "gradient_decay")

st.subheader(tr("sweep"))


def sweep():
    reach = [
        steps_of_signal(ui.page_run(s, **{**knobs, "radius": r}).run.grads.h_norm, RATIO)
        for r in RADII
    ]
    return reach_figure(
        RADII, {"RNN": reach}, steps=s["steps"], ratio=RATIO, current=radius, **ui.fig_kw()
    )


ui.plot(ui.memo_figure(("reach", view.key), sweep), "reach")
ui.show_code(bptt.rnn_layer_backward, steps_of_signal)
ui.gradient_check(run, "gradients")
ui.export(view, "gradients")
