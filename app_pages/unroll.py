"""1 · Unrolling an RNN: one function with a loop, drawn as a chain over time."""

import streamlit as st

from explainer import cells, figures, ui

tr = ui.translator(
    {
        "title": ("Unrolling a recurrent network", "展开循环神经网络"),
        "intro": (
            "A recurrent network is one function applied again and again: at every step it reads "
            "the input x_t and its own previous state h_(t−1), and writes a new state h_t. Drawn "
            "once per time step, the loop becomes a chain, a deep network whose layers all share "
            "the same weights W_ih and W_hh.",
            "循环网络就是同一个函数被反复调用：每一步读入输入 x_t 和自己上一步的状态 h_(t−1)，"
            "并写出新的状态 h_t。把每个时间步画一次，循环就变成了一条链——一个很深的网络，"
            "而它的每一层共享同一组权重 W_ih 和 W_hh。",
        ),
        "how": (
            "Press ▶ to step forward through time (it runs in your browser, no waiting). Then press "
            "◀ to run the backward pass from the loss at the last step: edge width and colour show "
            "how much gradient reaches each step.",
            "按 ▶ 沿时间向前播放（在浏览器中运行，无需等待）。再按 ◀ 从最后一步的损失开始运行反向传播："
            "连线的粗细和颜色表示到达每一步的梯度大小。",
        ),
        "equations": ("The equations this page runs", "本页运行的方程"),
        "why_untrained": (
            "This page opens on an untrained network: unrolling is the same for any weights, "
            "and the chain is easiest to read before training has shaped it. Choose the trained "
            "network to see one that has learnt the task.",
            "本页默认显示未训练的网络：无论权重如何，展开的方式都一样，而在训练塑造它之前，"
            "这条链最容易看懂。选择训练过的网络，即可看到一个已经学会任务的网络。",
        ),
        "unit_help": (
            "Which hidden unit's value colours the nodes.",
            "节点颜色显示哪一个隐藏单元的值。",
        ),
    }
)

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
st.write(tr("intro"))
s = ui.lesson_settings("unroll")
st.caption(tr("why_untrained"))
ui.live_controls(s)
with st.expander(tr("equations"), expanded=True):
    for line in EQUATIONS[s["cell"]]:
        st.latex(line)


def body() -> None:
    pr = ui.page_run(s)
    run = pr.run
    ui.network_note({s["cell"].upper(): run})
    ui.input_figure(pr, "unroll_input")
    unit = ui.index_slider(ui.t("unit"), "unit", run.model.hidden_size)
    st.caption(tr("how"))
    fig = ui.memo_figure(
        ("unrolled", pr.key, unit),
        lambda: figures.unrolled_figure(run.trace, run.grads, unit=unit, **ui.fig_kw()),
    )
    ui.plot(fig, "unrolled")
    ui.overflow_note(run)


ui.lesson_view(s, body)
pr = ui.page_run(s)
ui.show_code({"rnn": cells.rnn_layer, "lstm": cells.lstm_layer, "gru": cells.gru_layer}[s["cell"]])
ui.gradient_check(pr.run, "unroll")
ui.export(pr, "unroll")
