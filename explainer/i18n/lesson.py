"""The lesson pages' own strings, one `(english, chinese)` table a page (`app_pages/<page>.py`)."""

from __future__ import annotations

START: dict[str, tuple[str, str]] = {
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
        "**Inside the LSTM cell**: forget, input and output gates, the candidate, the cell state.",
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
        "**In practice**: forecast a real series (page 7), test the memory claim yourself (page 8) "
        "and read an LSTM's cells on real text (page 9).",
        "**实践**：预测真实的时间序列（第 7 页），亲自检验关于记忆的说法（第 8 页），"
        "并在真实文本上读懂 LSTM 的细胞（第 9 页）。",
    ),
    "presets": ("Presets for the classroom", "课堂预设"),
    "presets_help": (
        "Each button sets the controls and opens the page that shows the effect.",
        "每个按钮会设置好控件并打开展示该效果的页面。",
    ),
    "pre_vanish": ("Gradients vanish at radius 0.9", "谱半径 0.9 时梯度消失"),
    "pre_explode": ("Gradients explode at radius 1.5", "谱半径 1.5 时梯度爆炸"),
    "pre_forget": (
        "Forget bias 3: the cell state carries the gradient back",
        "遗忘门偏置为 3：细胞状态把梯度传回",
    ),
    "pre_spike": ("Follow one spike through an LSTM", "在 LSTM 中追踪一个脉冲"),
    "pre_compare": ("RNN, LSTM and GRU on the same spike", "三种网络处理同一个脉冲"),
    "notation": ("Notation", "记号"),
    "notation_text": (
        "- $x_t$ the input at step $t$, $h_t$ the hidden state, $c_t$ the cell state (LSTM)\n"
        "- $\\sigma$ the logistic sigmoid, $\\odot$ the element-wise product\n"
        "- $W_{ih}, W_{hh}, b_{ih}, b_{hh}$ the weights and the two biases, named as in PyTorch\n"
        "- The gradient on every page starts at the last step only, from the network's output "
        "$y = W_{out} h_{T-1} + b_{out}$ (the readout its task trains), so that the gradient's "
        "journey back in time can be followed.",
        "- $x_t$ 第 $t$ 步的输入，$h_t$ 隐藏状态，$c_t$ 细胞状态（LSTM）\n"
        "- $\\sigma$ 逻辑 sigmoid 函数，$\\odot$ 逐元素乘积\n"
        "- $W_{ih}, W_{hh}, b_{ih}, b_{hh}$ 为权重和两个偏置，命名与 PyTorch 一致\n"
        "- 每页的梯度只从最后一步出发，即网络的输出 $y = W_{out} h_{T-1} + b_{out}$"
        "（任务所训练的读出层），以便追踪梯度沿时间向回传播的过程。",
    ),
}


UNROLL: dict[str, tuple[str, str]] = {
    "title": ("Unrolling a recurrent network", "展开循环神经网络"),
    "intro": (
        "A recurrent network is one function applied again and again: at every step it reads "
        "the input x_t and its own previous state h_(t−1), and writes a new state h_t. Drawn "
        "once per time step, the loop becomes a chain, a deep network whose layers all share "
        "the same weights W_ih and W_hh.",
        "循环网络就是同一个函数被反复调用：每一步读入输入 x_t 和自己上一步的状态 h_(t−1)，"
        "并写出新的状态 h_t。把每个时间步画一次，循环就变成了一条链——一个很深的网络，"
        "而它的每一层共享同一组权重 W_ih 和 W_hh。",
    ),
    "how": (
        "Press ▶ to step forward through time (it runs in your browser, no waiting). Then press "
        "◀ to run the backward pass from the output at the last step: edge width and colour "
        "show how much gradient reaches each step.",
        "按 ▶ 沿时间向前播放（在浏览器中运行，无需等待）。再按 ◀ 从最后一步的输出开始运行反向传播："
        "连线的粗细和颜色表示到达每一步的梯度大小。",
    ),
    "equations": ("The equations this page runs", "本页运行的方程"),
    "why_untrained": (
        "This page opens on an untrained network: unrolling is the same for any weights, "
        "and the chain is easiest to read before training has shaped it. Choose the trained "
        "network to see one that has learnt the task.",
        "本页默认显示未训练的网络：无论权重如何，展开的方式都一样，而在训练塑造它之前，"
        "这条链最容易看懂。选择训练过的网络，即可看到一个已经学会任务的网络。",
    ),
    "unit_help": (
        "Which hidden unit's value colours the nodes.",
        "节点颜色显示哪一个隐藏单元的值。",
    ),
}


GRADIENTS: dict[str, tuple[str, str]] = {
    "title": ("Vanishing and exploding gradients", "梯度消失与梯度爆炸"),
    "intro": (
        "Backpropagation through time multiplies one Jacobian per step, "
        "∂h_t/∂h_(t−1) = diag({phi}′(a_t)) · W_hh. Here W_hh is rescaled to the spectral radius "
        "you choose (its largest |eigenvalue|); the loss sits on the last step only, so the "
        "curve shows how much of its gradient reaches each earlier step. The radius decides "
        "what the powers of W_hh do in the long run: below 1 they shrink geometrically, above 1 "
        "they can grow. One step is bounded by something else: the largest singular value of "
        "W_hh times the largest {phi}′ (at most 1). Only when that product is below 1 must the "
        "gradient shrink at every step; W_hh is not symmetric, its largest singular value "
        "exceeds its radius, and so below radius 1 the gradient can still grow for a while.",
        "沿时间反向传播时，每一步都要乘上一个雅可比矩阵 ∂h_t/∂h_(t−1) = diag({phi}′(a_t)) · W_hh。"
        "这里把 W_hh 缩放到你选择的谱半径（最大特征值的模）；损失只放在最后一步，所以曲线显示了它的"
        "梯度有多少能到达之前的每一步。谱半径决定 W_hh 的幂在长期内的行为：小于 1 时按几何级数缩小，"
        "大于 1 时可能增长。而单独一步的上界是另一个量：W_hh 的最大奇异值乘以 {phi}′ 的最大值"
        "（不超过 1）。只有这个乘积小于 1 时，梯度才必然每一步都缩小；W_hh 不是对称矩阵，它的最大"
        "奇异值大于谱半径，所以谱半径小于 1 时梯度仍可能先增长一段。",
    ),
    "bound": (
        "This run's W_hh: spectral radius {rho:.2f}, largest singular value {sigma:.2f}; the "
        "largest {phi}′ over its steps is {slope:.2f}. So one step back multiplies the "
        "gradient's size by at most {sigma:.2f} × {slope:.2f} = {bound:.2f}.",
        "本次运行的 W_hh：谱半径 {rho:.2f}，最大奇异值 {sigma:.2f}；各步中 {phi}′ 的最大值为 "
        "{slope:.2f}。因此每往回一步，梯度的大小最多乘以 {sigma:.2f} × {slope:.2f} = {bound:.2f}。",
    ),
    "radius": ("Spectral radius of W_hh", "W_hh 的谱半径"),
    "nonlin": ("Activation", "激活函数"),
    "reach": ("Steps back with signal", "仍有信号的步数"),
    "reach_help": (
        "How many steps back from the last one (not counting the last step itself) ‖∂L/∂h_t‖ "
        "stays at or above 1/1000 of its value at the last step.",
        "从最后一步往回数（不计最后一步本身），‖∂L/∂h_t‖ 保持在最后一步数值的 1/1000 及以上的步数。",
    ),
    "ratio": ("‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖", "‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖"),
    "vanish": (
        "At radius {radius} the gradient keeps at least a thousandth of its strength for {n} "
        "steps back; a plain RNN trained on this can hardly link an output to an input further "
        'back than that. The lecture\'s "about 10 steps" is one such number: here it is '
        "measured, and the chart below shows how it depends on the radius.",
        "在谱半径 {radius} 下，梯度往回 {n} 步之内保持至少千分之一的强度；这样训练的普通 RNN "
        '很难把输出与更早的输入联系起来。讲义中的"大约 10 步"就是这样一个数字：这里是实测的，'
        "下图显示了它如何随谱半径变化。",
    ),
    "grow": (
        "At radius {radius} the gradient grows going back in time: its size at t = 0 is {ratio} "
        "times its size at the last step. This is an exploding gradient.",
        "在谱半径 {radius} 下，梯度沿时间往回传播时不断增长：它在 t = 0 的大小是最后一步的 {ratio} 倍。"
        "这就是梯度爆炸。",
    ),
    "keeps": (
        "At radius {radius} the gradient fades, but slowly: at t = 0 it still has {ratio} of its "
        "size at the last step, more than a thousandth, so it carries signal all {back} steps "
        "back.",
        "在谱半径 {radius} 下，梯度在衰减，但很慢：到 t = 0 时仍有最后一步大小的 {ratio}，超过千分之一，"
        "所以往回全部 {back} 步都仍有信号。",
    ),
    "grow_below": (
        "The radius is below 1, and yet one step back sometimes makes the gradient bigger, here "
        "by up to {gain:.2f}×: a single step can multiply it by as much as σ_max × max {phi}′ = "
        "{bound:.2f}, which is above 1. A radius below 1 only says that the powers of W_hh shrink "
        "in the long run.",
        "谱半径小于 1，但往回一步有时会让梯度变大，这里最多变为 {gain:.2f} 倍：单独一步最多可以把它乘以 "
        "σ_max × max {phi}′ = {bound:.2f}，大于 1。谱半径小于 1 只说明 W_hh 的幂在长期内会缩小。",
    ),
    "saturate": (
        "The radius is above 1, and yet the gradient fades here: the units saturate. The average "
        "{phi}′ over this run's steps and units is {mean:.2f}, and each step back multiplies by "
        "diag({phi}′) · W_hh, so saturated units cut the gradient.",
        "谱半径大于 1，但这里的梯度仍在衰减：各单元饱和了。本次运行所有步和单元上 {phi}′ 的平均值为 "
        "{mean:.2f}，而每往回一步都要乘以 diag({phi}′) · W_hh，所以饱和的单元会截断梯度。",
    ),
    "try_relu": (
        "With tanh the units saturate and cap the growth; choose the relu activation to see "
        "what the powers of W_hh do without that cap.",
        "使用 tanh 时单元会饱和，从而限制梯度的增长；换成 relu 激活函数，可以看到没有这一限制时 "
        "W_hh 的幂会怎样。",
    ),
    "sweep_drop": (
        "Past radius {r}, the count falls again although W_hh is larger: there the units saturate "
        "(at radius {top} the average {phi}′ is {mean:.2f}), which cuts the gradient at every step.",
        "谱半径超过 {r} 后，尽管 W_hh 更大，步数却再次下降：这时各单元饱和（谱半径 {top} 时 {phi}′ 的"
        "平均值为 {mean:.2f}），每一步都会截断梯度。",
    ),
    "why_untrained": (
        "This page opens on the untrained RNN: its knob, the spectral radius, rescales the "
        "weights, and a trained network's weights are what training made them. Choose the "
        "trained RNN to measure its radius' effect as it is; moving the radius or the "
        "activation switches back to the untrained one.",
        "本页默认显示未训练的 RNN：它的旋钮——谱半径——会缩放权重，而训练过的网络的权重是训练的结果。"
        "选择训练过的 RNN 可以测量它本来的样子；移动谱半径或激活函数会切换回未训练的网络。",
    ),
    "sweep_untrained": (
        "The sweep rescales the untrained RNN's weights to every radius: choose the untrained "
        "network to see it.",
        "这一扫描把未训练 RNN 的权重缩放到每个谱半径：选择未训练的网络即可看到它。",
    ),
    "measured_radius": (
        "This network's W_hh has spectral radius {radius:.3f} (the slider applies to the "
        "untrained network).",
        "这个网络的 W_hh 的谱半径为 {radius:.3f}（滑块只作用于未训练的网络）。",
    ),
    "sweep": (
        "The same measurement at every radius (this network, this input)",
        "在每个谱半径下做同样的测量（同一网络、同一输入）",
    ),
}


LSTM: dict[str, tuple[str, str]] = {
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


ADDS: dict[str, tuple[str, str]] = {
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
    "fhalf_low": (
        "The forget gates average {f:.2f} here, far from 1, so the cell state forgets about as "
        "fast as the plain RNN: the addition helps only when f is near 1. Move the forget bias "
        "to 1 or more (or clamp f to 1) and watch the dotted curve flatten.",
        "这里遗忘门的平均值为 {f:.2f}，离 1 很远，因此细胞状态的遗忘速度与普通 RNN 差不多：只有当 f "
        "接近 1 时加法才真正起作用。把遗忘门偏置调到 1 或更大（或把 f 固定为 1），观察点线变平。",
    ),
    "fhalf_high": (
        "The forget bias is {fbias:g} already, and yet the forget gates average only {f:.2f}: "
        "each step back along the cell state still multiplies the gradient by about that. Raise "
        "the bias further (or clamp f to 1) and watch the dotted curve flatten.",
        "遗忘门偏置已经是 {fbias:g}，但遗忘门的平均值只有 {f:.2f}：沿细胞状态每往回一步，梯度仍要乘以"
        "大约这个数。继续调高偏置（或把 f 固定为 1），观察点线变平。",
    ),
    "paths": (
        "Gradient along the cell state and through the hidden state",
        "沿细胞状态与经过隐藏状态的梯度",
    ),
    "paths_text": (
        "Solid: ‖∂L/∂h_t‖; dotted: ‖∂L/∂c_t‖ for the LSTM; the plain RNN of the same size and "
        "seed for comparison.",
        "实线：‖∂L/∂h_t‖；点线：LSTM 的 ‖∂L/∂c_t‖；作为对比，同样大小、同样随机种子的普通 RNN。",
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


GRU: dict[str, tuple[str, str]] = {
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


COMPARE: dict[str, tuple[str, str]] = {
    "title": ("RNN vs LSTM vs GRU", "RNN、LSTM 与 GRU 对比"),
    "intro": (
        "The three cells read the same input with the same seed. The curves show how far back "
        "each one's gradient reaches from the output at the last step; one time cursor moves "
        "the three diagrams under them.",
        "三种单元读入同样的输入、使用同样的随机种子。曲线显示从最后一步的输出出发，各自的梯度能传回"
        "多远；一个时间游标同时移动下面的三张图。",
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
    "more_curves": (
        "Also the Jacobians and the LSTM's cell-state gradient",
        "同时显示雅可比矩阵与 LSTM 细胞状态的梯度",
    ),
    "more_help": (
        "Adds ‖∂c_t‖ (dotted) for the LSTM and the Jacobian norms ‖∂h_T/∂h_t‖ (dashed) of each "
        "cell: without them the chart has one line per cell.",
        "加上 LSTM 的 ‖∂c_t‖（点线）和每种单元的雅可比范数 ‖∂h_T/∂h_t‖（虚线）；不加时每种单元只有"
        "一条线。",
    ),
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
