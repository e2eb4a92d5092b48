"""6 · RNN vs LSTM vs GRU: the same input and seed, one shared time cursor, optionally the same
number of parameters; their gradient decay overlaid."""

import streamlit as st

from explainer import figures, ui
from explainer.lesson import count_params, matched_hidden, steps_of_signal

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
        "all": ("all {steps}", "全部 {steps} 步"),
        "decay": ("Gradient decay, overlaid", "梯度衰减曲线叠加"),
    }
)

s = ui.settings()
st.title(tr("title"))
st.write(tr("intro"))
match = ui.bound(st.toggle, tr("match"), "match", help=tr("match_help"))
target = count_params("lstm", 1, s["hidden"], s["layers"])
hidden = {
    c: (matched_hidden(c, target, layers=s["layers"]) if match and c != "lstm" else s["hidden"])
    for c in CELLS
}
views = {c: ui.page_run(s, cell=c, hidden=hidden[c]) for c in CELLS}
runs = {c: v.run for c, v in views.items()}
t = ui.time_slider(s["steps"])
unit = ui.index_slider(ui.t("unit"), "unit", min(hidden.values()))
# one above the other: side by side the three diagrams would be too small to read
for c in CELLS:
    ui.plot(
        ui.memo_figure(
            ("cell", views[c].key, t, 0, unit),
            lambda c=c: figures.cell_figure(runs[c].trace, t, unit=unit, **ui.fig_kw()),
        ),
        f"compare_{c}",
    )


def fmt(n):
    return tr("all", steps=s["steps"]) if n is None else str(n)


st.dataframe(
    {
        tr("table_cell"): [ui.t(f"cell_{c}") for c in CELLS],
        tr("table_hidden"): [hidden[c] for c in CELLS],
        tr("table_params"): [count_params(c, 1, hidden[c], s["layers"]) for c in CELLS],
        tr("table_reach"): [fmt(steps_of_signal(runs[c].grads.h_norm, RATIO)) for c in CELLS],
    },
    hide_index=True,
)
st.subheader(tr("decay"))
key = ("compare", *(v.key for v in views.values()))
ui.plot(
    ui.memo_figure(
        key,
        lambda: figures.gradient_decay_figure(
            {c.upper(): (runs[c].trace, runs[c].grads) for c in CELLS},
            jacobians={c.upper(): runs[c].jacobians for c in CELLS},
            **ui.fig_kw(),
        ),
    ),
    "compare_decay",
)
for c in CELLS:
    ui.overflow_note(runs[c])
ui.gradient_check(runs["lstm"], "compare")
ui.export(views["lstm"], "compare")
