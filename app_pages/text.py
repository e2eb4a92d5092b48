"""9 · The text lab: character-level RNN, LSTM and GRU on a bundled or pasted text; sample them,
paint any unit over the text, find the units that follow named features, and see how far back
each cell's prediction reaches (connectivity).

The page opens on the shipped models (assets/text, read by the NumPy reference: no torch needed
to read them). Training goes through `explainer.live` (`ui.train_live` / `ui.follow`); torch is
imported only to train and to check the reference against it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app_pages._text_training import (
    backend,
    fmt,
    text_error,
    text_key,
    train_section,
)
from explainer import i18n, ui
from explainer import text as T
from explainer.cells import CELL_NAMES, CELLS
from explainer.figures.text import painted_html

MAX_PASTE = 200_000  # characters in the paste box (an upload may be longer: T.MAX_TEXT_BYTES)
UPLOAD_MB = T.MAX_TEXT_BYTES // 2**20  # st.file_uploader counts its MB in MiB
MAX_PASSAGE = 600  # characters painted and searched (bounded work per rerun)
MAX_CONTEXT = 300  # characters of context behind a connectivity prediction
PRIMES = {"python": "def ", "tang": "白日"}

tr = ui.translator(i18n.PAGES["text"])


# ---------------------------------------------------------------------------------- helpers


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
    names = T.applicable(_model.vocab.chars)  # only the features this kind of text has
    return T.find_cells(_trace(_model, key, passage), passage, names, top=3)


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
            "session", cell=CELL_NAMES[m.cell], hidden=m.rnn.hidden_size, steps=m.manifest["steps"]
        )
    return tr("shipped", cell=CELL_NAMES[k])


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
