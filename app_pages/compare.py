"""6 · RNN vs LSTM vs GRU: the same input and seed, one shared time cursor, optionally the same
number of parameters; their gradient decay overlaid."""

import streamlit as st

from explainer import figures, ui
from explainer.lesson import count_params, matched_hidden, reach_across

RATIO = 1e-3
CELLS = ("rnn", "lstm", "gru")

tr = ui.translator(
    {
        "title": ("RNN vs LSTM vs GRU", "RNN、LSTM 与 GRU 对比"),
        "intro": (
            "The three cells read the same input with the same seed. One time cursor moves "
            "all three diagrams; the curves below show how far back each one's gradient "
            "reaches from a loss at the last step.",
            "三种单元读入同样的输入、使用同样的随机种子"
            "。一个时间游标同时移动三张图；下面的曲线显示"
            "从最后一步的损失出发，各自的梯度能传回多远。",
        ),
        "match": ("Match parameter counts (to the LSTM's)", "使参数个数相同（以 LSTM 为准）"),
        "match_help": (
            "The RNN and the GRU get the hidden size whose parameter count is closest to "
            "the LSTM's at the chosen size.",
            "为 RNN 和 GRU 选择参数个数最接近当前大小下 LSTM 的隐藏层大小。",
        ),
        "table_cell": ("cell", "单元"),
        "table_hidden": ("hidden size", "隐藏层大小"),
        "table_params": ("parameters", "参数个数"),
        "table_reach": ("steps back with signal", "仍有信号的步数"),
        "decay": ("Gradient decay, overlaid", "梯度衰减曲线叠加"),
        "table_lag": ("lag to bridge", "需要跨越的延迟"),
        "table_across": ("carries across the lag", "能否跨越延迟"),
        "yes": ("yes", "能"),
        "no": ("no", "不能"),
        "thesis_yes": (
            "In these {net} networks the LSTM and the GRU carry the gradient of the output back "
            "across the {lag} steps from the first marked value (steps back with signal: LSTM "
            "{lstm}, GRU {gru}); the RNN does not ({rnn}).",
            "在这些{net}网络中，LSTM 和 GRU 能把输出的梯度传回，跨过从第一个标记值起的 {lag} 步"
            "（仍有信号的步数：LSTM {lstm}，GRU {gru}）；RNN 则不能（{rnn}）。",
        ),
        "thesis_no": (
            "In these {net} networks the lesson's claim does not hold as stated: against a lag of "
            "{lag} steps from the first marked value, the gradient keeps signal RNN {rnn}, LSTM "
            "{lstm}, GRU {gru} steps back (the table says which carry it across).",
            "在这些{net}网络中，课程的说法并不成立：从第一个标记值起的延迟是 {lag} 步，"
            "而梯度仍有信号的步数为 RNN {rnn}、LSTM {lstm}、GRU {gru}（表中列出了哪些能跨越）。",
        ),
        "net_trained": ("trained", "训练过的"),
        "net_untrained": ("untrained", "未训练的"),
        "net_live": ("live-trained", "正在训练的"),
        "sens": (
            "Where each output looks: ‖∂y/∂x_t‖ painted on the input",
            "各自的输出在看哪里：把 ‖∂y/∂x_t‖ 画在输入上",
        ),
        "sens_text": (
            "The darker a step, the more the network's output depends on that input step; the "
            "dotted lines are the task's marked steps.",
            "颜色越深，网络的输出就越依赖那一步的输入；虚线是任务中被标记的时间步。",
        ),
    }
)

st.title(tr("title"))
st.write(tr("intro"))
s = ui.lesson_settings("compare", CELLS)
match = ui.bound(
    st.toggle, tr("match"), "match", help=tr("match_help"), **ui.weight_knob("compare", "match")
)
ui.live_controls(s)


def body() -> None:
    size = (
        s["hidden"]
        if s["net"] == "untrained"
        else ui.page_run(s, cell="lstm").run.model.hidden_size
    )
    target = count_params("lstm", 2, size, s["layers"])
    hidden = {
        c: (matched_hidden(c, target, 2, s["layers"]) if match and c != "lstm" else size)
        for c in CELLS
    }
    prs = {c: ui.page_run(s, cell=c, hidden=hidden[c]) for c in CELLS}
    runs = {c: prs[c].run for c in CELLS}
    hidden = {c: runs[c].model.hidden_size for c in CELLS}
    ui.network_note({c.upper(): runs[c] for c in CELLS})
    reach = {c: reach_across(runs[c], RATIO) for c in CELLS}
    lag = reach["lstm"][1]
    if lag is not None:
        yes = reach["lstm"][2] and reach["gru"][2] and not reach["rnn"][2]
        st.info(
            tr(
                "thesis_yes" if yes else "thesis_no",
                net=tr(f"net_{runs['lstm'].net}"),
                lag=lag,
                **{c: ui.reach_text(reach[c][0], s["steps"]) for c in CELLS},
            )
        )
    table = {
        tr("table_cell"): [ui.t(f"cell_{c}") for c in CELLS],
        tr("table_hidden"): [hidden[c] for c in CELLS],
        tr("table_params"): [runs[c].model.num_params for c in CELLS],
        tr("table_reach"): [ui.reach_text(reach[c][0], s["steps"]) for c in CELLS],
    }
    if lag is not None:
        table[tr("table_lag")] = [lag] * len(CELLS)
        table[tr("table_across")] = [tr("yes" if reach[c][2] else "no") for c in CELLS]
    st.dataframe(table, hide_index=True)
    st.subheader(tr("sens"))
    st.caption(tr("sens_text"))
    ui.input_figure(prs["lstm"], "compare_input", sensitivity={c.upper(): prs[c] for c in CELLS})
    st.subheader(tr("decay"))
    ui.plot(
        ui.memo_figure(
            ("compare", *(prs[c].key for c in CELLS)),
            lambda: figures.gradient_decay_figure(
                {c.upper(): (runs[c].trace, runs[c].grads) for c in CELLS},
                jacobians={c.upper(): runs[c].jacobians for c in CELLS},
                **ui.fig_kw(),
            ),
        ),
        "compare_decay",
    )
    t = ui.time_slider(s["steps"])
    unit = ui.index_slider(ui.t("unit"), "unit", min(hidden.values()))
    # one above the other: side by side the three diagrams would be too small to read
    for c in CELLS:
        key = prs[c].key
        ui.plot(
            ui.memo_figure(
                ("cell", key, t, 0, unit),
                lambda c=c: figures.cell_figure(runs[c].trace, t, unit=unit, **ui.fig_kw()),
            ),
            f"compare_{c}",
        )
    for c in CELLS:
        ui.overflow_note(runs[c])


ui.lesson_view(s, body)
pr = ui.page_run(s, cell="lstm")
ui.gradient_check(pr.run, "compare")
ui.export(pr, "compare")
