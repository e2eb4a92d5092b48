"""3 · Inside the LSTM cell: the diagram with live values, the equations with the numbers
substituted, the gate heatmaps, and the code that computed them."""

import streamlit as st

from explainer import cells, figures, ui
from explainer.lesson import first_marker, gate_holder

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
        "saturation": (
            "Saturation: where a gate's own weights stop learning",
            "饱和：门自身的权重停止学习的地方",
        ),
        "saturation_text": (
            "Where a gate is saturated its slope σ′(a) is nearly 0, so almost no gradient reaches "
            "that gate's own weights and they stop learning. That is not the same as blocking the "
            "memory: a forget gate saturated at 1 is exactly what carries the cell state's "
            "gradient back unchanged (page 4).",
            "门饱和时其斜率 σ′(a) 几乎为 0，所以几乎没有梯度到达这个门自身的权重，它们停止学习。"
            "这并不等于阻断记忆：饱和在 1 的遗忘门恰恰能把细胞状态的梯度原样传回（第 4 页）。",
        ),
        "holder": (
            "In this {net} LSTM, unit {unit}'s forget gate averages {mean:.3f} from the first "
            "marked step (t = {start}) to the end and never drops below {low:.3f} there: it keeps "
            "what it wrote at the marker. Pick unit {unit} above to follow it.",
            "在这个{net} LSTM 中，单元 {unit} 的遗忘门从第一个标记步（t = {start}）到末尾平均为 "
            "{mean:.3f}，并且从不低于 {low:.3f}：它保留了在标记处写入的内容。在上方选择单元 {unit} "
            "即可跟踪它。",
        ),
        "no_holder": (
            "In this {net} LSTM no forget gate stays high after the first marked step (t = "
            "{start}): the best, unit {unit}, averages {mean:.3f} there, so the cell state forgets "
            "within a few steps.",
            "在这个{net} LSTM 中，第一个标记步（t = {start}）之后没有哪个遗忘门保持在高位：最高的单元 "
            "{unit} 在此期间平均只有 {mean:.3f}，因此细胞状态在几步之内就会遗忘。",
        ),
        "net_trained": ("trained", "训练过的"),
        "net_untrained": ("untrained", "未训练的"),
        "net_live": ("live-trained", "正在训练的"),
    }
)

st.title(tr("title"))
st.write(tr("intro"))
s = ui.lesson_settings("lstm", ("lstm",))
ui.live_controls(s)


def body() -> None:
    pr = ui.page_run(s, cell="lstm")
    run, key = pr.run, pr.key
    ui.network_note({"LSTM": run})
    ui.input_figure(pr, "lstm_input")
    start = first_marker(run.markers)
    if start is not None and start < run.trace.steps - 1:
        unit_f, mean, low = gate_holder(run.trace, "f", start)
        text = "holder" if mean >= 0.9 else "no_holder"
        st.info(tr(text, net=tr(f"net_{run.net}"), unit=unit_f, mean=mean, low=low, start=start))
    t, unit, layer = ui.cell_cursor(
        {**s, "hidden": run.model.hidden_size, "layers": run.model.num_layers}
    )
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
        st.latex(r"a_* = W_{i*} x_t + b_{i*} + W_{h*} h_{t-1} + b_{h*} \quad (* = i, f, g, o)")

    st.subheader(tr("heatmaps"))
    ui.plot(
        ui.memo_figure(
            ("heatmaps", key, layer),
            lambda: figures.gate_heatmaps_figure(run.trace, layer=layer, **ui.fig_kw()),
        ),
        "lstm_gates",
    )
    st.subheader(tr("saturation"))
    st.caption(tr("saturation_text"))
    ui.plot(
        ui.memo_figure(
            ("saturation", key, layer),
            lambda: figures.saturation_figure(run.trace, layer=layer, **ui.fig_kw()),
        ),
        "lstm_saturation",
    )


ui.lesson_view(s, body)
pr = ui.page_run(s, cell="lstm")
ui.show_code(cells.lstm_layer, cells.sigmoid)
ui.gradient_check(pr.run, "lstm")
ui.export(pr, "lstm")
