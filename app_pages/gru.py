"""5 · The GRU: two gates (update and reset), no separate cell state; PyTorch's form and the
textbook form; what it costs in parameters."""

import streamlit as st

from explainer import cells, figures, ui
from explainer.lesson import count_params, first_marker, gate_holder

tr = ui.translator(
    {
        "title": ("The GRU", "GRU（门控循环单元）"),
        "intro": (
            "The GRU keeps a single state h_t and no output gate: everything it remembers is also what "
            "it shows. The update gate z_t does the jobs of the LSTM's forget and input gates at once: "
            "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1) keeps a fraction z of the old state and writes the "
            "rest from the new candidate n_t. The reset gate r_t decides how much of the old state "
            "shapes that candidate. Like the LSTM's cell state, the update is a weighted sum, so along "
            "z the gradient passes without a weight matrix.",
            "GRU 只有一个状态 h_t，没有输出门：它记住的一切也就是它输出的一切。更新门 z_t 同时承担了 "
            "LSTM 遗忘门和输入门的作用：h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1) 按比例 z 保留旧状态，"
            "其余部分由新的候选值 n_t 写入。重置门 r_t 决定旧状态在多大程度上影响这个候选值。"
            "与 LSTM 的细胞状态一样，这个更新是加权求和，因此沿着 z 的路径梯度不必经过权重矩阵。",
        ),
        "form": ("Where the reset gate acts", "重置门作用的位置"),
        "form_standard": ("PyTorch: r ⊙ (W_hn h + b_hn)", "PyTorch：r ⊙ (W_hn h + b_hn)"),
        "form_textbook": (
            "Textbook (Cho et al. 2014): W_hn (r ⊙ h)",
            "教科书（Cho 等，2014）：W_hn (r ⊙ h)",
        ),
        "form_note": (
            "Both forms are used; PyTorch (and cuDNN) apply the reset gate after the matrix product, "
            "which lets W_hn h be computed together with the other gates. They are different "
            "functions: the same weights give different outputs.",
            "两种形式都有人用；PyTorch（以及 cuDNN）在矩"
            "阵乘法之后才施加重置门，这样 W_hn h 可以与其他门"
            "一起计算。它们是不同的函数：同样的权重会得到不同的输出。",
        ),
        "live": (
            "The equations at t = {t}, unit {unit}, layer {layer}, with this run's numbers",
            "t = {t}、单元 {unit}、第 {layer} 层的方程，代入本次运行的数值",
        ),
        "params": ("What it costs", "参数开销"),
        "params_text": (
            "Parameters at this size (input {inputs}, hidden {hidden}, {layers} layer(s)), both "
            "biases counted as in PyTorch: the GRU has three gate blocks where the LSTM has four.",
            "在当前大小下（输入 {inputs}、隐藏 {hidden}、{layers} 层）的参数个数，按 PyTorch 的方式"
            "计入两个偏置：GRU 有三组门参数，LSTM 有四组。",
        ),
        "heatmaps": ("Every gate, every unit, every step", "每个门、每个单元、每一步"),
        "decay": (
            "How far back the gradient reaches: GRU against LSTM",
            "梯度能传回多远：GRU 与 LSTM 对比",
        ),
        "holder": (
            "In this {net} GRU, unit {unit}'s update gate averages {mean:.3f} from the first "
            "marked step (t = {start}) to the end and never drops below {low:.3f} there: "
            "h_t = (1 − z) ⊙ n + z ⊙ h_(t−1) keeps {keep:.0%} or more of that unit's state at "
            "every step. Pick unit {unit} above to follow it.",
            "在这个{net} GRU 中，单元 {unit} 的更新门从第一个标记步（t = {start}）到末尾平均为 "
            "{mean:.3f}，并且从不低于 {low:.3f}：h_t = (1 − z) ⊙ n + z ⊙ h_(t−1) 在每一步都保留该单元"
            "状态的 {keep:.0%} 以上。在上方选择单元 {unit} 即可跟踪它。",
        ),
        "no_holder": (
            "In this {net} GRU no update gate stays high after the first marked step (t = "
            "{start}): the best, unit {unit}, averages {mean:.3f} there, so the state is "
            "overwritten within a few steps.",
            "在这个{net} GRU 中，第一个标记步（t = {start}）之后没有哪个更新门保持在高位：最高的单元 "
            "{unit} 在此期间平均只有 {mean:.3f}，因此状态在几步之内就会被覆盖。",
        ),
        "net_trained": ("trained", "训练过的"),
        "net_untrained": ("untrained", "未训练的"),
        "net_live": ("live-trained", "正在训练的"),
    }
)

st.title(tr("title"))
st.write(tr("intro"))
s = ui.lesson_settings("gru", ("gru", "lstm"))
form = ui.bound(
    st.radio,
    tr("form"),
    "gru_form",
    options=["standard", "textbook"],
    format_func=lambda f: tr(f"form_{f}"),
    horizontal=True,
)
st.caption(tr("form_note"))
ui.live_controls(s)
knobs = dict(cell="gru", variant=form)


def body() -> None:
    pr = ui.page_run(s, **knobs)
    run, key, lstm = pr.run, pr.key, ui.page_run(s, cell="lstm").run
    ui.network_note({"GRU": run, "LSTM": lstm})
    ui.input_figure(pr, "gru_input")
    start = first_marker(run.markers)
    if start is not None and start < run.trace.steps - 1:
        u, mean, low = gate_holder(run.trace, "z", start)
        st.info(
            tr(
                "holder" if mean >= 0.9 else "no_holder",
                net=tr(f"net_{run.net}"),
                unit=u,
                mean=mean,
                low=low,
                start=start,
                keep=low,
            )
        )
    H, L = run.model.hidden_size, run.model.num_layers
    t, unit, layer = ui.cell_cursor({**s, "hidden": H, "layers": L})
    lay = run.trace.layers[layer]
    ui.plot(
        ui.memo_figure(
            ("cell", key, t, layer, unit),
            lambda: figures.cell_figure(run.trace, t, layer=layer, unit=unit, **ui.fig_kw()),
        ),
        "gru_cell",
    )

    n4 = "{:.4g}".format
    r, z, n = (float(lay.gates[k][t, unit]) for k in "rzn")
    a_r, a_z, a_n = (float(lay.preact[k][t, unit]) for k in "rzn")
    hn = float(lay.aux["hn"][t, unit])
    h_prev = float(lay.h0[unit] if t == 0 else lay.h[t - 1, unit])
    h_t = float(lay.h[t, unit])
    with st.expander(tr("live", t=t, unit=unit, layer=layer), expanded=True):
        st.latex(rf"r_t = \sigma({n4(a_r)}) = {n4(r)} \qquad z_t = \sigma({n4(a_z)}) = {n4(z)}")
        if form == "standard":
            st.latex(
                rf"n_t = \tanh(W_{{in}} x_t + b_{{in}} + r_t \odot (W_{{hn}} h_{{t-1}} + "
                rf"b_{{hn}}))"
                rf" = \tanh({n4(a_n - r * hn)} + {n4(r)} \cdot ({n4(hn)})) = {n4(n)}"
            )
        else:
            st.latex(
                rf"n_t = \tanh(W_{{in}} x_t + b_{{in}} + W_{{hn}} (r_t \odot h_{{t-1}}) + "
                rf"b_{{hn}})"
                rf" = \tanh({n4(a_n)}) = {n4(n)}"
            )
        st.latex(
            rf"h_t = (1 - z_t) \odot n_t + z_t \odot h_{{t-1}} = (1 - {n4(z)}) \cdot {n4(n)} + "
            rf"{n4(z)} \cdot ({n4(h_prev)}) = {n4(h_t)}"
        )

    st.subheader(tr("params"))
    D = run.model.input_size
    st.caption(tr("params_text", inputs=D, hidden=H, layers=L))
    counts = {c.upper(): count_params(c, D, H, L) for c in ("rnn", "gru", "lstm")}
    st.dataframe({ui.t("cell"): list(counts), "#": list(counts.values())}, hide_index=True)

    st.subheader(tr("heatmaps"))
    ui.plot(
        ui.memo_figure(
            ("heatmaps", key, layer),
            lambda: figures.gate_heatmaps_figure(run.trace, layer=layer, **ui.fig_kw()),
        ),
        "gru_gates",
    )
    st.subheader(tr("decay"))
    ui.plot(
        ui.memo_figure(
            ("decay", key),
            lambda: figures.gradient_decay_figure(
                {"GRU": (run.trace, run.grads), "LSTM": (lstm.trace, lstm.grads)}, **ui.fig_kw()
            ),
        ),
        "gru_decay",
    )
    ui.overflow_note(run)


ui.lesson_view(s, body)
pr = ui.page_run(s, **knobs)
ui.show_code(cells.gru_layer)
ui.gradient_check(pr.run, "gru")
ui.export(pr, "gru")
