"""The memory lab's strings (`app_pages/memory.py`), one `(english, chinese)` pair a key."""

from __future__ import annotations

MEMORY: dict[str, tuple[str, str]] = {
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
    "settings": ("Settings", "设置"),
    "preset": ("{task}, lag {lag}, {steps} steps", "{task}，延迟 {lag}，{steps} 步"),
    "preset_help": (
        "Load the backend's preset: lag, size, learning rates, clipping, forget bias "
        "and step budget.",
        "载入后端的预设：延迟、大小、学习率、梯度裁剪、遗忘门偏置和步数预算。",
    ),
    "lag": (
        "Lag (adding: sequence length T; recall: distractor steps)",
        "延迟（加法：序列长度 T；回忆：干扰步数）",
    ),
    "hidden": ("Hidden size H", "隐藏层大小 H"),
    "lr": ("Learning rate (Adam)", "学习率（Adam）"),
    "lr_best": ("each network's best in the sweep: {lrs}", "各网络在扫描中最好的：{lrs}"),
    "lr_help": (
        "The preset gives each network the learning rate at which it did best in the "
        "shipped sweep at the preset's lag (see the table beside the chart); or pick one "
        "for all three.",
        "预设让每个网络使用它在附带的扫描中、在预设延迟下表现最好的学习率（见图旁的表）；"
        "也可以为三个网络选同一个学习率。",
    ),
    "clip": ("Gradient clipping (max norm; 0 = off)", "梯度裁剪（最大范数；0 = 关闭）"),
    "fbias": ("LSTM forget-gate bias at the start", "LSTM 遗忘门的初始偏置"),
    "fbias_help": (
        "0: f starts near σ(0) = 0.5, the cell forgets half of itself every step. "
        "1: f starts near σ(1) ≈ 0.73 (Gers et al. 2000; Jozefowicz et al. 2015).",
        "0：f 一开始约为 σ(0) = 0.5，细胞每一步忘掉一半。1：f 一开始约为 σ(1) ≈ 0.73"
        "（Gers 等 2000；Jozefowicz 等 2015）。",
    ),
    "seed": ("Seed (weights and training data)", "随机种子（权重与训练数据）"),
    "budget": ("Time cap per network (seconds)", "每个网络的时间上限（秒）"),
    "steps": ("Training steps per network", "每个网络的训练步数"),
    "eta": (
        "One click trains {n} networks in turns, {steps} training steps each; a network stops "
        "as soon as it solves the task. The budget is counted in steps, so a busy machine "
        "makes the race slower, not different; a network still training after {budget} s of "
        "its own stops there (at most {total} s in all), and the page says so.",
        "点一次按钮会轮流训练 {n} 个网络，每个 {steps} 个训练步；网络一旦解决任务就会停下。预算"
        "按步数计算，所以机器繁忙只会让比赛变慢，不会改变结果；某个网络自己的训练时间超过 "
        "{budget} 秒仍未结束时会在那里停下（总共最多 {total} 秒），页面会说明。",
    ),
    "leg_solved": (
        "{name}, lr {lr}: solved at step {step}",
        "{name}，学习率 {lr}：第 {step} 步解决",
    ),
    "leg_not": (
        "{name}, lr {lr}: not solved within {steps} steps",
        "{name}，学习率 {lr}：{steps} 步内未解决",
    ),
    "leg_capped": (
        "{name}, lr {lr}: not solved in {done} steps (time cap)",
        "{name}，学习率 {lr}：{done} 步内未解决（时间上限）",
    ),
    "leg_live": ("{name}, lr {lr} (of {steps} steps)", "{name}，学习率 {lr}（共 {steps} 步）"),
    "capped": (
        "{names}: stopped by the {budget} s time cap before {steps} steps (the machine is busy); "
        "the verdict covers only the steps made (see the table).",
        "{names}：在 {steps} 步之前就被 {budget} 秒的时间上限停下（机器繁忙）；结论只涵盖已经完成的"
        "步数（见表）。",
    ),
    "find_title": ("What the sweep found", "扫描的结果"),
    "find_head": (
        "The shipped sweep at these settings (lag {lag}, hidden {hidden}, batch {batch}): "
        "seeds solved out of {n} within {steps} steps, and the steps each took.",
        "附带的扫描在这些设置下（延迟 {lag}，隐藏层 {hidden}，批大小 {batch}）的结果：{n} 个"
        "种子中在 {steps} 步内解决了几个，以及各用了多少步。",
    ),
    "find_row": (
        "**{name}** (lr {lr} in this race) — {parts}",
        "**{name}**（本次比赛学习率 {lr}）— {parts}",
    ),
    "find_lr": ("lr {lr}: {seeds}", "学习率 {lr}：{seeds}"),
    "find_no_lr": ("{name} none (no lr solved it)", "{name} 无（没有学习率能解决）"),
    "find_cell": ("{k}/{n} ({steps})", "{k}/{n}（{steps}）"),
    "find_none": ("{k}/{n}", "{k}/{n}"),
    "find_best": (
        "Best learning rate at lag {lag}: {parts}. Longest lag solved on every seed within "
        "{steps} steps: {longest}.",
        "延迟 {lag} 下最好的学习率：{parts}。{steps} 步内在所有种子上都解决的最长延迟：{longest}。",
    ),
    "find_other": (
        "The shipped sweep was not run at these settings ({what}); it cannot predict this race.",
        "附带的扫描没有在这些设置下运行（{what}），无法预测这次比赛。",
    ),
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
    "col_lr": ("Learning rate", "学习率"),
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
        "{names} did not solve it within {steps} steps: more steps, another seed or "
        "another learning rate may change that.",
        "{names} 没有在 {steps} 步内解决：更多的步数、换一个随机种子或学习率都可能改变结果。",
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
    "abl_standard": ("LSTM", "LSTM"),
    "abl_forget_one": ("LSTM, f = 1", "LSTM，f = 1"),
    "abl_no_output": ("LSTM, no output gate", "LSTM，无输出门"),
    "abl_coupled": ("LSTM, i = 1 − f", "LSTM，i = 1 − f"),
    "abl_eta": (
        "{n} trainings of {steps} steps each at the LSTM's learning rate {lr} (each capped at "
        "{budget} s).",
        "{n} 次训练，每次 {steps} 步，使用 LSTM 的学习率 {lr}（每次最多 {budget} 秒）。",
    ),
    "abl_result": (
        "Solved: {solved}. Not solved: {failed}.",
        "已解决：{solved}。未解决：{failed}。",
    ),
    "nobody": ("none", "无"),
    "none_yet_sweep": (
        "Nothing trained yet: press the button above. Until then, the shipped sweep "
        "(measured beforehand; its section is below):",
        "还没有训练：请按上面的按钮。在此之前，先看附带的扫描结果（事先测好；详见下方该节）：",
    ),
    "sweep": (
        "Longest lag solved (measured beforehand, no waiting)",
        "能解决的最长延迟（事先测好，无需等待）",
    ),
    "sweep_text": (
        "Each point trains one network from scratch at one lag, one learning rate and one seed, "
        "for at most {steps} training steps (it stops once solved). The legend gives each "
        "network's longest lag solved on every seed. One measurement, not a law: the budget, the "
        "learning rate and the seed move these lags.",
        "每个点都是在一个延迟、一个学习率和一个种子下从头训练一个网络，最多 {steps} 个训练步"
        "（解决后即停止）。图例给出每个网络在所有种子上都解决了的最长延迟。这是一次测量，不是定律："
        "预算、学习率和种子都会改变这些延迟。",
    ),
    "sweep_missing": (
        "No sweep has been shipped yet: run `python -m explainer memory --sweep`.",
        "还没有附带扫描结果：请运行 `python -m explainer memory --sweep`。",
    ),
    "sweep_which": ("Learning rate shown", "显示的学习率"),
    "sweep_best": ("each network's best at each lag", "每个网络在每个延迟上最好的"),
    "sweep_note": (
        "Measured on {cpus} CPUs (torch {torch}, {threads} thread per run, {date}), "
        "{points} points: lags {lags}, learning rates {lrs}, seeds {seeds}, at most {steps} "
        "steps per point and no time limit; hidden {hidden}, batch {batch}, clip {clip}, "
        "forget bias {fbias}. It cost {cpu} CPU minutes. Steps do not depend on the machine "
        "(a seed gives the same run everywhere); seconds do. Command: `{command}`.",
        "测量环境：{cpus} 个 CPU（torch {torch}，每次运行 {threads} 个线程，{date}），共 {points} "
        "个点：延迟 {lags}，学习率 {lrs}，种子 {seeds}，每个点最多 {steps} 步、没有时间限制；"
        "隐藏层 {hidden}，批大小 {batch}，裁剪 {clip}，遗忘门偏置 {fbias}。耗时 {cpu} CPU 分钟。"
        "步数与机器无关（同一个种子在任何地方都给出同样的运行），秒数则不然。命令：`{command}`。",
    ),
    "rerun": ("Rerun one point live", "现场重跑一个点"),
    "rerun_lag": ("Lag", "延迟"),
    "rerun_cell": ("Network", "网络"),
    "rerun_seed": ("Seed", "种子"),
    "rerun_go": ("Rerun this point", "重跑这个点"),
    "rerun_lr": ("Learning rate", "学习率"),
    "rerun_eta": (
        "With the sweep's settings: at most {steps} steps, capped at {budget} s. The result "
        "appears as a star.",
        "使用扫描的设置：最多 {steps} 步，时间上限 {budget} 秒。结果以星号显示。",
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
