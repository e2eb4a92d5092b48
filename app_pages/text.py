"""9 · The text lab: character-level RNN, LSTM and GRU on a bundled or pasted text; sample them,
paint any unit over the text, find the units that follow named features, and see how far back
each cell's prediction reaches (connectivity).

The page opens on the shipped models (assets/text, read by the NumPy reference: no torch needed
to read them). Training goes through `explainer.live` (`ui.train_live` / `ui.follow`); torch is
imported only to train and to check the reference against it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from explainer import live, ui
from explainer import text as T
from explainer.figures.text import bits_figure, painted_html

CELLS = ("rnn", "lstm", "gru")
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
MAX_PASTE = 200_000  # characters in the paste box (an upload may be longer: T.MAX_TEXT_BYTES)
UPLOAD_MB = T.MAX_TEXT_BYTES // 1_000_000
MAX_PASSAGE = 600  # characters painted and searched (bounded work per rerun)
MAX_CONTEXT = 300  # characters of context behind a connectivity prediction
MAX_BUDGET_S = 180
TRAIN_THREADS = 1
IDLE_S = 120.0  # a training whose tab nobody looks at stops after this long
PRIMES = {"python": "def ", "tang": "白日"}

tr = ui.translator(
    {
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
            "{cell}: p = {p}; the gradient falls below 1% of its largest value {back} characters "
            "back.",
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
)


# ---------------------------------------------------------------------------------- helpers


def backend():
    """The PyTorch trainer, imported on first use (reading shipped models needs no torch)."""
    from explainer.torch_backend import text

    return text


def text_error(e: T.TextError) -> None:
    """A coded text error in the user's language."""
    d = dict(e.details)
    for k in ("size", "limit", "need", "distinct", "kept", "position"):
        if k in d:
            d[k] = f"{d[k]:,}"
    if "coverage" in d:
        d["coverage"] = f"{float(e.details['coverage']):.0%}"
    d.setdefault("seq_len", "")
    st.error(tr(f"err_{e.code}", **d))


def fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


@st.cache_resource(show_spinner=False)
def shipped_model(path: str, mtime: float) -> T.CharModel:
    return T.load(path)


@st.cache_resource(show_spinner=False, max_entries=8)
def bundled_corpus(name: str) -> T.Corpus:
    return T.make_corpus(T.bundled(name), max_chars=shipped_vocab(name))


def shipped_vocab(name: str) -> int:
    """The vocabulary cap the shipped models of a bundled text were trained with."""
    models = shipped_models(name)
    if models:
        return int(next(iter(models.values())).manifest["config"]["vocab_size"])
    return T.DEFAULT_VOCAB


def shipped_models(name: str) -> dict[str, T.CharModel]:
    out = {}
    for (corpus, cell), path in T.shipped().items():
        if corpus == name:
            out[cell] = shipped_model(str(path), path.stat().st_mtime)
    return {c: out[c] for c in CELLS if c in out}


@dataclass
class TextTraining:
    """A training's record: written by the job (a worker thread), read by the page."""

    config: Any  # explainer.torch_backend.text.TextConfig
    corpus: T.Corpus
    source: str  # which text: "python", "tang", "paste", "upload"
    text_key: str  # the text's hash: the trained network belongs to it
    baselines: T.Baselines
    history: list[tuple[int, float, float]] = field(default_factory=list)  # step, train, val
    steps: int = 0
    seconds: float = 0.0
    model: T.CharModel | None = None


def _training(board: live.Board[TextTraining]) -> None:
    """The job: train, report every validation, keep the model (also after a stop)."""
    B = backend()
    run = board.record

    def progress(p) -> None:
        with board.lock:
            run.history = [*run.history, (p.step, p.train_bits, p.val_bits)]
            run.steps, run.seconds = p.step, p.seconds
        board.report(p.fraction)

    result = B.train(run.config, run.corpus, progress, should_stop=lambda: board.stopping)
    with board.lock:
        run.model = result.char_model(corpus=run.source)


def _draw(board: live.Board[TextTraining]) -> None:
    with board.lock:
        history, run = list(board.record.history), board.record
    if not history:
        st.progress(0.0, text=tr("starting"))
        return
    step, _, val = history[-1]
    st.progress(
        board.fraction,
        text=tr("progress", step=step, seconds=f"{run.seconds:.0f}", val=fmt(val)),
    )
    st.plotly_chart(
        bits_figure(
            history,
            unigram=run.baselines.unigram,
            bigram=run.baselines.bigram,
            cell=run.config.cell,
            **ui.fig_kw(),
        ),
        width="stretch",
        key=f"text_live_{board.id}_{board.version}",
    )


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def model_key(model: T.CharModel) -> str:
    return str(model.manifest.get("model_id") or id(model))


@st.cache_resource(show_spinner=False, max_entries=128)
def _sample(_model: T.CharModel, key: str, prime: str, temp: float, n: int, seed: int) -> T.Sample:
    return _model.sample(prime, n, temp, seed)


@st.cache_resource(show_spinner=False, max_entries=64)
def _trace(_model: T.CharModel, key: str, passage: str) -> Any:
    return _model.trace(_model.vocab.encode(passage))


@st.cache_resource(show_spinner=False, max_entries=64)
def _find(_model: T.CharModel, key: str, passage: str) -> dict[str, list[T.Match]]:
    return T.find_cells(_trace(_model, key, passage), passage, top=3)


@st.cache_resource(show_spinner=False, max_entries=256)
def _connectivity(_model: T.CharModel, key: str, context: str, target: int) -> tuple:
    """(norms over the context, p(target)) for one prediction."""
    ids = _model.vocab.encode(context)
    p = float(np.exp(_model.log_probs(_model.trace(ids))[-1][target]))
    return _model.connectivity(ids, target), p


@st.cache_resource(show_spinner=False, max_entries=64)
def _parity(_model: T.CharModel, key: str, passage: str) -> dict[str, float]:
    return backend().parity(_model, _model.vocab.encode(passage))


def torch_loaded() -> bool:
    import sys

    return "torch" in sys.modules


# ------------------------------------------------------------------------------- sections


def choose_text() -> tuple[str, str | None, T.Corpus | None]:
    """The text source, the cleaned text (None: none yet, or bad: a message is shown) and, for a
    bundled text, its corpus as the shipped models saw it."""
    source = ui.bound(
        st.radio,
        tr("source"),
        "text_src",
        options=list(SOURCES),
        format_func=lambda s: tr(f"src_{s}"),
        horizontal=True,
    )
    if source in T.CORPORA:
        corpus = bundled_corpus(source)
        return source, corpus.text, corpus
    try:
        if source == "paste":
            raw = st.text_area(
                tr("paste", n=f"{MAX_PASTE:,}"), key="text_paste", max_chars=MAX_PASTE, height=160
            )
        else:
            up = st.file_uploader(
                tr("upload", mb=UPLOAD_MB),
                type=["txt"],
                key="text_upload",
                max_upload_size=UPLOAD_MB,
            )
            raw = None if up is None else T.read_text(up.getvalue())
        if not raw:
            st.info(tr("no_text"))
            return source, None, None
        clean = T.clean_text(raw)
    except T.TextError as e:
        text_error(e)
        return source, None, None
    if clean.removed_controls:
        st.warning(tr("removed_controls", n=f"{clean.removed_controls:,}"))
    return source, clean.text, None


def available_models(source: str, text: str) -> dict[str, T.CharModel]:
    """The shipped models of a bundled text, and this session's network if it read this text."""
    models: dict[str, T.CharModel] = {}
    if source in T.CORPORA:
        models.update(shipped_models(source))
    own = st.session_state.get("text_trained")
    if own is not None and own.text_key == text_key(text):
        models["session"] = own.model
    return models


def model_label(models: dict[str, T.CharModel], k: str) -> str:
    if k == "session":
        m = models["session"]
        return tr(
            "session", cell=NAMES[m.cell], hidden=m.rnn.hidden_size, steps=m.manifest["steps"]
        )
    return tr("shipped", cell=NAMES[k])


def model_cache_key(source: str, k: str, model: T.CharModel) -> str:
    return model_key(model) if k == "session" else f"shipped:{source}:{k}"


def sample_section(model: T.CharModel, mkey: str, source: str) -> str:
    """Prime, temperature, length, seed -> the generated text (prime included)."""
    st.subheader(tr("sample_header"))
    c1, c2, c3, c4 = st.columns([3, 2, 2, 1])
    prime = c1.text_input(
        tr("prime"), value=PRIMES.get(source, ""), max_chars=200, key=f"text_prime_{source}"
    )
    temperature = ui.bound(
        c2.slider,
        tr("temperature"),
        "text_temp",
        min_value=0.0,
        max_value=2.0,
        value=0.8,
        step=0.05,
    )
    length = ui.bound(
        c3.slider, tr("length"), "text_len", min_value=50, max_value=1000, value=300, step=50
    )
    seed = c4.number_input(tr("seed"), 0, 10_000, 0, key="text_sample_seed")
    prime = prime.replace("\r", "")
    sample = _sample(model, mkey, prime, float(temperature), int(length), int(seed))
    st.caption(tr("greedy") if temperature == 0 else tr("temp_note"))
    if sample.unknown_in_prime:
        st.warning(tr("unseen_prime", chars=" ".join(repr(c) for c in sample.unknown_in_prime)))
    st.code(prime + sample.text, language=None, wrap_lines=True)
    return prime + sample.text


def choose_passage(corpus: T.Corpus, sampled: str, text: str) -> str:
    psg = ui.bound(
        st.radio,
        tr("passage"),
        "text_psg",
        options=list(PASSAGES),
        format_func=lambda s: tr(f"psg_{s}"),
        horizontal=True,
    )
    if psg == "val":
        val_text = corpus.vocab.decode(corpus.val)
        start = val_text.find("\n") + 1 if "\n" in val_text[:200] else 0
        return val_text[start : start + MAX_PASSAGE]
    if psg == "sample":
        return sampled[:MAX_PASSAGE]
    own = st.text_area(
        tr("own_passage", n=MAX_PASSAGE), value=text[:300], max_chars=MAX_PASSAGE, key="text_own"
    )
    return own.replace("\r", "")


def paint(passage: str, values: np.ndarray, kind: str, title: str = "") -> None:
    scale = "sequential" if kind in ("i", "f", "o", "r", "z") else "diverging"
    st.html(painted_html(passage, values, scale=scale, presentation=ui.presentation(), title=title))


def read_section(model: T.CharModel, mkey: str, passage: str) -> None:
    """Parity with torch, paint a unit, find cells."""
    trace = _trace(model, mkey, passage)
    if torch_loaded() or st.button(tr("check_torch"), key="text_check_torch"):
        par = _parity(model, mkey, passage)
        st.caption(tr("parity", h=f"{par['h']:.1e}", p=f"{par['log_p']:.1e}"))
    found = _find(model, mkey, passage)
    best = [ms[0] for ms in found.values() if ms]
    readable = sorted((b for b in best if b.readable), key=lambda b: -abs(b.r))

    st.markdown(f"**{tr('paint_header')}**")
    kinds = list(T.kinds_of(model.cell))
    first = readable[0].unit if readable else T.Unit(0, "h", 0)
    c1, c2, c3 = st.columns(3)
    layer = c1.selectbox(
        tr("layer"),
        list(range(model.rnn.num_layers)),
        index=first.layer,
        format_func=lambda k: str(k + 1),
        key=f"text_layer_{mkey}",
    )
    kind = c2.selectbox(
        tr("kind"),
        kinds,
        index=kinds.index(first.kind),
        format_func=lambda k: tr(f"kind_{k}"),
        key=f"text_kind_{mkey}",
    )
    unit = c3.number_input(
        tr("unit"), 0, model.rnn.hidden_size - 1, first.unit, key=f"text_unit_{mkey}"
    )
    u = T.Unit(int(layer), kind, int(unit))
    paint(passage, T.unit_values(trace, u), kind)
    st.caption(tr("paint_caption", unit=u.label))

    st.markdown(f"**{tr('find_header')}**")
    st.caption(tr("find_intro"))
    follows = tr("follows", r=T.READABLE_R)
    rows = []
    for name, ms in found.items():
        top = ms[0] if ms else None
        rows.append(
            {
                tr("feature"): tr(f"f_{name}"),
                tr("best_unit"): top.unit.label if top else tr("absent"),
                "r": f"{top.r:+.3f}" if top else "–",
                follows: (tr("yes") if top.readable else tr("no")) if top else "–",
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")
    unreadable = [tr(f"f_{n}") for n, ms in found.items() if ms and not ms[0].readable]
    if not readable:
        st.warning(tr("none_readable", r=T.READABLE_R))
    elif unreadable:
        sep = "、" if ui.lang() == "zh" else ", "
        st.info(tr("some_unreadable", r=T.READABLE_R, names=sep.join(unreadable)))
    shown = set()
    for b in readable:
        if b.unit in shown or len(shown) == 3:
            continue
        shown.add(b.unit)
        title = tr("top_painted", feature=tr(f"f_{b.feature}"), unit=b.unit.label, r=fmt(b.r))
        paint(passage, T.unit_values(trace, b.unit), b.unit.kind, title)


def connectivity_section(models: dict[str, T.CharModel], source: str, passage: str) -> None:
    st.markdown(f"**{tr('conn_header')}**")
    st.caption(tr("conn_intro"))
    default_t = len(passage) - 1
    for mark in ("。", ")", '"'):
        k = passage.find(mark, 80)
        if k > 0:
            default_t = k
            break
    key = f"text_pos_{len(passage)}"
    t = st.slider(tr("position"), 1, len(passage) - 1, default_t, key=key)
    context = passage[max(0, t - MAX_CONTEXT) : t]
    st.caption(tr("conn_target", char=repr(passage[t]), t=t, n=len(context)))
    if source not in T.CORPORA:
        st.caption(tr("conn_other_text"))
    cols = st.columns(len(models))
    for col, (k, mdl) in zip(cols, models.items(), strict=True):
        target = int(mdl.vocab.encode(passage[t])[0])
        norms, p = _connectivity(mdl, model_cache_key(source, k, mdl), context, target)
        name = model_label(models, k)
        with col:
            st.html(
                painted_html(
                    context + passage[t],
                    np.append(norms, np.nan),
                    scale="gradient",
                    highlight=len(context),
                    presentation=ui.presentation(),
                    title=name,
                )
            )
            big = float(norms.max())
            first = int(np.flatnonzero(norms >= 0.01 * big).min()) if big > 0 else len(norms) - 1
            if first == 0:
                st.caption(tr("conn_reach_all", cell=name, p=f"{p:.2g}", back=len(context)))
            else:
                st.caption(tr("conn_reach", cell=name, p=f"{p:.2g}", back=len(context) - first))


def train_section(source: str, text: str | None) -> None:
    """The training form, the live view of this session's training, and its outcome."""
    st.subheader(tr("train_header"))
    with st.form("text_train_form"):
        c1, c2, c3, c4 = st.columns(4)
        cell = c1.selectbox(
            tr("cell"), CELLS, index=1, format_func=NAMES.get, key="text_cell_train"
        )
        hidden = c2.selectbox(tr("hidden"), [32, 64, 128, 256, 512], index=2, key="text_hidden")
        layers = c3.selectbox(tr("layers"), [1, 2], key="text_layers")
        embedding = c4.selectbox(tr("embedding"), [0, 16, 32, 64], index=2, key="text_embedding")
        c1, c2, c3, c4, c5 = st.columns(5)
        seq_len = c1.number_input(tr("seq_len"), 10, 200, 100, 10, key="text_seq_len")
        vocab = c2.number_input(tr("vocab"), 50, 5000, T.DEFAULT_VOCAB, 50, key="text_vocab")
        lr = c3.selectbox(tr("lr"), [1e-3, 2e-3, 3e-3, 5e-3, 1e-2], index=2, key="text_lr")
        budget = c4.slider(tr("budget"), 5, MAX_BUDGET_S, 30, 5, key="text_budget")
        seed = c5.number_input(tr("seed"), 0, 10_000, 0, key="text_seed")
        go_train = st.form_submit_button(tr("train"), type="primary", disabled=text is None)
    if go_train and text is not None:
        B = backend()
        config = B.TextConfig(
            cell=cell,
            hidden=int(hidden),
            layers=int(layers),
            embedding=int(embedding),
            vocab_size=int(vocab),
            seq_len=int(seq_len),
            lr=float(lr),
            budget_seconds=float(budget),
            seed=int(seed),
            threads=TRAIN_THREADS,
        ).validate()
        try:
            corpus = T.make_corpus(text, max_chars=config.vocab_size, seq_len=config.seq_len)
        except T.TextError as e:
            text_error(e)
        else:
            st.session_state.pop("text_note", None)
            record = TextTraining(config, corpus, source, text_key(text), T.baselines(corpus))
            ui.train_live("text_board", _training, record, label="text", idle_after=IDLE_S)
    board = st.session_state.get("text_board")
    if board is not None and st.session_state.get("text_shown") != board.id:
        with st.container(border=True):
            ui.follow(board, _draw)
        st.session_state["text_shown"] = board.id
        run = board.record
        if board.status == "failed":
            st.error(tr("failed", error=ui.escape_md(board.error or "")))
        elif run.model is not None:
            run.model.manifest["model_id"] = board.id
            st.session_state["text_trained"] = run
            st.session_state["text_pick_next"] = "session"  # set before the radio, next run
            st.session_state["text_note"] = tr(
                "stopped" if board.stopped else "trained",
                steps=run.steps,
                seconds=f"{run.seconds:.0f}",
                bits=fmt(run.history[-1][2]) if run.history else "–",
            )
            st.rerun()  # the page above now reads the new network
    if st.session_state.get("text_note"):
        st.success(st.session_state["text_note"])
        run = st.session_state.get("text_trained")
        if run is not None and run.history:
            ui.plot(
                bits_figure(
                    run.history,
                    unigram=run.baselines.unigram,
                    bigram=run.baselines.bigram,
                    cell=run.config.cell,
                    stopped=bool(board is not None and board.stopped),
                    **ui.fig_kw(),
                ),
                "text_training",
            )


# ---------------------------------------------------------------------------------- the page

SOURCES = ("python", "tang", "paste", "upload")
PASSAGES = ("val", "sample", "own")

st.title(tr("title"))
st.caption(tr("intro"))
source, text, corpus = choose_text()
models = available_models(source, text) if text is not None else {}
if text is not None and not models:
    st.info(tr("no_model"))
if models:
    options = list(models)
    if st.session_state.pop("text_pick_next", None) in options:
        st.session_state["text_pick"] = "session"
    if st.session_state.get("text_pick") not in options:
        st.session_state.pop("text_pick", None)
    pick = ui.bound(
        st.radio,
        tr("model"),
        "text_pick",
        options=options,
        index=options.index("lstm") if "lstm" in options else 0,
        format_func=lambda k: model_label(models, k),
        horizontal=True,
    )
    model = models[pick]
    if pick == "session" or corpus is None:
        corpus = st.session_state["text_trained"].corpus
    m = model.manifest
    st.caption(
        tr(
            "text_stats",
            chars=f"{len(corpus.text):,}",
            distinct=f"{corpus.distinct:,}",
            kept=f"{len(corpus.vocab.chars):,}",
            coverage=f"{corpus.coverage:.3%}"
            if corpus.coverage > 0.99
            else f"{corpus.coverage:.1%}",
        )
    )
    st.markdown(
        tr(
            "model_stats",
            what=model_label(models, pick),
            bits=fmt(m["bits_per_char"]),
            uni=fmt(m["unigram_bits_per_char"]),
            bi=fmt(m["bigram_bits_per_char"]),
            steps=f"{m['steps']:,}",
            seconds=f"{m['seconds']:.0f}",
        )
    )
    mkey = model_cache_key(source, pick, model)
    sampled = sample_section(model, mkey, source)
    st.subheader(tr("read_header"))
    passage = choose_passage(corpus, sampled, text)
    if len(passage) < 3:
        st.warning(tr("passage_short"))
    else:
        read_section(model, mkey, passage)
        connectivity_section(models, source, passage)
train_section(source, text)
ui.show_code(T.CharModel.connectivity, T.find_cells, T.CharModel.sample)
