"""Start page: the lesson's path and one-click presets."""

import streamlit as st

from explainer import ui
from explainer.lesson import PRESETS

tr = ui.translator(
    {
        "title": (
            "Why does an LSTM remember what a plain RNN forgets?",
            "为什么 LSTM 能记住普通 RNN 会忘记的东西？",
        ),
        "intro": (
            "This explainer runs real networks for your session on the server: a plain RNN, an LSTM "
            "and a GRU, computed exactly as PyTorch computes them, with every gate, every cell state and "
            "every gradient recorded. Move a slider and everything is recomputed.",
            "本讲解程序在服务器上为你的会话运行真实的网络：普通 RNN、LSTM 和 GRU，计算方式与 PyTorch 完全"
            "一致，并记录每一个门、每一个细胞状态和每一个梯度。移动滑块，一切都会重新计算。",
        ),
        "path": ("The lesson, step by step", "课程路线"),
        "p1": (
            "**Unrolling an RNN**: one function with a loop, drawn as a chain over time.",
            "**展开 RNN**：一个带循环的函数，沿时间展开成一条链。",
        ),
        "p2": (
            "**Vanishing and exploding gradients**: how many steps back a plain RNN's training "
            "gradient still reaches, measured: beyond that it can hardly learn to link an output to "
            "an input.",
            "**梯度消失与梯度爆炸**：普通 RNN 的训练梯度能往回传多少步（实测）；超过这个距离，"
            "它就很难学会把输出与输入联系起来。",
        ),
        "p3": (
            "**Inside the LSTM cell**: forget, input and output gates, the candidate, the cell "
            "state.",
            "**LSTM 单元内部**：遗忘门、输入门、输出门、候选值与细胞状态。",
        ),
        "p4": (
            "**Why the cell state adds**: the sum that lets gradients survive.",
            "**细胞状态为何用加法**：正是这个加法让梯度得以保留。",
        ),
        "p5": (
            "**The GRU**: two gates (update and reset) and no separate cell state; the update gate "
            "ties forgetting to writing.",
            "**GRU**：两个门（更新门和重置门），没有单独的细胞状态；更新门把遗忘与写入绑在一起。",
        ),
        "p6": (
            "**RNN vs LSTM vs GRU**: the three side by side on the same input.",
            "**RNN、LSTM 与 GRU 对比**：同一输入下三者并排比较。",
        ),
        "p7": (
            "**In practice**: forecast a real series, and test the memory claim yourself.",
            "**实践**：预测真实的时间序列，并亲自检验关于记忆的说法。",
        ),
        "presets": ("Presets for the classroom", "课堂预设"),
        "presets_help": (
            "Each button sets the controls and opens the page that shows the effect.",
            "每个按钮会设置好控件并打开展示该效果的页面。",
        ),
        "pre_vanish": ("Gradients vanish at radius 0.9", "谱半径 0.9 时梯度消失"),
        "pre_explode": ("Gradients explode at radius 1.5", "谱半径 1.5 时梯度爆炸"),
        "pre_forget": ("Forget bias 1 keeps memory", "遗忘门偏置为 1 时保持记忆"),
        "pre_spike": ("Follow one spike through an LSTM", "在 LSTM 中追踪一个脉冲"),
        "pre_compare": ("RNN, LSTM and GRU on the same spike", "三种网络处理同一个脉冲"),
        "notation": ("Notation", "记号"),
        "notation_text": (
            "x_t input at step t · h_t hidden state · c_t cell state (LSTM) · σ the logistic sigmoid · "
            "⊙ element-wise product · W_ih, W_hh, b_ih, b_hh the weights and the two biases, named as "
            "in PyTorch. The gradient on every page starts at the last step only, from the network's "
            "output y = W_out h_(T−1) + b_out (the readout its task trains), so that the gradient's "
            "journey back in time can be followed.",
            "x_t 第 t 步的输入 · h_t 隐藏状态 · c_t 细胞状态（"
            "LSTM）· σ 逻辑 sigmoid 函数 · ⊙ 逐元素乘积 · "
            "W_ih、W_hh、b_ih、b_hh 为权重和两个偏置，命名与 PyTorch 一致。每页的梯度只从最后一步出发，"
            "即网络的输出 y = W_out h_(T−1) + b_out（任务所训练的读出层），以便追踪梯度沿时间向回传播的"
            "过程。",
        ),
    }
)


WEIGHT_KEYS = {"hidden", "layers", "scale", "seed", "radius", "nonlin", "fbias"}


def apply_preset(page: str, values: dict) -> None:
    """A button callback: it runs before the rerun, when widget values may still be set."""
    for key, value in values.items():
        st.session_state[key] = value
    if WEIGHT_KEYS & set(values):  # a preset of weight knobs shows the untrained network
        st.session_state[f"net_{page.removeprefix('app_pages/').removesuffix('.py')}"] = "untrained"
    st.session_state["_goto"] = page


st.title(tr("title"))
st.write(tr("intro"))
left, right = st.columns([3, 2])
with left:
    st.subheader(tr("path"))
    st.markdown("\n".join(f"{i}. {tr(f'p{i}')}" for i in range(1, 8)))
    st.subheader(tr("notation"))
    st.caption(tr("notation_text"))
with right:
    st.subheader(tr("presets"))
    st.caption(tr("presets_help"))
    for name, (page, values) in PRESETS.items():
        st.button(tr(name), key=name, width="stretch", on_click=apply_preset, args=(page, values))
if goto := st.session_state.pop("_goto", None):
    st.switch_page(goto, query_params={})  # {}: bound parameters may not be cleared
