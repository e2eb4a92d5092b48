"""4 · Why the cell state adds: the gradient along c_t against the gradient through h_t, the
forget-gate product against the plain RNN's Jacobians, the forget bias, and gate ablations."""

import numpy as np
import streamlit as st

from explainer import bptt, figures, ui
from explainer.cells import LSTM_VARIANTS
from explainer.lesson import reach_across, steps_of_signal

RATIO = 1e-3

tr = ui.translator(
    {
        "title": ("Why the cell state adds", "细胞状态为何用加法"),
        "intro": (
            "Gates multiply: a value times a number between 0 and 1 is a valve, letting information "
            "through or shutting it off. The cell state adds: c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t puts "
            "new information on top of the old. For the gradient that makes all the difference. "
            "Along the cell state's direct path (c_(t−1) → f_t ⊙ c_(t−1) → c_t, leaving aside the "
            "paths through h_(t−1) and the gates), one step back is ∂c_t/∂c_(t−1) = f_t: no weight "
            "matrix, no squashing derivative, just the forget gate. When f stays near 1 the "
            "gradient passes that path almost untouched, step after step. A plain RNN instead multiplies by "
            "diag(tanh′) · W_hh at every step, and the product fades (or explodes).",
            "门做乘法：乘上一个 0 到 1 之间的数就像一个阀门，让信息通过或将其关闭。细胞状态做加法："
            "c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t 把新信息叠加在旧信息之上。对梯度而言这至关重要。"
            "沿着细胞状态的直接路径（c_(t−1) → f_t ⊙ c_(t−1) → c_t，不计经过 h_(t−1) 和各个门的路径）"
            "后退一步，∂c_t/∂c_(t−1) = f_t：没有权重矩阵，没有压缩函数的导数，只有遗忘门。"
            "只要 f 接近 1，梯度就能沿这条路径几乎不衰减地一步步传回去。而普通 RNN 每一步都要乘上 "
            "diag(tanh′) · W_hh，连乘的结果会逐渐消失（或爆炸）。",
        ),
        "fbias": (
            "Forget-gate bias b_if (added to PyTorch's initial value)",
            "遗忘门偏置 b_if（加在 PyTorch 初始值上）",
        ),
        "fbias_help": (
            "A positive bias starts the forget gate near 1: the cell remembers by default. "
            "Many practitioners initialise it to 1.",
            "正的偏置使遗忘门一开始就接近 1：细胞默认保持记忆。许多实践者把它初始化为 1。",
        ),
        "ablation": ("Gate ablation", "门的消融实验"),
        "abl_standard": ("none (the standard LSTM)", "无（标准 LSTM）"),
        "abl_forget_one": ("forget gate clamped to 1", "遗忘门固定为 1"),
        "abl_no_output": ("no output gate (o = 1)", "去掉输出门（o = 1）"),
        "abl_coupled": (
            "coupled input and forget gates (i = 1 − f)",
            "输入门与遗忘门耦合（i = 1 − f）",
        ),
        "fmean": (
            "Mean forget gate in this run: f ≈ {f:.2f}.",
            "本次运行中遗忘门的平均值：f ≈ {f:.2f}。",
        ),
        "fback": (
            "Each step back along the cell state's direct path multiplies the gradient by f, so "
            "{k} steps back about {f:.2f}^{k} ≈ {pk:.1e} of it is left on that path alone.",
            "沿细胞状态的直接路径每后退一步，梯度就乘以 f，所以往回 {k} 步时，仅沿这条路径大约只剩下 "
            "{f:.2f}^{k} ≈ {pk:.1e}。",
        ),
        "fhalf": (
            "At PyTorch's initialisation the forget gates sit near 0.5, so the cell state forgets "
            "about as fast as the plain RNN: the addition helps only when f is near 1. Move the "
            "forget bias to 1 or more (or clamp f to 1) and watch the dotted curve flatten.",
            "在 PyTorch 的初始化下遗忘门约为 0.5，因此细胞状态的遗忘速度与普通 RNN 差不多：只有当 f "
            "接近 1 时加法才真正起作用。把遗忘门偏置调到 1 或更大（或把 f 固定为 1），观察点线变平。",
        ),
        "paths": (
            "Gradient along the cell state and through the hidden state",
            "沿细胞状态与经过隐藏状态的梯度",
        ),
        "paths_text": (
            "Solid: ‖∂L/∂h_t‖; dotted: ‖∂L/∂c_t‖ for the LSTM; the plain RNN of the same size and "
            "seed for comparison.",
            "实线：‖∂L/∂h_t‖；点线：LSTM 的 ‖∂L/∂c_t‖；作为对比，同样大小、"
            "同样随机种子的普通 RNN。",
        ),
        "product": (
            "The forget-gate product against the RNN's Jacobians",
            "遗忘门连乘与 RNN 雅可比矩阵的对比",
        ),
        "ablations": ("Every ablation on the same input", "同一输入下的各种消融"),
        "table_variant": ("LSTM variant", "LSTM 变体"),
        "table_h": ("steps back with signal in h", "h 中仍有信号的步数"),
        "table_c": ("steps back with signal in c", "c 中仍有信号的步数"),
        "table_c0": ("‖∂L/∂c_0‖ (size at t = 0)", "‖∂L/∂c_0‖（t = 0 处的大小）"),
        "table_cmax": ("largest |c_t|", "最大的 |c_t|"),
        "table_note": (
            "The counts compare each curve with its own last step, not with the other variants: "
            "the fourth column gives the size that is left at t = 0. With f clamped to 1 the cell "
            "state sums every input (here |c| reaches {cmax:.1f}); where |c| is large tanh(c) is "
            "flat, so ∂h/∂c = o ⊙ tanh′(c) is small and the gradient enters the cell state at "
            "{ratio:.2g} × the standard LSTM's size ({c_one:.1e} against {c_std:.1e} at the last "
            "step). Along c it is then no longer damped.",
            "步数是与每条曲线自己的最后一步比较，而不是与其他变体比较：第四列给出 t = 0 处剩下的大小。"
            "把 f 固定为 1 时，细胞状态把每个输入都累加起来（这里 |c| 达到 {cmax:.1f}）；|c| 很大时 "
            "tanh(c) 很平，所以 ∂h/∂c = o ⊙ tanh′(c) 很小，梯度进入细胞状态时只有标准 LSTM 的 "
            "{ratio:.2g} 倍（最后一步为 {c_one:.1e}，标准 LSTM 为 {c_std:.1e}）。之后沿 c 它不再衰减。",
        ),
        "thesis_yes": (
            "In these {net} networks the LSTM's gradient ‖∂y/∂h_t‖ keeps at least a thousandth "
            "of its strength {lstm} steps back, across the {lag} steps from the first marked "
            "value to the output; the RNN's fades within {rnn} steps. That is what the task "
            "needs: the output depends on a value read {lag} steps earlier.",
            "在这些{net}网络中，LSTM 的梯度 ‖∂y/∂h_t‖ 往回 {lstm} 步仍保持至少千分之一的强度，"
            "跨过了从第一个标记值到输出的 {lag} 步；而 RNN 的梯度在 {rnn} 步之内就消失了。"
            "这正是任务所需要的：输出取决于 {lag} 步之前读到的一个值。",
        ),
        "thesis_no": (
            "In these {net} networks the gradient does not separate as the lesson says: the "
            "LSTM's ‖∂y/∂h_t‖ keeps signal {lstm} steps back and the RNN's {rnn}, against a lag of "
            "{lag} steps from the first marked value to the output.",
            "在这些{net}网络中，梯度并没有像课程所说的那样分开：LSTM 的 ‖∂y/∂h_t‖ 往回 {lstm} 步"
            "仍有信号，RNN 的为 {rnn} 步，而从第一个标记值到输出的延迟是 {lag} 步。",
        ),
        "net_trained": ("trained", "训练过的"),
        "net_untrained": ("untrained", "未训练的"),
        "net_live": ("live-trained", "正在训练的"),
        "sens": (
            "Where the output looks: ‖∂y/∂x_t‖ on the input",
            "输出在看哪里：输入上的 ‖∂y/∂x_t‖",
        ),
    }
)

st.title(tr("title"))
st.write(tr("intro"))
s = ui.lesson_settings("adds", ("lstm", "rnn"))
c1, c2 = st.columns(2)
fbias = ui.bound(
    c1.slider,
    tr("fbias"),
    "fbias",
    min_value=-3.0,
    max_value=5.0,
    value=0.0,
    step=0.5,
    help=tr("fbias_help"),
    **ui.weight_knob("adds", "fbias"),
)
variant = ui.bound(
    c2.selectbox,
    tr("ablation"),
    "ablation",
    options=list(LSTM_VARIANTS),
    format_func=lambda v: tr(f"abl_{v}"),
)
ui.live_controls(s)
knobs = dict(cell="lstm", fbias=float(fbias), variant=variant)


def body() -> None:
    pr_lstm, pr_rnn = ui.page_run(s, **knobs), ui.page_run(s, cell="rnn")
    lstm, rnn, key = pr_lstm.run, pr_rnn.run, pr_lstm.key
    ui.network_note({"LSTM": lstm, "RNN": rnn})
    n_l, lag, carries = reach_across(lstm, RATIO)
    n_r, _, rnn_carries = reach_across(rnn, RATIO)
    if lag is not None:
        yes = carries and not rnn_carries
        st.info(
            tr(
                "thesis_yes" if yes else "thesis_no",
                net=tr(f"net_{lstm.net}"),
                lstm=ui.reach_text(n_l, s["steps"]),
                rnn=ui.reach_text(n_r, s["steps"]),
                lag=lag,
            )
        )
    f_mean = float(np.mean(lstm.trace.layers[-1].gates["f"]))
    k = min(20, s["steps"] - 1)  # steps back that the sequence has
    text = tr("fmean", f=f_mean) + (" " + tr("fback", f=f_mean, k=k, pk=f_mean**k) if k else "")
    if f_mean < 0.8 and lstm.net == "untrained":
        text += "\n\n" + tr("fhalf")
    st.info(text)
    st.subheader(tr("paths"))
    st.caption(tr("paths_text"))
    ui.plot(
        ui.memo_figure(
            ("paths", key),
            lambda: figures.gradient_decay_figure(
                {"LSTM": (lstm.trace, lstm.grads), "RNN": (rnn.trace, rnn.grads)}, **ui.fig_kw()
            ),
        ),
        "cell_vs_hidden",
    )
    ui.overflow_note(lstm)
    st.subheader(tr("sens"))
    ui.input_figure(pr_lstm, "adds_input", sensitivity={"LSTM": pr_lstm, "RNN": pr_rnn})

    st.subheader(tr("product"))
    unit = ui.index_slider(ui.t("unit"), "unit", lstm.model.hidden_size)
    ui.plot(
        ui.memo_figure(
            ("product", key, unit),
            lambda: figures.forget_product_figure(
                lstm.trace, rnn_jacobians={"RNN": rnn.jacobians}, unit=unit, **ui.fig_kw()
            ),
        ),
        "forget_product",
    )

    st.subheader(tr("ablations"))
    runs = {
        v: ui.page_run(s, cell="lstm", fbias=float(fbias), variant=v).run for v in LSTM_VARIANTS
    }
    st.dataframe(
        {
            tr("table_variant"): [tr(f"abl_{v}") for v in runs],
            tr("table_h"): [
                ui.reach_text(steps_of_signal(r.grads.h_norm, RATIO), s["steps"])
                for r in runs.values()
            ],
            tr("table_c"): [
                ui.reach_text(steps_of_signal(r.grads.c_norm, RATIO), s["steps"])
                for r in runs.values()
            ],
            tr("table_c0"): [f"{r.grads.c_norm[0]:.1e}" for r in runs.values()],
            tr("table_cmax"): [
                f"{np.max(np.abs(r.trace.layers[-1].c)):.1f}" for r in runs.values()
            ],
        },
        hide_index=True,
    )
    one, std = runs["forget_one"], runs["standard"]
    c_one, c_std = float(one.grads.c_norm[-1]), float(std.grads.c_norm[-1])
    if c_std > 0 and np.isfinite(c_one / c_std):
        cmax = float(np.max(np.abs(one.trace.layers[-1].c)))
        st.caption(tr("table_note", cmax=cmax, ratio=c_one / c_std, c_one=c_one, c_std=c_std))
    ui.plot(
        ui.memo_figure(
            ("ablations", key),
            lambda: figures.gradient_decay_figure(
                {tr(f"abl_{v}"): (r.trace, r.grads) for v, r in runs.items()}, **ui.fig_kw()
            ),
        ),
        "ablations",
    )


ui.lesson_view(s, body)
pr = ui.page_run(s, **knobs)
ui.show_code(bptt.lstm_layer_backward)
ui.gradient_check(pr.run, "adds")
ui.export(pr, "adds")
