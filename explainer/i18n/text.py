"""The text lab's strings (`app_pages/text.py`), one `(english, chinese)` pair a key."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "The text lab: read a character-level RNN, LSTM and GRU",
        "文本实验室：读懂字符级 RNN、LSTM 与 GRU",
    ),
    "intro": (
        "A character model reads a text one character at a time and predicts the next one. "
        "Trained on Python source or on Tang poems, some of its units come to track things a "
        "person can name: being inside a string, how deep the brackets are, where the line "
        "ends. Here you can sample from the shipped networks, paint any unit over the text, "
        "search for such units, and see how far back each cell's prediction reaches. The "
        "painted values, the search and the connectivity are computed by the NumPy reference "
        "replaying the trained weights.",
        "字符级模型一次读一个字符，并预测下一个字符。用 Python 源代码或唐诗训练之后，其中一些"
        "单元会学会追踪人能说出名字的东西：是否在字符串里、括号有多深、这一行快结束了没有。"
        "你可以在这里从随附的网络中采样，把任意单元的数值涂在文字上，搜索这样的单元，并观察每种"
        "单元的预测能回溯多远。涂色的数值、单元搜索和连通性都由 NumPy 参考实现重放训练好的权重算出。",
    ),
    "source": ("Text", "文本"),
    "src_python": ("Python source (more-itertools)", "Python 源代码（more-itertools）"),
    "src_tang": ("Tang poems (唐詩)", "唐诗"),
    "src_paste": ("Paste your own", "粘贴自己的文本"),
    "src_upload": ("Upload a .txt", "上传 .txt 文件"),
    "paste": ("Your text (up to {n} characters)", "你的文本（最多 {n} 个字符）"),
    "upload": ("A UTF-8 .txt file (up to {mb} MB)", "UTF-8 编码的 .txt 文件（最多 {mb} MB）"),
    "no_text": (
        "Paste a text or upload a file to go on.",
        "请先粘贴文本或上传文件。",
    ),
    "err_empty": ("The text is empty.", "文本是空的。"),
    "err_whitespace": (
        "The text holds only spaces and line breaks: there is nothing to learn.",
        "文本只有空格和换行：没有可学的内容。",
    ),
    "err_binary": (
        "This is not text but binary data (it holds NUL bytes or many control characters). "
        "Upload a plain UTF-8 .txt file.",
        "这不是文本而是二进制数据（含有 NUL 字节或大量控制字符）。请上传纯文本 UTF-8 .txt 文件。",
    ),
    "err_not_utf8": (
        "This file is not UTF-8 (byte {position} cannot be decoded). Save it as UTF-8 and "
        "upload it again.",
        "这个文件不是 UTF-8 编码（第 {position} 个字节无法解码）。请另存为 UTF-8 后重新上传。",
    ),
    "err_too_large": (
        "The text is too long: {size} against a limit of {limit}. Use a part of it.",
        "文本太长：{size}，上限是 {limit}。请只用其中一部分。",
    ),
    "err_too_short": (
        "The text has {size} characters: too short for one training sequence of {seq_len} "
        "characters plus a validation part. It needs at least {need}.",
        "文本只有 {size} 个字符：不够一个 {seq_len} 个字符的训练序列再加一段验证文本。至少需要 "
        "{need} 个字符。",
    ),
    "err_too_many_distinct": (
        "The text has {distinct} distinct characters, and the {kept} most frequent cover only "
        "{coverage} of it: too few characters repeat for a character model to learn anything.",
        "文本有 {distinct} 个不同的字符，最常见的 {kept} 个只占全文的 {coverage}：重复的字符"
        "太少，字符级模型学不到东西。",
    ),
    "removed_controls": (
        "{n} control characters (other than line breaks and tabs) were removed from the text.",
        "已从文本中删除 {n} 个控制字符（换行和制表符除外）。",
    ),
    "text_stats": (
        "{chars} characters, {distinct} distinct. The vocabulary keeps the {kept} most "
        "frequent of the training part, which cover {coverage} of the text; every other "
        "character is one unknown symbol (shown as �).",
        "共 {chars} 个字符，其中 {distinct} 个不同。词表保留训练部分中最常见的 {kept} 个字符，"
        "覆盖全文的 {coverage}；其余字符都记作同一个未知符号（显示为 �）。",
    ),
    "model": ("Network", "网络"),
    "shipped": ("shipped {cell}", "随附的 {cell}"),
    "session": (
        "trained here: {cell}, {hidden} units, {steps} steps",
        "在此训练：{cell}，{hidden} 个单元，{steps} 步",
    ),
    "no_model": (
        "No network has been trained on this text yet: train one below (a minute is enough "
        "to beat the baselines).",
        "还没有在这段文本上训练过网络：请在下面训练一个（一分钟就足以超过基线）。",
    ),
    "model_stats": (
        "{what}: {bits} bits per character on the validation text, against {uni} for the "
        "unigram and {bi} for the bigram baseline of the same text ({steps} training steps, "
        "{seconds} s).",
        "{what}：验证文本上每字符 {bits} 比特；同一文本的一元基线为 {uni}，二元基线为 {bi}"
        "（训练 {steps} 步，{seconds} 秒）。",
    ),
    "train_header": ("Train a network on this text", "在这段文本上训练网络"),
    "cell": ("Cell", "单元类型"),
    "hidden": ("Hidden units", "隐藏单元数"),
    "layers": ("Layers", "层数"),
    "embedding": ("Embedding size (0: one-hot)", "嵌入维度（0 表示独热编码）"),
    "seq_len": ("Sequence length (truncated BPTT)", "序列长度（截断 BPTT）"),
    "vocab": ("Vocabulary: most frequent characters kept", "词表：保留最常见的字符数"),
    "lr": ("Learning rate (Adam)", "学习率（Adam）"),
    "budget": ("Seconds of training", "训练秒数"),
    "seed": ("Seed", "随机种子"),
    "train": ("Train", "训练"),
    "progress": (
        "step {step} · {seconds} s · validation {val} bits per character",
        "第 {step} 步 · {seconds} 秒 · 验证集每字符 {val} 比特",
    ),
    "starting": ("Starting…", "正在开始……"),
    "trained": (
        "Trained for {steps} steps ({seconds} s): {bits} bits per character. The network is "
        "selected above.",
        "已训练 {steps} 步（{seconds} 秒）：每字符 {bits} 比特。上方已选中这个网络。",
    ),
    "stopped": (
        "Stopped after {steps} steps ({seconds} s): the network is kept ({bits} bits per "
        "character) and selected above.",
        "在第 {steps} 步（{seconds} 秒）停止：网络已保留（每字符 {bits} 比特），并已在上方选中。",
    ),
    "failed": ("The training failed: {error}", "训练失败：{error}"),
    "sample_header": ("Sample", "采样"),
    "prime": ("Start from (prime text)", "起始文本"),
    "temperature": ("Temperature", "温度"),
    "length": ("Characters to generate", "生成的字符数"),
    "greedy": (
        "Temperature 0: always the most probable next character (greedy decoding).",
        "温度为 0：总是选概率最大的下一个字符（贪心解码）。",
    ),
    "temp_note": (
        "Each character is drawn from the softmax of the logits divided by the temperature: "
        "low is safe and repetitive, high is varied and garbled.",
        "每个字符都从“logits 除以温度”后的 softmax 中抽取：温度低时稳妥而重复，温度高时多变而混乱。",
    ),
    "unseen_prime": (
        "The network never saw these characters of the prime; it reads each as the unknown "
        "symbol: {chars}",
        "网络从未见过起始文本中的这些字符，每个都按未知符号读入：{chars}",
    ),
    "read_header": ("Read the cells", "读懂单元"),
    "passage": ("Passage", "段落"),
    "psg_val": ("validation text (never trained on)", "验证文本（未参与训练）"),
    "psg_sample": ("the sample above", "上面的采样"),
    "psg_own": ("your own passage", "自己的段落"),
    "own_passage": ("Passage (up to {n} characters)", "段落（最多 {n} 个字符）"),
    "passage_short": (
        "The passage needs at least three characters.",
        "段落至少需要三个字符。",
    ),
    "passage_cut": (
        "Only the first {n} characters are read.",
        "只读取前 {n} 个字符。",
    ),
    "parity": (
        "The NumPy reference against torch.nn in float64 with the same weights, on this "
        "passage: max |Δh| = {h}, max |Δ log p| = {p}.",
        "在这段文字上，NumPy 参考实现与同样权重的 torch.nn（float64）相比：max |Δh| = {h}，"
        "max |Δ log p| = {p}。",
    ),
    "check_torch": (
        "Check the NumPy reference against torch (imports PyTorch: a few seconds)",
        "用 torch 核对 NumPy 参考实现（需导入 PyTorch：几秒钟）",
    ),
    "paint_header": ("Paint a unit", "涂色显示一个单元"),
    "layer": ("Layer", "层"),
    "kind": ("Quantity", "数值"),
    "unit": ("Unit", "单元"),
    "kind_h": ("h hidden state", "h 隐藏状态"),
    "kind_c": ("c cell state", "c 细胞状态"),
    "kind_i": ("i input gate", "i 输入门"),
    "kind_f": ("f forget gate", "f 遗忘门"),
    "kind_g": ("g candidate", "g 候选值"),
    "kind_o": ("o output gate", "o 输出门"),
    "kind_r": ("r reset gate", "r 重置门"),
    "kind_z": ("z update gate", "z 更新门"),
    "kind_n": ("n new state", "n 新状态"),
    "paint_caption": (
        "{unit} over the passage: blue is positive, red negative (gates: white 0, blue 1). "
        "Hover a character for its value.",
        "{unit} 在段落上的数值：蓝色为正，红色为负（门：白色为 0，蓝色为 1）。把鼠标移到字符上可看数值。",
    ),
    "find_header": ("Find cells", "寻找单元"),
    "find_intro": (
        "Each unit's h and c over the passage, correlated (Pearson's r) with simple features "
        "of the text; the best unit for each feature.",
        "把每个单元在段落上的 h 和 c 与文本的简单特征求相关（皮尔逊 r），列出每个特征最匹配的单元。",
    ),
    "feature": ("Feature", "特征"),
    "best_unit": ("Best unit", "最佳单元"),
    "follows": ("Follows it (|r| ≥ {r})", "是否跟随（|r| ≥ {r}）"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "absent": ("not in this passage", "本段落中没有"),
    "f_in_quotes": ("inside quotes", "在引号内"),
    "f_in_brackets": ("inside brackets", "在括号内"),
    "f_bracket_depth": ("bracket depth", "括号深度"),
    "f_line_position": ("position in the line", "在行内的位置"),
    "f_word_start": ("start of a word", "词的开头"),
    "f_digit": ("a digit", "数字"),
    "f_to_full_stop": ("characters to the next 。！？", "距下一个 。！？ 的字符数"),
    "f_after_comma": ("after a comma on this line", "本行逗号之后"),
    "none_readable": (
        "No unit follows any of these features well: every |r| is below {r}.",
        "没有任何单元能很好地跟随这些特征：所有 |r| 都低于 {r}。",
    ),
    "some_unreadable": (
        "No unit reaches |r| ≥ {r} for: {names}.",
        "以下特征没有单元达到 |r| ≥ {r}：{names}。",
    ),
    "top_painted": ("{feature}: {unit}, r = {r}", "{feature}：{unit}，r = {r}"),
    "conn_header": (
        "Connectivity: how far back does the prediction reach?",
        "连通性：预测能回溯多远？",
    ),
    "conn_intro": (
        "Pick a character of the passage. For each network, every character before it is "
        "painted by ‖∂ log p(that character) / ∂x_t‖, the gradient of the prediction's "
        "log-probability with respect to the input vector x_t (exact BPTT in the reference).",
        "在段落中选一个字符。对每个网络，它之前的每个字符按 ‖∂ log p(该字符) / ∂x_t‖ 涂色，即预测"
        "的对数概率对输入向量 x_t 的梯度（参考实现中的精确 BPTT）。",
    ),
    "position": (
        "Predicted character (position in the passage)",
        "被预测的字符（在段落中的位置）",
    ),
    "conn_target": (
        "Predicting {char} at position {t} from the {n} characters before it.",
        "根据前面 {n} 个字符预测第 {t} 个位置上的 {char}。",
    ),
    "conn_reach": (
        "{cell}: p = {p}; the gradient falls below 1% of its largest value {back} characters back.",
        "{cell}：p = {p}；梯度在往回 {back} 个字符处降到其最大值的 1% 以下。",
    ),
    "conn_reach_all": (
        "{cell}: p = {p}; the gradient stays above 1% of its largest value over all {back} "
        "characters.",
        "{cell}：p = {p}；在全部 {back} 个字符上，梯度都保持在其最大值的 1% 以上。",
    ),
    "conn_other_text": (
        "Only this session's network reads this text; the shipped ones were trained on the "
        "bundled texts.",
        "只有本次会话训练的网络读这段文本；随附的网络是在内置文本上训练的。",
    ),
}
