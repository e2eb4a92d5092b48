"""The text lab's training (`app_pages/text.py`): the form, the job that trains a character model
on the chosen text in PyTorch, its live view and its outcome; and the page's small helpers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from explainer import i18n, live, ui
from explainer import text as T
from explainer.cells import CELL_NAMES, CELLS
from explainer.figures.text import bits_figure

MAX_BUDGET_S = 180
TRAIN_THREADS = 1
IDLE_S = 120.0  # a training whose tab nobody looks at stops after this long

tr = ui.translator(i18n.PAGES["text"])


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


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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


def _draw(board: live.Board[TextTraining], key: str) -> None:
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
        key=f"text_live_{key}",
    )


def train_section(source: str, text: str | None) -> None:
    """The training form, the live view of this session's training, and its outcome."""
    st.subheader(tr("train_header"))
    with st.form("text_train_form"):
        # bottom-aligned: a label that wraps (Chinese, presentation mode) does not lower its box
        c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")
        cell = c1.selectbox(
            tr("cell"), CELLS, index=1, format_func=CELL_NAMES.get, key="text_cell_train"
        )
        hidden = c2.selectbox(tr("hidden"), [32, 64, 128, 256, 512], index=2, key="text_hidden")
        layers = c3.selectbox(tr("layers"), [1, 2], key="text_layers")
        embedding = c4.selectbox(tr("embedding"), [0, 16, 32, 64], index=2, key="text_embedding")
        c1, c2, c3, c4, c5 = st.columns(5, vertical_alignment="bottom")
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
