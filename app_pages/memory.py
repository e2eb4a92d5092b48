"""8 · The memory lab: train a plain RNN, an LSTM and a GRU on a long-lag task, live, side by side;
load the trained networks into the NumPy reference to see why; ablate the LSTM's gates; and show
the shipped longest-lag-solved sweep.

Training goes through `explainer.live`: a click on a Train button queues a job on the server's
training queue; a worker thread trains it and writes a `MemoryRun` record; the script run follows
the board (progress bar, live curves, Stop) until it settles, then shows the results. A click
elsewhere ends the script run but not the training (the next run follows it again); Stop keeps
the curves and the models as they were; a training nobody follows for `IDLE_S` stops.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from explainer import live, ui
from explainer.figures import gate_heatmaps_figure
from explainer.figures.memory import (
    gate_means_figure,
    sweep_figure,
    training_curves_figure,
    why_decay_figure,
)
from explainer.torch_backend import memory as mem

MAX_BUDGET_S = 60  # per network: one click never trains for more than 4 x 60 s
MAX_STEPS = 5000
IDLE_S = 10.0  # a training whose page nobody has shown for this long stops (the student left)
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # the same in both languages
VARIANTS = ("none", "forget_one", "no_output", "coupled")  # the backend's ABLATIONS, in order

tr = ui.translator(
    {
        "title": (
            "The memory lab: does the LSTM really remember longer?",
            "记忆实验室：LSTM 真的记得更久吗？",
        ),
        "intro": (
            "The lesson claims that a plain RNN cannot learn to link an output to an input many steps "
            "back, and that the LSTM's gates and additive cell state can. Here the class runs the "
            "experiment. One click trains the plain RNN, the LSTM and the GRU on the same task, the "
            "same stream of training sequences, the same optimiser (Adam with gradient clipping) and "
            "the same budget, and shows what happens, whatever it is. Results depend on the lag, the "
            "learning rate, the seed, the initialisation and the machine: the page says so when a run "
            "goes against the lesson.",
            "课程里说：普通 RNN 学不会把输出与很多步之前的输入联系起来，而 LSTM 的门和加法式的细胞"
            "状态可以。这里由全班亲自做这个实验。点一下按钮，就用同一个任务、同一串训练序列、同一个"
            "优化器（Adam 加梯度裁剪）和同样的预算训练普通 RNN、LSTM 和 GRU，并如实显示结果。结果取决"
            "于延迟、学习率、随机种子、初始化和机器：当某次运行与课程的结论相反时，页面会直接说明。",
        ),
        "task": ("Task", "任务"),
        "task_adding": ("Adding problem", "加法问题"),
        "task_recall": ("Delayed recall", "延迟回忆"),
        "about_adding": (
            "**Adding problem** (the later, simplified form of Hochreiter & Schmidhuber's 1997 "
            "experiment 4 used by Le, Jaitly & Hinton 2015 and Arjovsky, Shah & Bengio 2016): each "
            "step shows a random number in "
            "[0, 1] and a marker; two numbers are marked, one in the first half and one in the second. "
            "After the last step the network must output their sum. Lag = the sequence length T, so "
            "the first marked number must be kept for between T/2 and T steps. Always answering 1 "
            "scores MSE 1/6 ≈ 0.167 (the baseline); MSE below 0.01 counts as solved.",
            "**加法问题**（Hochreiter 与 Schmidhuber 1997 年实验 4 的后来简化形式，见 Le、Jaitly 与 "
            "Hinton 2015 及 Arjovsky、Shah 与 Bengio 2016）：每一步给出一个 [0, 1] 内的随机数和"
            "一个标记；有两个数被标记，一个在前半段，一个在后半段。最后一步之后网络必须输出它们的和。"
            "延迟 = 序列长度 T，所以第一个被标记的数要保存 T/2 到 T 步。总是回答 1 的 MSE 为 "
            "1/6 ≈ 0.167（基线）；MSE 低于 0.01 算作解决。",
        ),
        "about_recall": (
            "**Delayed recall**: step 0 shows one of {k} symbols, then come lag distractor symbols "
            "from the same set, then a query marker; the network must name the first symbol. "
            "Guessing scores accuracy 1/{k} (chance); accuracy 0.99 or more counts as solved.",
            "**延迟回忆**：第 0 步显示 {k} 个符号中的一个，随后是与延迟相同数量的、来自同一符号集的干扰"
            "符号，最后是一个查询标记；网络必须说出第一个符号。随机猜测的准确率为 1/{k}（随机水平）；"
            "准确率不低于 0.99 算作解决。",
        ),
        "presets": ("Presets:", "预设："),
        "preset": ("{task}, lag {lag}, {budget} s", "{task}，延迟 {lag}，{budget} 秒"),
        "preset_help": (
            "Load the backend's preset: lag, size, learning rate, clipping, forget bias "
            "and budget.",
            "载入后端的预设：延迟、大小、学习率、梯度裁剪、遗忘门偏置和预算。",
        ),
        "lag": (
            "Lag (adding: sequence length T; recall: distractor steps)",
            "延迟（加法：序列长度 T；回忆：干扰步数）",
        ),
        "hidden": ("Hidden size H", "隐藏层大小 H"),
        "lr": ("Learning rate (Adam)", "学习率（Adam）"),
        "clip": ("Gradient clipping (max norm; 0 = off)", "梯度裁剪（最大范数；0 = 关闭）"),
        "fbias": ("LSTM forget-gate bias at the start", "LSTM 遗忘门的初始偏置"),
        "fbias_help": (
            "0: f starts near σ(0) = 0.5, the cell forgets half of itself every step. "
            "1: f starts near σ(1) ≈ 0.73 (Gers et al. 2000; Jozefowicz et al. 2015).",
            "0：f 一开始约为 σ(0) = 0.5，细胞每一步忘掉一半。1：f 一开始约为 σ(1) ≈ 0.73"
            "（Gers 等 2000；Jozefowicz 等 2015）。",
        ),
        "seed": ("Seed (weights and training data)", "随机种子（权重与训练数据）"),
        "budget": ("Budget per network (seconds)", "每个网络的预算（秒）"),
        "steps": ("Step limit per network (0 = none)", "每个网络的步数上限（0 = 不限）"),
        "eta": (
            "One click trains {n} networks one after another in turns, each for at most {budget} s"
            "{steps}: at most about {total} s in all. A network stops as soon as it solves the task; "
            "one that never does uses its whole budget.",
            "点一次按钮会轮流训练 {n} 个网络，每个最多 {budget} 秒{steps}：总共最多约 {total} 秒。网络"
            "一旦解决任务就会停下；一直解决不了的网络会用完全部预算。",
        ),
        "eta_steps": (" or {steps} steps", "或 {steps} 步"),
        "train": ("Train RNN, LSTM and GRU", "训练 RNN、LSTM 和 GRU"),
        "stop": ("Stop", "停止"),
        "bad_config": ("These settings cannot be trained: {error}", "这些设置无法训练：{error}"),
        "failed": ("Training failed: {error}", "训练失败：{error}"),
        "progress": (
            "{name}: step {step}, {metric} {value}, {seconds} s",
            "{name}：第 {step} 步，{metric} {value}，{seconds} 秒",
        ),
        "metric_mse": ("MSE", "MSE"),
        "metric_accuracy": ("accuracy", "准确率"),
        "x_axis": ("Horizontal axis", "横轴"),
        "x_step": ("training steps", "训练步数"),
        "x_seconds": ("seconds", "秒"),
        "stale": (
            "These results are for other settings ({what}); press the button to train with "
            "the current ones.",
            "这些结果来自其他设置（{what}）；按下按钮即可用当前设置训练。",
        ),
        "stopped": (
            "Stopped before the budget ran out: the curves and the table show where each "
            "network was when you stopped it.",
            "在预算用完之前被停止：曲线和表格显示的是停止时各网络的状态。",
        ),
        "none_yet": (
            "Nothing trained yet in this session: press the button above.",
            "本会话还没有训练任何网络：请按上面的按钮。",
        ),
        "col_net": ("Network", "网络"),
        "col_final": ("Final {metric}", "最终{metric}"),
        "col_baseline": ("Baseline", "基线"),
        "col_solved": ("Solved", "已解决"),
        "col_steps": ("Steps", "步数"),
        "col_seconds": ("Seconds", "秒数"),
        "col_when": ("Solved after (s)", "解决用时（秒）"),
        "yes": ("yes", "是"),
        "no": ("no", "否"),
        "state_solved": (
            "{name} solved it ({metric} {value})",
            "{name} 解决了（{metric} {value}）",
        ),
        "state_flat": (
            "{name} stayed at the baseline ({metric} {value})",
            "{name} 停留在基线水平（{metric} {value}）",
        ),
        "state_part": (
            "{name} learned part of it ({metric} {value})",
            "{name} 学会了一部分（{metric} {value}）",
        ),
        "state_not": (
            "{name} did not solve it ({metric} {value})",
            "{name} 没有解决（{metric} {value}）",
        ),
        "as_lesson": ("As the lesson says: {parts}.", "与课程的结论一致：{parts}。"),
        "against": ("This run went the other way: {parts}.", "这次运行与课程的结论相反：{parts}。"),
        "so_far": ("So far, before it was stopped: {parts}.", "停止之前的情况：{parts}。"),
        "joiner": ("; ", "；"),
        "rnn_solved": (
            "The plain RNN solved it too at this lag: try a longer lag.",
            "在这个延迟下普通 RNN 也解决了：试试更长的延迟。",
        ),
        "gated_failed": (
            "{names} did not solve it within the budget: a longer budget, another seed or "
            "learning rate, or forget bias 1 may change that (seconds also depend on the machine's "
            "load).",
            "{names} 没有在预算内解决：更长的预算、换一个随机种子或学习率、或者遗忘门偏置设为 1，"
            "都可能改变结果（秒数也取决于机器的负载）。",
        ),
        "and": (" and ", "和"),
        "why": (
            "Why? The trained networks in the NumPy reference",
            "为什么？把训练好的网络放进 NumPy 参考实现",
        ),
        "why_text": (
            "Each trained network is copied into the lesson's NumPy reference, which runs one "
            "sequence forward and back. The curves show ‖∂ŷ/∂h_t‖, how strongly the prediction ŷ "
            "still depends on the hidden state at step t (here L is the prediction itself, not a "
            "loss). Dotted vertical lines mark what must be remembered. For a trained network the "
            "curve shows what it has learnt to use: high at the marked steps means its prediction "
            "rests on them, and low at the other steps is right, since those are distractors that "
            "should not matter. A curve already many orders of magnitude down at a marked step "
            "means this network's prediction does not use that step: it has not learnt the "
            "dependency, and a gradient that small is also why training could not find it.",
            "每个训练好的网络都被复制进课程的 NumPy 参考实现，对一个序列做前向和反向传播。曲线显示 "
            "‖∂ŷ/∂h_t‖，即预测 ŷ 对第 t 步隐藏状态的依赖有多强（这里 L 就是预测本身，而不是损失）。"
            "竖直点线标出了需要记住的位置。对训练好的网络，曲线显示它学会了利用什么：在标记的步上较高，"
            "说明预测依赖这些步；在其他步上较低是正确的，因为那些是不应起作用的干扰项。如果曲线在标记的"
            "步上已经下降了许多个数量级，说明这个网络的预测没有用到那一步：它没有学会这种依赖，而这么小的"
            "梯度也正是训练找不到它的原因。",
        ),
        "why_diverged": (
            "{nets}: the training diverged (its weights are no longer finite numbers), so "
            "there is nothing to trace. Lower the learning rate, or turn clipping on.",
            "{nets}：训练已发散（权重不再是有限的数），因此无法追踪。请降低学习率，或打开梯度裁剪。",
        ),
        "why_none": (
            "Train the networks above to see why (a stopped run works too).",
            "先在上面训练网络，才能看到原因（被停止的运行也可以）。",
        ),
        "example": ("Example sequence", "样例序列"),
        "pred_adding": (
            "On this example the target is u_p + u_q = {target}; the predictions are "
            "{preds} (computed by the NumPy reference from the exported weights).",
            "在这个样例上目标是 u_p + u_q = {target}；各网络的预测为 {preds}"
            "（由 NumPy 参考实现根据导出的权重计算）。",
        ),
        "pred_recall": (
            "On this example the symbol to recall is {target}; the networks answer "
            "{preds} (computed by the NumPy reference from the exported weights).",
            "在这个样例上要回忆的符号是 {target}；各网络的回答为 {preds}"
            "（由 NumPy 参考实现根据导出的权重计算）。",
        ),
        "col_reach": ("‖∂ŷ/∂h‖ at t = {t} ÷ at the last step", "t = {t} 处的 ‖∂ŷ/∂h‖ ÷ 最后一步的"),
        "f_wait": (
            "While it waits (from t = {t0} to the end) the LSTM's forget gate averages {f} over all "
            "units, but not every unit has to remember: unit {unit} keeps f at {fmax} on average, "
            "and the product of its forget gates over those {n} steps, the factor that carries its "
            "cell state (and the gradient along it) across the wait, is {keep}.",
            "在等待期间（从 t = {t0} 到结尾），LSTM 遗忘门在所有单元上的平均值为 {f}，但并不是每个单元"
            "都需要记忆：单元 {unit} 的 f 平均为 {fmax}，它在这 {n} 步上遗忘门的连乘积，也就是把细胞"
            "状态（以及沿它传回的梯度）带过等待期的因子，为 {keep}。",
        ),
        "heatmaps": (
            "Every LSTM gate and state on this example, unit by unit",
            "LSTM 在这个样例上的每个门和状态（逐个单元）",
        ),
        "ablations": (
            "Ablations: which part of the LSTM matters?",
            "消融实验：LSTM 的哪个部分重要？",
        ),
        "abl_text": (
            "The LSTM trained again with the same settings and budget, each time with one change: "
            "the forget gate clamped to 1 (the 1997 LSTM: nothing is ever forgotten), no output gate "
            "(o = 1), or the input gate coupled to the forget gate (i = 1 − f, as in the GRU). The "
            "altered LSTMs run as a Python loop over time, slower per step than PyTorch's nn.LSTM: "
            "compare them by training steps. The standard LSTM is reused from the run above when its "
            "settings match.",
            "用同样的设置和预算重新训练 LSTM，每次只改一处：把遗忘门固定为 1（1997 年的 LSTM：什么都"
            "不遗忘）、去掉输出门（o = 1），或把输入门与遗忘门耦合（i = 1 − f，和 GRU 一样）。改动后的 "
            "LSTM 用 Python 按时间循环运行，每步比 PyTorch 的 nn.LSTM 慢：请按训练步数来比较。如果上面"
            "那次运行的设置相同，标准 LSTM 的结果会直接复用。",
        ),
        "abl_train": ("Train the LSTM ablations", "训练 LSTM 消融实验"),
        "abl_none": ("LSTM", "LSTM"),
        "abl_forget_one": ("LSTM, f = 1", "LSTM，f = 1"),
        "abl_no_output": ("LSTM, no output gate", "LSTM，无输出门"),
        "abl_coupled": ("LSTM, i = 1 − f", "LSTM，i = 1 − f"),
        "abl_eta": (
            "At most about {total} s ({n} trainings of at most {budget} s each).",
            "最多约 {total} 秒（{n} 次训练，每次最多 {budget} 秒）。",
        ),
        "abl_result": (
            "Solved: {solved}. Not solved: {failed}.",
            "已解决：{solved}。未解决：{failed}。",
        ),
        "nobody": ("none", "无"),
        "sweep": (
            "Longest lag solved (measured beforehand, no waiting)",
            "能解决的最长延迟（事先测好，无需等待）",
        ),
        "sweep_text": (
            "Each point trains one network from scratch at one lag; the legend gives the longest lag "
            "each network solved on every seed tried. One measurement on one machine, not a law: "
            "the learning rate, the budget and the seed move these lags.",
            "每个点都是在一个延迟上从头训练一个网络；图例给出每个网络在所有试过的种子上都解决了的"
            "最长延迟。这是在一台机器上的一次测量，不是定律：学习率、预算和种子都会改变这些延迟。",
        ),
        "sweep_missing": (
            "No sweep has been shipped yet: run `python -m explainer memory --sweep`.",
            "还没有附带扫描结果：请运行 `python -m explainer memory --sweep`。",
        ),
        "sweep_which": ("Sweep", "扫描"),
        "sweep_label": (
            "{task}, lr {lr}, {budget} s per network, seeds {seeds}",
            "{task}，学习率 {lr}，每个网络 {budget} 秒，种子 {seeds}",
        ),
        "sweep_note": (
            "Machine: {machine}. Seeds: {seeds}. Budget: {budget}. Settings: hidden "
            "{hidden}, batch {batch}, lr {lr}, clip {clip}, forget bias {fbias}. {note}",
            "机器：{machine}。种子：{seeds}。预算：{budget}。设置：隐藏层 {hidden}，批大小 "
            "{batch}，学习率 {lr}，裁剪 {clip}，遗忘门偏置 {fbias}。{note}",
        ),
        "rerun": ("Rerun one point live", "现场重跑一个点"),
        "rerun_lag": ("Lag", "延迟"),
        "rerun_cell": ("Network", "网络"),
        "rerun_seed": ("Seed", "种子"),
        "rerun_go": ("Rerun this point", "重跑这个点"),
        "rerun_eta": (
            "With the sweep's settings: at most {budget} s. The result appears as a star.",
            "使用扫描的设置：最多 {budget} 秒。结果以星号显示。",
        ),
        "rerun_done": (
            "Live: {name} at lag {lag}, seed {seed}: {metric} {value} in {steps} steps, "
            "{seconds} s, {solved}.",
            "现场结果：{name}，延迟 {lag}，种子 {seed}："
            "{metric} {value}，{steps} 步，{seconds} 秒，{solved}。",
        ),
        "solved_word": ("solved", "已解决"),
        "unsolved_word": ("not solved", "未解决"),
    }
)


# --- live training (explainer.live: a worker thread trains, this script run follows it) --------
@dataclass
class MemoryRun:
    """One click's training, written by its job: the settings, per run name (a cell or an
    ablation) its history rows (step, seconds, train_loss, metric), whether it finished, its
    fraction of the budget used and (once the backend returned) its model."""

    config: dict[str, Any]
    rows: dict[str, list[tuple[int, float, float, float]]]
    done: dict[str, bool]
    fractions: dict[str, float]
    models: dict[str, Any] = field(default_factory=dict)
    point: tuple | None = None  # a rerun sweep point (sweep, cell, lag, seed), until it is added

    @classmethod
    def new(cls, config: mem.MemoryConfig, names: tuple[str, ...]) -> MemoryRun:
        return cls(
            config=dataclasses.asdict(config),
            rows={n: [] for n in names},
            done={n: False for n in names},
            fractions={n: 0.0 for n in names},
        )


Board = live.Board[MemoryRun]


def _metric_text(metric: str, value: float) -> str:
    return f"{value:.4f}" if metric == "mse" else f"{value:.1%}"


def _trainer(jobs: list[tuple[str, mem.MemoryConfig]]) -> Callable[[Board], None]:
    """The job that trains every `(name, config)` in turn (`name` "cells" trains the three cells
    interleaved) into its board's record, in a worker thread."""

    def job(board: Board) -> None:
        run = board.record

        def update(progress: mem.Progress, name: str) -> None:
            with board.lock:
                run.rows[name].append(
                    (progress.step, progress.seconds, progress.train_loss, progress.metric)
                )
                run.done[name] = progress.done
                run.fractions[name] = progress.fraction
            board.report(float(np.mean(list(run.fractions.values()))))

        def should_stop() -> bool:
            return board.stopping

        for name, config in jobs:
            if board.stopping:
                break
            if name == "cells":
                results = mem.train_cells(
                    config, mem.CELLS, lambda p: update(p, p.cell), should_stop
                )
            else:
                results = {name: mem.train(config, lambda p, n=name: update(p, n), should_stop)}
            with board.lock:
                for n, r in results.items():
                    run.models[n] = r.model
                    run.done[n] = True

    return job


def _rows(board: Board) -> dict[str, list[tuple[int, float, float, float]]]:
    """The history rows so far (a copy: the job may be appending)."""
    with board.lock:
        return {n: list(r) for n, r in board.record.rows.items()}


def _follow(board: Board | None, labels: dict[str, str], x: str, stop_where: Any) -> Board | None:
    """`board` drawn live (progress bar and curves) until it settles, if it is still training."""
    if board is None or not board.active:
        return board
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])

    def draw(board: Board) -> None:
        rows = _rows(board)
        text = " · ".join(
            tr(
                "progress",
                name=labels[n],
                step=r[-1][0],
                metric=tr(f"metric_{b.metric}"),
                value=_metric_text(b.metric, r[-1][3]),
                seconds=f"{r[-1][1]:.0f}",
            )
            for n, r in rows.items()
            if r
        )
        st.progress(board.fraction, text=text)
        st.plotly_chart(
            _curves(board, labels, x, live=True, rows=rows),
            width="stretch",
            key=f"memory_live_{board.id}_{board.version}",
        )

    return ui.follow(board, draw, stop_where=stop_where, every=0.4)


def _curves(
    board: Board, labels: dict[str, str], x: str, live: bool = False, rows: dict | None = None
) -> Any:
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    return training_curves_figure(
        {labels[n]: r for n, r in (rows or board.record.rows).items() if r},
        metric=b.metric,
        baseline=b.value,
        solved_threshold=b.solved_at,
        task=c["task"],
        lag=c["lag"],
        x=x,
        stopped=board.stopped and not live,
        **ui.fig_kw(),
    )


def _summary(board: Board) -> dict[str, dict[str, Any]]:
    """Per run: final metric, solved, steps, seconds, seconds when first solved (from the rows)."""
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    out = {}
    for n, rows in board.record.rows.items():
        if not rows:
            continue
        step, seconds, _, final = rows[-1]
        when = next((r[1] for r in rows if b.is_solved(r[3])), None)
        flat = final >= 0.8 * b.value if b.metric == "mse" else final <= 1.5 * b.value
        out[n] = dict(
            final=final,
            solved=b.is_solved(final),
            steps=step,
            seconds=seconds,
            when=when,
            flat=flat,
        )
    return out


def _table(board: Board, labels: dict[str, str]) -> None:
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    s = _summary(board)
    metric = tr(f"metric_{b.metric}")
    st.dataframe(
        {
            tr("col_net"): [labels[n] for n in s],
            tr("col_final", metric=metric): [
                _metric_text(b.metric, v["final"]) for v in s.values()
            ],
            tr("col_baseline"): [_metric_text(b.metric, b.value)] * len(s),
            tr("col_solved"): [tr("yes") if v["solved"] else tr("no") for v in s.values()],
            tr("col_steps"): [int(v["steps"]) for v in s.values()],
            tr("col_seconds"): [f"{v['seconds']:.1f}" for v in s.values()],
            tr("col_when"): ["—" if v["when"] is None else f"{v['when']:.1f}" for v in s.values()],
        },
        hide_index=True,
    )


def _verdict(board: Board) -> tuple[bool, str]:
    """What happened, in one or two plain sentences, including when it went against the lesson
    (the plain RNN solved it, or a gated cell did not); same rule as `mem.outcome`."""
    c = board.record.config
    metric = tr(f"metric_{mem.baseline(c['task'], c['symbols']).metric}")
    s = _summary(board)
    parts, as_expected = [], True
    for n, v in s.items():
        if n == "rnn":
            state = "state_solved" if v["solved"] else ("state_flat" if v["flat"] else "state_part")
            as_expected &= not v["solved"]
        else:
            state = "state_solved" if v["solved"] else "state_not"
            as_expected &= v["solved"]
        parts.append(
            tr(
                state,
                name=ui.t(f"cell_{n}"),
                metric=metric,
                value=_metric_text(mem.baseline(c["task"], c["symbols"]).metric, v["final"]),
            )
        )
    if board.stopped:  # an unfinished run is no verdict on the lesson
        return True, tr("so_far", parts=tr("joiner").join(parts))
    text = tr("as_lesson" if as_expected else "against", parts=tr("joiner").join(parts))
    if "rnn" in s and s["rnn"]["solved"]:
        text += " " + tr("rnn_solved")
    failed = [ui.t(f"cell_{n}") for n in ("lstm", "gru") if n in s and not s[n]["solved"]]
    if failed and not board.stopped:
        text += " " + tr("gated_failed", names=tr("and").join(failed))
    return as_expected, text


def _config_diff(board: Board, config: mem.MemoryConfig) -> str:
    old, new = board.record.config, dataclasses.asdict(config)
    return ", ".join(
        f"{k} {old[k]}"
        for k in new
        if k not in ("cell", "ablation", "threads") and old.get(k) != new[k]
    )


# --- the "why" computations: trained weights in the NumPy reference ---------------------------
def _why(board: Board, example: int) -> dict[str, Any]:
    """Trace one example through each trained network in the reference; grad of the prediction
    ŷ = W h_(T-1) + b (adding) or of the target symbol's logit (recall) with respect to every h_t.
    Kept per session, keyed by the run and the example."""
    cache = st.session_state.setdefault("_mem_why", {})
    key = (board.id, example)
    if key in cache:
        return cache[key]
    c = board.record.config
    x, target = mem.example_sequence(c["task"], c["lag"], seed=example, symbols=c["symbols"])
    marks = np.flatnonzero(x[:, 1] > 0.5).tolist() if c["task"] == "adding" else [0]
    runs, preds, diverged = {}, {}, []
    for n, model in board.record.models.items():
        try:
            ref = mem.to_reference(model)
        except ValueError:  # NaN or infinite weights (a diverged run): nothing to trace
            diverged.append(n)
            continue
        trace = ref.forward(x)  # (T, D) -> one unbatched trace
        W, b = mem.readout_arrays(model)  # (O, H), (O,)
        row = 0 if c["task"] == "adding" else int(target)
        grad_h = np.zeros(trace.h.shape)  # (T, H)
        grad_h[-1] = W[row]
        runs[n] = (trace, ref.backward(trace, grad_h))
        out = W @ trace.h[-1] + b
        preds[n] = float(out[0]) if c["task"] == "adding" else int(np.argmax(out))
    cache.clear()  # one entry per session is enough
    cache[key] = {
        "x": x,
        "target": target,
        "marks": marks,
        "runs": runs,
        "preds": preds,
        "diverged": diverged,
    }
    return cache[key]


def _show_why(board: Board | None) -> None:
    st.subheader(tr("why"))
    if board is None or board.active or not board.record.models:
        st.info(tr("why_none"))
        return
    st.write(tr("why_text"))
    c = board.record.config
    example = ui.bound(
        st.number_input, tr("example"), "mem_example", min_value=0, max_value=999, value=0, step=1
    )
    w = _why(board, int(example))
    kw = ui.fig_kw()
    names = [n for n in ("rnn", "lstm", "gru") if n in w["runs"]]
    if w["diverged"]:
        st.warning(tr("why_diverged", nets=", ".join(NAMES[n] for n in w["diverged"])))
    if not names:
        return
    if c["task"] == "adding":
        preds = ", ".join(f"{NAMES[n]} {w['preds'][n]:.3f}" for n in names)
        st.write(tr("pred_adding", target=f"{w['target']:.3f}", preds=preds))
    else:
        preds = ", ".join(f"{NAMES[n]} {w['preds'][n]}" for n in names)
        st.write(tr("pred_recall", target=w["target"], preds=preds))
    ui.plot(
        why_decay_figure(
            {NAMES[n]: w["runs"][n] for n in names}, marks=w["marks"], task=c["task"], **kw
        ),
        "memory_why_gradients",
    )
    t0 = w["marks"][0]
    st.dataframe(
        {
            tr("col_net"): [NAMES[n] for n in names],
            tr("col_reach", t=t0): [
                f"{w['runs'][n][1].h_norm[t0] / w['runs'][n][1].h_norm[-1]:.2e}" for n in names
            ],
        },
        hide_index=True,
    )
    if "lstm" in w["runs"]:
        trace = w["runs"]["lstm"][0]
        gates = trace.layers[0].gates
        n_wait = trace.steps - 1 - t0
        if n_wait > 0:
            f_wait = gates["f"][t0 + 1 :]  # (n, H)
            with np.errstate(divide="ignore"):
                unit = int(np.argmax(np.log(f_wait).sum(axis=0)))  # the largest product of f
            st.info(
                tr(
                    "f_wait",
                    t0=t0,
                    f=f"{f_wait.mean():.3f}",
                    n=n_wait,
                    unit=unit,
                    fmax=f"{f_wait[:, unit].mean():.3f}",
                    keep=f"{np.prod(f_wait[:, unit]):.2g}",
                )
            )
            unit_f = (unit, gates["f"][:, unit])
        else:
            unit_f = None
        means = {g: gates[g].mean(axis=1) for g in ("f", "i", "o")}
        ui.plot(
            gate_means_figure(
                means,
                units=trace.hidden_size,
                unit_f=unit_f,
                marks=w["marks"],
                task=c["task"],
                **kw,
            ),
            "memory_lstm_gates",
        )
        with st.expander(tr("heatmaps")):
            ui.plot(gate_heatmaps_figure(trace, **kw), "memory_lstm_heatmaps")


# --- the shipped sweep -------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def _load_sweeps(path: str, mtime: float) -> list[dict[str, Any]]:
    """The sweep file's main sweep and its `extra_sweeps` (re-read when the file changes)."""
    main = json.loads(Path(path).read_text())
    return [main, *main.get("extra_sweeps", [])]


def _sweeps() -> list[dict[str, Any]]:
    path = Path(mem.SWEEP_PATH)
    try:
        return _load_sweeps(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        return []


def _sweep_config(sweep: dict[str, Any]) -> mem.MemoryConfig:
    known = {f.name for f in dataclasses.fields(mem.MemoryConfig)}
    c = mem.MemoryConfig(**{k: v for k, v in sweep.get("config", {}).items() if k in known})
    budget = min(c.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S)
    return dataclasses.replace(c, budget_seconds=budget, threads=1)


def _add_point(board: Board | None) -> bool:
    """A settled rerun's point joins the session's live points (once); True if it did."""
    if board is None or not board.settled or board.record.point is None:
        return False
    ident, cell, lag, seed = board.record.point
    board.record.point = None
    s = _summary(board).get(cell)
    if s is None:
        return False
    points = [
        p
        for p in st.session_state.get("_mem_live_points", [])
        if (p["sweep"], p["cell"], p["lag"], p["seed"]) != (ident, cell, lag, seed)
    ]
    points.append(
        dict(
            sweep=ident,
            cell=cell,
            lag=lag,
            seed=seed,
            metric=s["final"],
            solved=s["solved"],
            steps=int(s["steps"]),
            seconds=s["seconds"],
        )
    )
    st.session_state["_mem_live_points"] = points
    return True


def _show_sweep() -> None:
    st.subheader(tr("sweep"))
    sweeps = _sweeps()
    if not sweeps:
        st.info(tr("sweep_missing"))
        return
    st.write(tr("sweep_text"))

    def label(j: int) -> str:
        s = sweeps[j]
        return tr(
            "sweep_label",
            task=tr(f"task_{s['task']}"),
            lr=f"{s['config']['lr']:g}",
            budget=f"{s['budget_seconds']:g}" if s.get("budget_seconds") else "—",
            seeds=", ".join(str(v) for v in s.get("seeds", [])),
        )

    j = 0
    if len(sweeps) > 1:
        j = int(
            ui.bound(
                st.selectbox,
                tr("sweep_which"),
                "mem_sweep",
                options=[str(i) for i in range(len(sweeps))],
                format_func=lambda i: label(int(i)),
            )
        )
    sweep = sweeps[j]
    _add_point(st.session_state.get("_mem_rerun_board"))  # a rerun point, once it has ended
    ident = f"{j}:{sweep.get('machine', {}).get('date')}"  # the same in both languages
    stars = [p for p in st.session_state.get("_mem_live_points", []) if p["sweep"] == ident]
    ui.plot(sweep_figure(sweep, live=stars, **ui.fig_kw()), "memory_sweep")
    m, cfg = sweep.get("machine", {}), sweep.get("config", {})
    machine = (
        f"{m.get('cpu_count', '?')} CPUs, torch {m.get('torch', '?')}, "
        f"{m.get('threads', '?')} thread(s), {m.get('date', '?')[:10]}"
    )
    seeds = ", ".join(str(v) for v in sweep.get("seeds", []))
    extra = sweep.get("extra_seeds") or {}
    if extra:
        seeds += "; " + "; ".join(f"lag {k}: {', '.join(map(str, v))}" for k, v in extra.items())
    budget = (f"{sweep['budget_seconds']:g} s" if sweep.get("budget_seconds") else "") + (
        f" / {sweep['max_steps']} steps" if sweep.get("max_steps") else ""
    )
    st.caption(
        tr(
            "sweep_note",
            machine=machine,
            seeds=seeds,
            budget=budget,
            hidden=cfg.get("hidden"),
            batch=cfg.get("batch"),
            lr=cfg.get("lr"),
            clip=cfg.get("clip"),
            fbias=cfg.get("forget_bias"),
            note=sweep.get("note", ""),
        )
    )

    config = _sweep_config(sweep)
    with st.expander(tr("rerun"), expanded=False):
        c1, c2, c3 = st.columns(3)
        lag = c1.selectbox(tr("rerun_lag"), options=sweep["lags"], key="mem_rerun_lag")
        cell = c2.selectbox(
            tr("rerun_cell"),
            options=[c for c in sweep["cells"] if c in NAMES],
            format_func=NAMES.get,
            key="mem_rerun_cell",
        )
        seed = c3.number_input(
            tr("rerun_seed"), min_value=0, max_value=9999, value=0, key="mem_rerun_seed"
        )
        st.caption(tr("rerun_eta", budget=f"{config.budget_seconds:g}"))
        go_col, stop_col, _ = st.columns([2, 1, 3])
        area = st.empty()
        if go_col.button(tr("rerun_go"), key="mem_rerun_go", type="primary"):
            job = dataclasses.replace(
                config, cell=cell, lag=int(lag), seed=int(seed), ablation="none"
            )
            run = MemoryRun.new(job, (cell,))
            run.point = (ident, cell, int(lag), int(seed))
            ui.train_live(
                "_mem_rerun_board",
                _trainer([(cell, job)]),
                run,
                label="memory point",
                idle_after=IDLE_S,
            )
        board = st.session_state.get("_mem_rerun_board")
        if board is not None and board.active:
            with area.container():
                _follow(board, NAMES, "step", stop_col)
            if _add_point(board):
                st.rerun()  # redraw the sweep chart with the star
        for p in stars:
            st.write(
                tr(
                    "rerun_done",
                    name=NAMES[p["cell"]],
                    lag=p["lag"],
                    seed=p["seed"],
                    metric=tr(f"metric_{sweep['metric']}"),
                    value=_metric_text(sweep["metric"], p["metric"]),
                    steps=p["steps"],
                    seconds=f"{p['seconds']:.1f}",
                    solved=tr("solved_word" if p["solved"] else "unsolved_word"),
                )
            )


# --- the page ------------------------------------------------------------------------------------
def _options(values: list[float], extra: list[float | None]) -> list[str]:
    return [f"{v:g}" for v in sorted(set(values) | {v for v in extra if v is not None})]


def _load_preset(config: mem.MemoryConfig) -> None:
    """Button callback: every setting from one of the backend's presets."""
    st.session_state.update(
        {
            "mem_task": config.task,
            "mem_lag": int(np.clip(round(config.lag / 10) * 10, 10, 300)),
            "mem_hidden": int(np.clip(round(config.hidden / 8) * 8, 8, 128)),
            "mem_lr": f"{config.lr:g}",
            "mem_clip": f"{config.clip:g}",
            "mem_fbias": f"{config.forget_bias or 0:g}",
            "mem_seed": int(config.seed),
            "mem_budget": int(min(config.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S)),
            "mem_steps": int(min(config.max_steps or 0, MAX_STEPS)),
        }
    )


presets = mem.PRESETS
default = presets["adding"]
lrs = _options([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], [p.lr for p in presets.values()])
clips = _options([0.0, 0.5, 1.0, 5.0], [p.clip for p in presets.values()])
fbiases = _options([0.0, 1.0], [p.forget_bias for p in presets.values()])

st.title(tr("title"))
st.write(tr("intro"))

cols = st.columns(len(presets) + 1)
cols[0].markdown(tr("presets"))
for col, (name, p) in zip(cols[1:], presets.items(), strict=True):
    col.button(
        tr(
            "preset",
            task=tr(f"task_{p.task}"),
            lag=p.lag,
            budget=f"{min(p.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S):g}",
        ),
        key=f"mem_preset_{name}",
        on_click=_load_preset,
        args=(p,),
        help=tr("preset_help"),
    )

c1, c2, c3 = st.columns([1, 2, 1])
task = ui.bound(
    c1.radio, tr("task"), "mem_task", options=list(mem.TASKS), format_func=lambda k: tr(f"task_{k}")
)
lag = ui.bound(
    c2.slider, tr("lag"), "mem_lag", min_value=10, max_value=300, value=default.lag, step=10
)
hidden = ui.bound(
    c3.slider, tr("hidden"), "mem_hidden", min_value=8, max_value=128, value=default.hidden, step=8
)
st.markdown(tr(f"about_{task}", k=presets.get(task, default).symbols))
c1, c2, c3, c4 = st.columns(4)
lr = ui.bound(
    c1.selectbox,
    tr("lr"),
    "mem_lr",
    options=lrs,
    index=lrs.index(f"{default.lr:g}"),
    format_func=str,
)
clip = ui.bound(
    c2.selectbox,
    tr("clip"),
    "mem_clip",
    options=clips,
    index=clips.index(f"{default.clip:g}"),
    format_func=str,
)
fbias = ui.bound(
    c3.radio,
    tr("fbias"),
    "mem_fbias",
    options=fbiases,
    index=fbiases.index(f"{default.forget_bias or 0:g}"),
    format_func=str,
    horizontal=True,
    help=tr("fbias_help"),
)
seed = ui.bound(
    c4.number_input, tr("seed"), "mem_seed", min_value=0, max_value=9999, value=0, step=1
)
c1, c2, c3 = st.columns([2, 1, 1])
budget = ui.bound(
    c1.slider, tr("budget"), "mem_budget", min_value=1, max_value=MAX_BUDGET_S, value=40
)
max_steps = ui.bound(
    c2.number_input, tr("steps"), "mem_steps", min_value=0, max_value=MAX_STEPS, value=0, step=25
)
x_axis = ui.bound(
    c3.radio, tr("x_axis"), "mem_x", options=["step", "seconds"], format_func=lambda k: tr(f"x_{k}")
)

base = presets.get(task, default)
config = dataclasses.replace(
    base,
    task=task,
    lag=int(lag),
    hidden=int(hidden),
    lr=float(lr),
    clip=float(clip),
    forget_bias=float(fbias),
    seed=int(seed),
    budget_seconds=float(budget),
    max_steps=int(max_steps) or None,
    ablation="none",
    threads=1,
)
try:
    config.validate()
    error = None
except ValueError as e:
    error = str(e)
steps_note = tr("eta_steps", steps=int(max_steps)) if max_steps else ""
st.caption(tr("eta", n=3, budget=budget, steps=steps_note, total=3 * budget))

# --- train the three cells
go_col, stop_col, _ = st.columns([2, 1, 3])
area = st.empty()
if go_col.button(
    tr("train"),
    key="mem_train",
    type="primary",
    icon=":material/play_arrow:",
    disabled=error is not None,
):
    ui.train_live(
        "_mem_main",
        _trainer([("cells", config)]),
        MemoryRun.new(config, mem.CELLS),
        label="memory",
        idle_after=IDLE_S,
    )
if error is not None:
    st.error(tr("bad_config", error=error))
with area.container():
    main = _follow(st.session_state.get("_mem_main"), NAMES, x_axis, stop_col)
    if main is None:
        st.info(tr("none_yet"))
    elif main.status == "failed":
        st.error(tr("failed", error=ui.escape_md(main.error)))
    elif main.settled:
        if main.stopped:
            st.warning(tr("stopped"))
        diff = _config_diff(main, config)
        if diff:
            st.caption(tr("stale", what=diff))
        ui.plot(_curves(main, NAMES, x_axis), "memory_curves")
        _table(main, NAMES)
        ok, sentence = _verdict(main)
        (st.info if main.stopped else st.success if ok else st.warning)(sentence)

_show_why(main)

# --- ablations
st.subheader(tr("ablations"))
st.write(tr("abl_text"))
abl_names = {v: tr(f"abl_{v}") for v in VARIANTS}
reuse = (
    main is not None
    and main.status == "done"
    and main.record.rows.get("lstm")
    and not _config_diff(main, config)
)
n_abl = len(VARIANTS) - (1 if reuse else 0)
st.caption(tr("abl_eta", total=n_abl * budget, n=n_abl, budget=budget))
go_col, stop_col, _ = st.columns([2, 1, 3])
abl_area = st.empty()
if go_col.button(tr("abl_train"), key="mem_abl_train", disabled=error is not None):
    run = MemoryRun.new(config, VARIANTS)
    jobs = []
    if reuse:
        run.rows["none"] = list(main.record.rows["lstm"])
        run.done["none"] = True
    else:
        jobs.append(("none", dataclasses.replace(config, cell="lstm")))
    jobs += [(v, dataclasses.replace(config, cell="lstm", ablation=v)) for v in VARIANTS[1:]]
    ui.train_live("_mem_abl", _trainer(jobs), run, label="memory ablations", idle_after=IDLE_S)
with abl_area.container():
    abl = _follow(st.session_state.get("_mem_abl"), abl_names, "step", stop_col)
    if abl is not None and abl.status == "failed":
        st.error(tr("failed", error=ui.escape_md(abl.error)))
    elif abl is not None and abl.settled:
        if abl.stopped:
            st.warning(tr("stopped"))
        diff = _config_diff(abl, config)
        if diff:
            st.caption(tr("stale", what=diff))
        ui.plot(_curves(abl, abl_names, "step"), "memory_ablations")
        _table(abl, abl_names)
        s = _summary(abl)
        solved = [abl_names[v] for v in s if s[v]["solved"]] or [tr("nobody")]
        failed = [abl_names[v] for v in s if not s[v]["solved"]] or [tr("nobody")]
        st.info(
            tr("abl_result", solved=tr("joiner").join(solved), failed=tr("joiner").join(failed))
        )

_show_sweep()
ui.show_code(mem.adding_batch, mem.recall_batch, mem.AblatedLSTM.scan)
