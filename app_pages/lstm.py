"""3 · Inside the LSTM cell: the diagram with live values, the equations with the numbers
substituted, the gate heatmaps, and the code that computed them."""

import streamlit as st

from explainer import cells, figures, ui

tr = ui.translator(
    {
        "title": ("Inside the LSTM cell", "LSTM 单元内部"),
        "intro": (
            "An LSTM keeps two states: the hidden state h_t, which it shows to the world, and the "
            "cell state c_t, its long-term memory. Three gates, each a sigmoid layer with values "
            "between 0 and 1, decide what happens to the memory: the forget gate f_t how much of "
            "c_(t−1) to keep, the input gate i_t how much of the candidate g_t to write, the output "
            "gate o_t how much of the memory to show as h_t.",
            "LSTM 维护两个状态：对外输出的隐藏状态 h_t，以及作为长期记忆的细胞状态 c_t。三个门都是"
            "取值在 0 到 1 之间的 sigmoid 层，它们决定记忆如何变化：遗忘门 f_t 决定保留多少 c_(t−1)，"
            "输入门 i_t 决定写入多少候选值 g_t，输出门 o_t 决定把多少记忆作为 h_t 输出。",
        ),
        "live": (
            "The equations at t = {t}, unit {unit}, layer {layer}, with this run's numbers",
            "t = {t}、单元 {unit}、第 {layer} 层的方程，代入本次运行的数值",
        ),
        "heatmaps": ("Every gate, every unit, every step", "每个门、每个单元、每一步"),
        "saturation": ("Saturation: where gradients cannot pass", "饱和：梯度无法通过的地方"),
    }
)

s = ui.settings()
st.title(tr("title"))
st.write(tr("intro"))
view = ui.page_run(s, cell="lstm")
run, key = view.run, view.key
t, unit, layer = ui.cell_cursor(s)

lay = run.trace.layers[layer]
fig = ui.memo_figure(
    ("cell", key, t, layer, unit),
    lambda: figures.cell_figure(run.trace, t, layer=layer, unit=unit, **ui.fig_kw()),
)
ui.plot(fig, "lstm_cell")


def v(name: str) -> float:
    return float(lay.gates[name][t, unit])


def a(name: str) -> float:
    return float(lay.preact[name][t, unit])


c_prev = float(lay.c0[unit] if t == 0 else lay.c[t - 1, unit])
c_t, h_t = float(lay.c[t, unit]), float(lay.h[t, unit])
n4 = "{:.4g}".format
with st.expander(tr("live", t=t, unit=unit, layer=layer), expanded=True):
    st.latex(
        rf"i_t = \sigma(a_i) = \sigma({n4(a('i'))}) = {n4(v('i'))} \qquad "
        rf"f_t = \sigma(a_f) = \sigma({n4(a('f'))}) = {n4(v('f'))}"
    )
    st.latex(
        rf"g_t = \tanh(a_g) = \tanh({n4(a('g'))}) = {n4(v('g'))} \qquad "
        rf"o_t = \sigma(a_o) = \sigma({n4(a('o'))}) = {n4(v('o'))}"
    )
    st.latex(
        rf"c_t = f_t \odot c_{{t-1}} + i_t \odot g_t = {n4(v('f'))} \cdot ({n4(c_prev)}) + "
        rf"{n4(v('i'))} \cdot ({n4(v('g'))}) = {n4(c_t)}"
    )
    st.latex(rf"h_t = o_t \odot \tanh(c_t) = {n4(v('o'))} \cdot \tanh({n4(c_t)}) = {n4(h_t)}")
    st.caption(r"a_* = W_{i*} x_t + b_{i*} + W_{h*} h_{t-1} + b_{h*}")

st.subheader(tr("heatmaps"))
ui.plot(
    ui.memo_figure(
        ("heatmaps", key, layer),
        lambda: figures.gate_heatmaps_figure(run.trace, layer=layer, **ui.fig_kw()),
    ),
    "lstm_gates",
)
st.subheader(tr("saturation"))
ui.plot(
    ui.memo_figure(
        ("saturation", key, layer),
        lambda: figures.saturation_figure(run.trace, layer=layer, **ui.fig_kw()),
    ),
    "lstm_saturation",
)
ui.show_code(cells.lstm_layer, cells.sigmoid)
ui.gradient_check(run, "lstm")
ui.export(view, "lstm")
