"""The strings every page shares: navigation, sidebar, common messages, the lesson networks."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # navigation
    "app_title": ("RNN, LSTM and GRU, explained", "RNN、LSTM 与 GRU 图解"),
    "nav_start": ("Start here", "从这里开始"),
    "nav_unroll": ("1 · Unrolling an RNN", "1 · 展开 RNN"),
    "nav_gradients": ("2 · Vanishing and exploding gradients", "2 · 梯度消失与梯度爆炸"),
    "nav_lstm": ("3 · Inside the LSTM cell", "3 · LSTM 单元内部"),
    "nav_adds": ("4 · Why the cell state adds", "4 · 细胞状态为何用加法"),
    "nav_gru": ("5 · The GRU", "5 · GRU"),
    "nav_compare": ("6 · RNN vs LSTM vs GRU", "6 · RNN、LSTM 与 GRU 对比"),
    "nav_forecast": ("7 · Forecasting a series", "7 · 时间序列预测"),
    "nav_memory": ("8 · The memory lab", "8 · 记忆实验室"),
    "nav_text": ("9 · The text lab", "9 · 文本实验室"),
    "nav_lesson": ("The lesson", "课程"),
    "nav_practice": ("In practice", "实践"),
    # sidebar
    "language": ("Language", "语言"),
    "presentation": ("Presentation mode (projector)", "演示模式（投影仪）"),
    "hide_controls": ("Hide controls", "隐藏控件"),
    "controls": ("Network and input", "网络与输入"),
    "cell": ("Cell type", "单元类型"),
    "hidden": ("Hidden size H (units)", "隐藏层大小 H（单元数）"),
    "layers": ("Layers L", "层数 L"),
    "steps": ("Sequence length T (steps)", "序列长度 T（时间步）"),
    "signal": ("Input signal", "输入信号"),
    "scale": ("Weight scale (× PyTorch's initial weights)", "权重缩放（× PyTorch 初始权重）"),
    "seed": ("Random seed", "随机种子"),
    "t": ("Time step t", "时间步 t"),
    "unit": ("Hidden unit", "隐藏单元"),
    "layer": ("Layer", "层"),
    "sig_sine": ("Sine wave", "正弦波"),
    "sig_step": ("Step", "阶跃"),
    "sig_noise": ("Noise", "噪声"),
    "sig_spike": ("A single spike at t = 0", "t = 0 处的单个脉冲"),
    "sig_series": (
        "Real series (monthly El Niño sea-surface temperatures)",
        "真实序列（厄尔尼诺海表温度，月度）",
    ),
    "share_link": (
        "Share this view: the address bar holds every setting.",
        "分享此视图：地址栏包含全部设置。",
    ),
    "fixed_cell": (
        "This page shows its own cell type; the cell-type choice applies to page 1.",
        "本页使用固定的单元类型；单元类型的选择只作用于第 1 页。",
    ),
    # common
    "show_code": ("Show the code that computed this", "显示计算这些数值的代码"),
    "gradcheck": ("Gradient check (finite differences)", "梯度检验（有限差分）"),
    "gradcheck_run": ("Run the gradient check", "运行梯度检验"),
    "gradcheck_explain": (
        "On the first {steps} steps of this run, {entries} randomly chosen entries of every tensor "
        "(each weight and bias, the inputs x and the initial states; all entries of a smaller one) "
        "are nudged by ±ε = 1e-6, and the change in L = Σ w ⊙ h (w a fixed random weighting of "
        "every hidden state) is compared with the hand-written backward pass on the same entries. "
        "The table gives each tensor's relative error ‖analytic − numeric‖ / max(‖analytic‖, "
        "‖numeric‖); below {tol} counts as agreement. A correct backward pass typically gives "
        "about 1e-8, a wrong one about 1.",
        "在本次运行的前 {steps} 步上，对每个张量（每个权重和偏置、输入 x 以及初始状态）随机选取 "
        "{entries} 个元素（较小的张量取全部元素），分别加减 ε = 1e-6，把 L = Σ w ⊙ h（w 是对所有"
        "隐藏状态的一组固定随机权重）的变化与手写反向传播在同样元素上的梯度比较。表中给出每个张量的"
        "相对误差 ‖解析 − 数值‖ / max(‖解析‖, ‖数值‖)；低于 {tol} 视为一致。正确的反向传播"
        "通常约为 1e-8，错误的则约为 1。",
    ),
    "gradcheck_worst": ("Worst relative error", "最大相对误差"),
    "gradcheck_tensor": ("Tensor", "张量"),
    "gradcheck_error": ("Relative error", "相对误差"),
    "gradcheck_ok": (
        "The backward pass agrees with finite differences.",
        "反向传播与有限差分一致。",
    ),
    "gradcheck_bad": (
        "The backward pass disagrees with finite differences here.",
        "此处反向传播与有限差分不一致。",
    ),
    "gradcheck_inf": (
        "The gradients overflowed (inf/NaN): there is nothing finite to check.",
        "梯度已溢出（inf/NaN）：没有可检验的有限数值。",
    ),
    "export": ("Export", "导出"),
    "export_csv": ("Trace as CSV", "轨迹（CSV）"),
    "export_npz": ("Trace as NPZ", "轨迹（NPZ）"),
    "export_snippet": ("Reproduce this view in a notebook", "在笔记本中复现此视图"),
    "png_hint": (
        "Each chart downloads as PNG from the camera icon in its toolbar.",
        "每个图表都可以通过其工具栏中的相机图标下载为 PNG。",
    ),
    "overflow": (
        "The gradients overflowed: some values are larger than about 1.8 × 10³⁰⁸, the largest "
        "float64, and became inf (or NaN when inf met 0). This is what exploding gradients look "
        "like; the charts mark the break.",
        "梯度溢出：部分数值超过了 float64 的最大值（约 1.8 × 10³⁰⁸），变成 inf"
        "（inf 与 0 相遇时变成 NaN）。这就是梯度爆炸；图中标出了断点。",
    ),
    "bad_setting": (
        "A setting in the link was out of range and was reset: {names}.",
        "链接中的某些设置超出范围，已重置：{names}。",
    ),
    # lesson pages: the network chooser and live training
    "heatmaps": ("Every gate, every unit, every step", "每个门、每个单元、每一步"),
    "sig_task": ("An example of the task", "任务的一个样例"),
    "network": ("Network", "网络"),
    "net_trained": ("trained on the {task}", "在{task}上训练过的"),
    "net_untrained": ("untrained (PyTorch's initialisation)", "未训练（PyTorch 的初始化）"),
    "net_live": ("being trained now", "正在训练"),
    "task": ("Task", "任务"),
    "task_adding": ("adding problem", "加法问题"),
    "task_sign": ("sign to remember", "记住符号任务"),
    "example": ("Example #", "样例编号"),
    "weights_fixed": (
        "The network shown is a trained one: the hidden size, layers, weight scale and seed apply "
        "to the untrained network, and moving one switches to it.",
        "当前显示的是训练过的网络：隐藏层大小、层数、权重缩放和随机种子只作用于未训练的网络，"
        "移动其中任何一个都会切换到未训练的网络。",
    ),
    "weights_switched": (
        "You moved the {knob}, which changes the weights: the page now shows the untrained "
        "network (PyTorch's initialisation). Choose the trained one again above.",
        "你移动了{knob}，它会改变权重：本页现在显示未训练的网络（PyTorch 的初始化）。"
        "可以在上方重新选择训练过的网络。",
    ),
    "knob_hidden": ("hidden size", "隐藏层大小"),
    "knob_layers": ("number of layers", "层数"),
    "knob_scale": ("weight scale", "权重缩放"),
    "knob_seed": ("random seed", "随机种子"),
    "knob_radius": ("spectral radius", "谱半径"),
    "knob_nonlinearity": ("activation", "激活函数"),
    "knob_fbias": ("forget-gate bias", "遗忘门偏置"),
    "knob_match": ("parameter matching", "参数匹配"),
    "bad_link": (
        "Part of the link names nothing that exists, so the page shows its default instead: {what}.",
        "链接中的部分内容不存在，本页改为显示默认设置：{what}。",
    ),
    "bad_link_value": ("no {name} called “{value}”", "没有名为“{value}”的 {name}"),
    "bad_link_snap": (
        "snapshots of a live training stay in the session that made them",
        "现场训练的快照只保存在产生它们的会话中",
    ),
    "shipped_broken": (
        "A shipped trained network could not be loaded ({what}); the page shows the untrained "
        "network instead.",
        "无法加载随应用提供的训练好的网络（{what}）；本页改为显示未训练的网络。",
    ),
    "shipped_unknown": ("no network called {name} is shipped", "没有随应用提供名为 {name} 的网络"),
    "shipped_missing": ("the file of {name} is missing", "{name} 的文件缺失"),
    "shipped_corrupt": ("the file of {name} is corrupt", "{name} 的文件已损坏"),
    "live_play": ("▶ Play", "▶ 播放"),
    "live_pause": ("❚❚ Pause", "❚❚ 暂停"),
    "live_step": ("Step", "单步"),
    "live_reset": ("Reset", "重置"),
    "live_history": ("History", "历史"),
    "live_snapshot": ("step {step}", "第 {step} 步"),
    "live_steps": ("Training steps", "训练步数"),
    "live_steps_help": (
        "Adam steps on the reference's exact gradients, each on a fresh batch of the task.",
        "在参考实现的精确梯度上执行的 Adam 步，每一步使用该任务的一批新数据。",
    ),
    "live_loss": ("{cell}: training loss", "{cell}：训练损失"),
    "live_metric": ("{cell}: held-out MSE here", "{cell}：此处的留出集 MSE"),
    "live_loss_help": (
        "Mean squared error of the last step's batch; always predicting the mean scores {baseline}.",
        "最近一步那批数据的均方误差；总是预测均值的得分为 {baseline}。",
    ),
    "live_busy": (
        "Other students are training right now: this tick waits for a free slot.",
        "其他同学正在训练：这一拍等待空闲的训练名额。",
    ),
    "live_idle": (
        "Paused: {seconds} s without a click on the page.",
        "已暂停：页面上 {seconds} 秒没有任何点击。",
    ),
    "live_diverged": (
        "Training stopped: {why}. The history up to the last finite step is kept.",
        "训练已停止：{why}。保留了直到最后一个有限步的历史。",
    ),
    "live_layers": (
        "Live training trains one-layer networks: set the layers to 1 to train this one.",
        "现场训练只训练单层网络：把层数设为 1 才能训练它。",
    ),
    "note_trained": (
        "**{name}**: trained on the {task} (sequences of T = {T}, hidden size {hidden}, {steps} "
        "Adam steps); held-out MSE {metric}, where always predicting the mean scores {baseline}.",
        "**{name}**：在{task}上训练过（序列长度 T = {T}，隐藏层大小 {hidden}，{steps} 步 Adam）；"
        "留出集 MSE 为 {metric}，而总是预测均值的得分为 {baseline}。",
    ),
    "note_untrained": (
        "**{name}**: untrained, at PyTorch's initialisation (hidden size {hidden}): it has "
        "learnt nothing yet; it reads an example of the {task}.",
        "**{name}**：未训练，处于 PyTorch 的初始化状态（隐藏层大小 {hidden}）：它还什么都没学到；"
        "它读入的是{task}的一个样例。",
    ),
    "note_live": (
        "**{name}**: being trained in this session on the {task}, {steps} steps so far.",
        "**{name}**：正在本会话中于{task}上训练，目前已训练 {steps} 步。",
    ),
    "reach_all": ("all {back}", "全部 {back}"),  # every step back to t = 0 (T − 1 of them)
    "cell_rnn": ("Plain RNN", "普通 RNN"),
    "cell_lstm": ("LSTM", "LSTM"),
    "cell_gru": ("GRU", "GRU"),
    # live training (explainer.live, ui.follow)
    "live_stop": ("Stop", "停止"),
    "live_queued": (
        "Waiting for a free place to train: number {position} in the queue ({running} of at most "
        "{limit} training(s) running on this server). Stop leaves the queue.",
        "正在排队等待训练：队列中第 {position} 位（本服务器最多同时训练 {limit} 个，正在训练 "
        "{running} 个）。按“停止”即可退出队列。",
    ),
    "live_stopping": ("Stopping…", "正在停止……"),
}
