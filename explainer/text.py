"""Character-level text for the text lab: corpora, vocabulary, baselines, features, and the char
model replayed in NumPy. No torch here: the page reads shipped models without importing it.

The character model (`CharModel`; trained by `explainer.torch_backend.text`)
    x_t = E[c_t]                            the embedding row of character c_t (E = I: one-hot)
    h_t = cell(x_t, h_{t-1})                the reference's RNN/LSTM/GRU (`explainer.models`)
    p(c_{t+1} | c_0 .. c_t) = softmax(W h_t + b)
Loss in **bits per character**: the mean of -log2 p(c_{t+1} | c_0 .. c_t) over a text's targets
c_1 .. c_{T-1} (its first character is only read, never predicted). The baselines predict the
same targets: the unigram p(c) (add-one counts of the training text) and the bigram p(c | c_prev)
(Witten-Bell: the bigram counts interpolated with the unigram, weighted by how many different
characters follow c_prev; Witten & Bell 1991), both fitted on the training text only.

Vocabulary: the N most frequent characters of the training text (ties in code-point order) plus
one unknown symbol, index 0, that stands for every other character. Sampling never emits it.

Features for "find cells" describe the state after reading character t (so an opening quote is
inside the quotes, a closing one outside): `FEATURES` names them. A unit "follows" a feature when
|r| >= `READABLE_R` (Pearson's correlation over a passage).

References: Karpathy, Johnson & Fei-Fei (2015), Visualizing and understanding recurrent networks;
Strobelt et al. (2017), LSTMVis; Madsen (2019), Visualizing memorization in RNNs (Distill).
"""

from __future__ import annotations

import collections
import json
import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explainer.errors import CodedError
from explainer.models import MODELS
from explainer.trace import CELL_GATES, Trace

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "text"
CORPORA: dict[str, str] = {  # bundled texts (assets/README.md says where they come from)
    "python": "more_itertools.py.txt",
    "tang": "tang_poems.txt",
}
UNKNOWN = "\ufffd"  # how the unknown symbol is written out
DEFAULT_VOCAB = 2000  # characters kept in the vocabulary unless told otherwise
MAX_TEXT_BYTES = 4_000_000  # the upload cap (a million CJK characters is 3 MB of UTF-8)
MAX_TEXT_CHARS = 1_000_000  # the longest text trained on (each bundled one is under 250,000)
MIN_COVERAGE = 0.5  # the vocabulary must cover at least this share of a text
MAX_CONTROL_SHARE = 0.01  # more control characters than this: binary, not text
READABLE_R = 0.5  # a unit "follows" a feature when |r| >= this
FORMAT = "explainer.text"  # the safetensors manifest's format name


class TextError(CodedError):
    """Bad text, with a `code` and `details` a page can translate (the message is English)."""


# ------------------------------------------------------------------------------ text input


def read_text(raw: bytes) -> str:
    """Bytes of an upload as text: UTF-8 (a BOM is dropped), never binary."""
    if len(raw) > MAX_TEXT_BYTES:
        raise TextError(
            "too_large",
            f"the file has {len(raw):,} bytes; the limit is {MAX_TEXT_BYTES:,}",
            size=len(raw),
            limit=MAX_TEXT_BYTES,
        )
    if b"\x00" in raw:
        raise TextError("binary", "this is a binary file (it holds NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise TextError(
            "not_utf8",
            f"this file is not UTF-8 text (byte {e.start} cannot be decoded); save it as UTF-8",
            position=e.start,
        ) from None
    return text


@dataclass(frozen=True)
class CleanText:
    text: str
    removed_controls: int  # control characters dropped (other than newline and tab)


def clean_text(text: str) -> CleanText:
    """A text ready to train on, or a `TextError` saying why not.

    Newlines become "\\n" (from "\\r\\n" and "\\r"); other control characters (Unicode category
    Cc, except newline and tab) are removed and counted; more than 1% of them is binary."""
    if len(text) > MAX_TEXT_CHARS:
        raise TextError(
            "too_large",
            f"the text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}",
            size=len(text),
            limit=MAX_TEXT_CHARS,
        )
    if "\x00" in text:
        raise TextError("binary", "this is binary data (it holds NUL characters), not text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = [ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc"]
    removed = len(text) - len(kept)
    if removed > MAX_CONTROL_SHARE * max(len(text), 1):
        raise TextError(
            "binary",
            f"{removed:,} of its {len(text):,} characters are control characters: binary, not text",
            removed=removed,
        )
    text = "".join(kept) if removed else text
    if not text:
        raise TextError("empty", "the text is empty")
    if not text.strip():
        raise TextError("whitespace", "the text holds only white space")
    return CleanText(text, removed)


def bundled(name: str) -> str:
    """One of the bundled texts (`CORPORA`)."""
    if name not in CORPORA:
        raise ValueError(f"unknown bundled text {name!r}: expected one of {', '.join(CORPORA)}")
    return (ASSETS / CORPORA[name]).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """Index 0 is the unknown symbol; `chars[i]` is the character of index i + 1."""

    chars: tuple[str, ...]
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars) or any(len(c) != 1 for c in self.chars):
            raise ValueError("a vocabulary holds distinct single characters")
        object.__setattr__(self, "index", {c: i + 1 for i, c in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str, max_chars: int = DEFAULT_VOCAB) -> Vocabulary:
        """The `max_chars` most frequent characters of `text` (ties: lower code point first)."""
        if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
            raise ValueError(f"the vocabulary size must be a positive integer, got {max_chars!r}")
        counts = collections.Counter(text)
        ranked = sorted(counts, key=lambda c: (-counts[c], c))
        return cls(tuple(ranked[:max_chars]))

    @property
    def size(self) -> int:
        return len(self.chars) + 1

    def encode(self, text: str) -> np.ndarray:
        """Indices, (T,) int64; characters outside the vocabulary become 0."""
        get = self.index.get
        return np.fromiter((get(c, 0) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids: Any) -> str:
        symbols = (UNKNOWN,) + self.chars
        return "".join(symbols[int(i)] for i in ids)

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of `text` outside the vocabulary, in order of appearance."""
        return list(dict.fromkeys(c for c in text if c not in self.index))


@dataclass(frozen=True)
class Corpus:
    """A text split for training: the first (1 - val_fraction) to train on, the rest to validate."""

    text: str
    vocab: Vocabulary
    train: np.ndarray  # (N_train,) int64
    val: np.ndarray  # (N_val,) int64
    distinct: int  # distinct characters in the whole text
    coverage: float  # share of the text's characters inside the vocabulary


def make_corpus(
    text: str,
    *,
    max_chars: int = DEFAULT_VOCAB,
    val_fraction: float = 0.1,
    seq_len: int = 100,
    max_val_chars: int | None = 20_000,
) -> Corpus:
    """Clean `text`, build its vocabulary from the training part, split; `TextError` when the text
    cannot be trained on (too short for one sequence of `seq_len` + 1, too many distinct
    characters...). The validation part is cut to its first `max_val_chars` (bounded work)."""
    text = clean_text(text).text
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    n_val = max(2, int(round(len(text) * val_fraction)))
    n_train = len(text) - n_val
    if n_train < seq_len + 1:
        need = int(math.ceil((seq_len + 1 + 2) / (1 - val_fraction)))
        raise TextError(
            "too_short",
            f"the text has {len(text):,} characters: too short for one training sequence of "
            f"{seq_len} characters and a validation part (at least {need:,} are needed)",
            size=len(text),
            need=need,
            seq_len=seq_len,
        )
    vocab = Vocabulary.from_text(text[:n_train], max_chars)
    ids = vocab.encode(text)
    coverage = float(np.mean(ids != 0))
    distinct = len(set(text))
    if coverage < MIN_COVERAGE:
        raise TextError(
            "too_many_distinct",
            f"the text has {distinct:,} distinct characters and the {len(vocab.chars):,} most "
            f"frequent cover only {coverage:.0%} of it: too few repeat for a character model",
            distinct=distinct,
            kept=len(vocab.chars),
            coverage=coverage,
        )
    val = ids[n_train:] if max_val_chars is None else ids[n_train : n_train + max_val_chars]
    return Corpus(text, vocab, ids[:n_train], val, distinct, coverage)


# ------------------------------------------------------------------------------- baselines


def bits(log_p: np.ndarray) -> float:
    """Bits per character of natural-log probabilities of the targets: -mean(log p) / ln 2."""
    return float(-np.mean(log_p) / math.log(2))


def unigram_log_probs(train: np.ndarray, targets: np.ndarray, size: int) -> np.ndarray:
    """log p(c) for each target, p(c) = (n(c) + 1) / (N + V) from the training counts."""
    n = np.bincount(train, minlength=size).astype(np.float64)
    return np.log((n[targets] + 1.0) / (n.sum() + size))


def bigram_log_probs(train: np.ndarray, text: np.ndarray, size: int) -> np.ndarray:
    """log p(text[t] | text[t-1]) for t = 1 .. T-1 (Witten-Bell):
    p(b | a) = (n(a, b) + u(a) p1(b)) / (n(a) + u(a)), u(a) = how many distinct b follow a,
    p1 the add-one unigram; a character never seen first in a pair falls back to p1."""
    p1 = np.exp(unigram_log_probs(train, np.arange(size), size))
    pairs = train[:-1] * size + train[1:]
    keys, counts = np.unique(pairs, return_counts=True)
    n_a = np.bincount(train[:-1], minlength=size).astype(np.float64)
    u_a = np.bincount(keys // size, minlength=size).astype(np.float64)
    a, b = text[:-1], text[1:]
    pos = np.searchsorted(keys, a * size + b)
    pos = np.minimum(pos, len(keys) - 1)
    n_ab = np.where(keys[pos] == a * size + b, counts[pos], 0).astype(np.float64)
    seen = n_a[a] > 0
    p = np.where(seen, (n_ab + u_a[a] * p1[b]) / np.maximum(n_a[a] + u_a[a], 1.0), p1[b])
    return np.log(p)


@dataclass(frozen=True)
class Baselines:
    unigram: float  # bits per character of the validation text, add-one unigram
    bigram: float  # likewise, Witten-Bell bigram


def baselines(corpus: Corpus) -> Baselines:
    """The unigram and bigram bits per character on the validation targets `val[1:]`."""
    V = corpus.vocab.size
    return Baselines(
        unigram=bits(unigram_log_probs(corpus.train, corpus.val[1:], V)),
        bigram=bits(bigram_log_probs(corpus.train, corpus.val, V)),
    )


# -------------------------------------------------------------------------------- features

OPEN_BRACKETS, CLOSE_BRACKETS = "([{（【《〔", ")]}）】》〕"
OPEN_QUOTES, CLOSE_QUOTES = "“「『", "”」』"
FULL_STOPS = "。！？"
FULL_STOP_CAP = 20  # "characters to the next full stop" is capped here (and where none follows)


def _quote_state(text: str) -> np.ndarray:
    """1 inside quotes. Straight quotes as in Python: " opens and closes a string (so a triple
    quote toggles three times), ' too, but only after a character that is not a letter or digit
    (an apostrophe, as in "don't", opens nothing), and each is literal inside the other's string.
    “ 「 『 open and ” 」 』 close (nesting counted)."""
    out, straight, depth = np.zeros(len(text)), "", 0
    for t, ch in enumerate(text):
        if ch == '"' and straight != "'":
            straight = "" if straight else '"'
        elif ch == "'" and straight != '"':
            if straight:
                straight = ""
            elif t == 0 or not text[t - 1].isalnum():
                straight = "'"
        elif ch in OPEN_QUOTES:
            depth += 1
        elif ch in CLOSE_QUOTES:
            depth = max(depth - 1, 0)
        out[t] = bool(straight) or depth > 0
    return out


def _bracket_depth(text: str) -> np.ndarray:
    out, depth = np.zeros(len(text)), 0
    for t, ch in enumerate(text):
        if ch in OPEN_BRACKETS:
            depth += 1
        elif ch in CLOSE_BRACKETS:
            depth = max(depth - 1, 0)
        out[t] = depth
    return out


def _line_position(text: str) -> np.ndarray:
    out, pos = np.zeros(len(text)), 0
    for t, ch in enumerate(text):
        pos = 0 if ch == "\n" else pos + 1
        out[t] = pos
    return out


def _word_start(text: str) -> np.ndarray:
    return np.array(
        [ch.isalnum() and (t == 0 or not text[t - 1].isalnum()) for t, ch in enumerate(text)],
        dtype=float,
    )


def _digit(text: str) -> np.ndarray:
    return np.array([ch.isdigit() for ch in text], dtype=float)


def _to_full_stop(text: str) -> np.ndarray:
    """Characters until the next 。！？ (0 on it), capped at `FULL_STOP_CAP`."""
    out, nxt = np.zeros(len(text)), None
    for t in range(len(text) - 1, -1, -1):
        if text[t] in FULL_STOPS:
            nxt = t
        out[t] = FULL_STOP_CAP if nxt is None else min(nxt - t, FULL_STOP_CAP)
    return out


def _after_comma(text: str) -> np.ndarray:
    """1 after a comma (， or ,) on the current line: the second half of a couplet."""
    out, on = np.zeros(len(text)), False
    for t, ch in enumerate(text):
        if ch == "\n":
            on = False
        elif ch in "，,":
            on = True
        out[t] = on
    return out


FEATURES: dict[str, Callable[[str], np.ndarray]] = {
    "in_quotes": _quote_state,
    "in_brackets": lambda text: (_bracket_depth(text) > 0).astype(float),
    "bracket_depth": _bracket_depth,
    "line_position": _line_position,
    "word_start": _word_start,
    "digit": _digit,
    "to_full_stop": _to_full_stop,
    "after_comma": _after_comma,
}


def features(text: str, names: Any = None) -> dict[str, np.ndarray]:
    """Each named feature of `text`, (T,) float, for the state after reading character t."""
    names = list(FEATURES) if names is None else list(names)
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature(s) {unknown}: expected some of {list(FEATURES)}")
    return {n: FEATURES[n](text) for n in names}


# ------------------------------------------------------------------------------ find cells


@dataclass(frozen=True)
class Unit:
    """One recorded quantity of one unit: layer k, kind "h", "c" or a gate name, unit index."""

    layer: int
    kind: str
    unit: int

    @property
    def label(self) -> str:
        return f"{self.kind}[{self.unit}]" + (f" (layer {self.layer + 1})" if self.layer else "")


def kinds_of(cell: str) -> tuple[str, ...]:
    """What can be painted per unit: h, the LSTM's c, and each gate (the RNN's only "gate" is h)."""
    extra = ("c",) if cell == "lstm" else ()
    return ("h", *extra, *(g for g in CELL_GATES[cell] if g != "h"))


def unit_values(trace: Trace, unit: Unit) -> np.ndarray:
    """The values of `unit` at every step of an unbatched trace, (T,)."""
    if unit.kind not in kinds_of(trace.cell):
        raise ValueError(
            f"unknown kind {unit.kind!r} for a {trace.cell.upper()}: {kinds_of(trace.cell)}"
        )
    lay = trace.layers[unit.layer]
    a = lay.h if unit.kind == "h" else lay.c if unit.kind == "c" else lay.gates[unit.kind]
    if not 0 <= unit.unit < a.shape[-1]:
        raise ValueError(f"unit {unit.unit} out of range: the layer has {a.shape[-1]} units")
    return np.asarray(a[:, unit.unit])


def state_matrix(trace: Trace, kinds: tuple[str, ...] = ("h", "c")) -> tuple[np.ndarray, list]:
    """Every layer's h (and c, for the LSTM) side by side: (T, M) values and their `Unit`s."""
    cols, units = [], []
    for k, lay in enumerate(trace.layers):
        for kind in (kind for kind in kinds if kind in kinds_of(trace.cell)):
            a = lay.h if kind == "h" else lay.c if kind == "c" else lay.gates[kind]
            cols.append(np.asarray(a))
            units += [Unit(k, kind, j) for j in range(a.shape[-1])]
    return np.concatenate(cols, axis=1), units


def correlations(values: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson's r of each column of `values` (T, M) with `feature` (T,); NaN where either is
    constant over the passage (no correlation is defined)."""
    a = values - values.mean(axis=0)
    f = feature - feature.mean()
    den = np.sqrt((a * a).sum(axis=0) * (f * f).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * f[:, None]).sum(axis=0) / den
    return np.where(den > 1e-12 * max(len(f), 1), r, np.nan)


@dataclass(frozen=True)
class Match:
    feature: str
    unit: Unit
    r: float

    @property
    def readable(self) -> bool:
        return abs(self.r) >= READABLE_R


def find_cells(
    trace: Trace,
    text: str,
    names: Any = None,
    top: int = 3,
    kinds: tuple[str, ...] = ("h", "c"),
) -> dict[str, list[Match]]:
    """For each named feature of `text`, the `top` units whose values over the trace follow it
    best (largest |r| first); an empty list where the feature is constant on this text."""
    if trace.batched or trace.h.shape[0] != len(text):
        raise ValueError("find_cells needs the unbatched trace of exactly this text")
    values, units = state_matrix(trace, kinds)
    out: dict[str, list[Match]] = {}
    for name, f in features(text, names).items():
        r = correlations(values, f)
        order = [j for j in np.argsort(-np.nan_to_num(np.abs(r), nan=-1.0)) if np.isfinite(r[j])]
        out[name] = [Match(name, units[j], float(r[j])) for j in order[:top]]
    return out


# ------------------------------------------------------------------------------ char model


@dataclass(frozen=True)
class Sample:
    text: str  # the generated characters (the prime not included)
    unknown_in_prime: list[str]  # prime characters the model never saw (read as unknown)


class CharModel:
    """A trained character model replayed by the NumPy reference (float64)."""

    def __init__(
        self,
        vocab: Vocabulary,
        rnn: Any,
        embedding: np.ndarray | None,
        head_w: np.ndarray,
        head_b: np.ndarray,
        manifest: Mapping[str, Any] | None = None,
    ) -> None:
        V, H = vocab.size, rnn.hidden_size
        E = V if embedding is None else embedding.shape[1]
        if embedding is not None and embedding.shape != (V, rnn.input_size):
            raise ValueError(f"embedding has shape {embedding.shape}, expected {(V, E)}")
        if embedding is None and rnn.input_size != V:
            raise ValueError(f"a one-hot input needs input_size {V}, got {rnn.input_size}")
        if head_w.shape != (V, H) or head_b.shape != (V,):
            raise ValueError(f"head has shapes {head_w.shape}, {head_b.shape}; expected {(V, H)}")
        self.vocab, self.rnn = vocab, rnn
        self.embedding = np.eye(V) if embedding is None else np.asarray(embedding, np.float64)
        self.one_hot = embedding is None
        self.head_w = np.asarray(head_w, np.float64)
        self.head_b = np.asarray(head_b, np.float64)
        self.manifest = dict(manifest or {})

    @property
    def cell(self) -> str:
        return self.rnn.cell

    # --- forward
    def inputs(self, ids: np.ndarray) -> np.ndarray:
        return self.embedding[np.asarray(ids)]  # (…, T, E)

    def trace(self, ids: np.ndarray, h0: Any = None, c0: Any = None) -> Trace:
        """The reference's full record of reading `ids` (T,) or (B, T)."""
        return self.rnn.forward(self.inputs(ids), h0, c0)

    def log_probs(self, trace: Trace) -> np.ndarray:
        """log p(next character) after every step, (…, T, V)."""
        z = trace.h @ self.head_w.T + self.head_b
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    def bits_per_char(self, ids: np.ndarray, streams: int = 1) -> float:
        """Bits per character of `ids[1:]`, read as `streams` equal parallel streams from zero
        states (`explainer.torch_backend.text.evaluate` reads them the same way)."""
        x = split_streams(np.asarray(ids), streams)  # (S, L)
        lp = self.log_probs(self.trace(x[:, :-1]))
        return bits(np.take_along_axis(lp, x[:, 1:, None], axis=-1))

    def connectivity(self, ids: np.ndarray, target: int) -> np.ndarray:
        """‖∂ log p(target | ids) / ∂x_t‖ for every character t of `ids` (T,): how strongly the
        prediction of the character after `ids` depends on each input vector x_t = E[c_t]
        (Distill's connectivity), by the reference's exact BPTT (`model.connectivity`). The
        gradient of log p(target) = z_target - logsumexp(z), z = W h_{T-1} + b, with respect to
        h_{T-1} is W^T (onehot(target) - p)."""
        if not 0 <= int(target) < self.vocab.size:
            raise ValueError(f"target {target} is outside the vocabulary of {self.vocab.size}")
        trace = self.trace(np.asarray(ids))
        p = np.exp(self.log_probs(trace)[-1])  # (V,)
        onehot = np.zeros_like(p)
        onehot[int(target)] = 1.0
        return self.rnn.connectivity(trace, self.head_w.T @ (onehot - p))

    # --- sampling
    def final_state(self, trace: Trace) -> tuple[np.ndarray, np.ndarray | None]:
        """Every layer's last h (and c), (L, H): the state to read on from."""
        h = np.stack([lay.h[-1] for lay in trace.layers])  # (L, H)
        c = None if self.cell != "lstm" else np.stack([lay.c[-1] for lay in trace.layers])
        return h, c

    def sample(self, prime: str, length: int, temperature: float = 1.0, seed: int = 0) -> Sample:
        """`length` characters after `prime`. Each is drawn from softmax(logits / temperature)
        without the unknown symbol; temperature 0 takes the most probable one (greedy). An empty
        prime starts from a newline (or, without one, the most frequent character)."""
        if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= 10_000:
            raise ValueError(f"length must be an integer from 0 to 10,000, got {length!r}")
        if not (isinstance(temperature, (int, float)) and math.isfinite(temperature)):
            raise ValueError(f"temperature must be a finite number, got {temperature!r}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        start = prime or ("\n" if "\n" in self.vocab.index else self.vocab.chars[0])
        rng = np.random.default_rng(seed)
        ids = self.vocab.encode(start)
        tr = self.trace(ids)
        h, c = self.final_state(tr)
        logits = tr.h[-1] @ self.head_w.T + self.head_b
        out = []
        for _ in range(length):
            z = logits.copy()
            z[0] = -np.inf  # never the unknown symbol
            if temperature == 0:
                nxt = int(np.argmax(z))
            else:
                z = (z - z.max()) / temperature
                p = np.exp(z)
                nxt = int(rng.choice(len(p), p=p / p.sum()))
            out.append(nxt)
            tr = self.trace(np.array([nxt]), h, c)
            h, c = self.final_state(tr)
            logits = tr.h[-1] @ self.head_w.T + self.head_b
        return Sample(self.vocab.decode(out), self.vocab.unknown(prime))

    # --- saving
    def tensors(self) -> dict[str, np.ndarray]:
        """The weights under the torch module's names (`explainer.torch_backend.text.CharNet`)."""
        out = {f"rnn.{k}": v for k, v in self.rnn.params.items()}
        if not self.one_hot:
            out["embedding.weight"] = self.embedding
        out["head.weight"], out["head.bias"] = self.head_w, self.head_b
        return out


def split_streams(ids: np.ndarray, streams: int) -> np.ndarray:
    """`ids` cut into `streams` equal consecutive pieces, (S, L); the tail that does not fill a
    row is dropped. Fewer streams when the text is too short for pieces of two characters."""
    streams = max(1, min(int(streams), len(ids) // 2))
    L = len(ids) // streams
    return ids[: streams * L].reshape(streams, L)


# ------------------------------------------------------------------------ safetensors files


def manifest_of(
    cell: str, hidden: int, layers: int, embedding: int, vocab: Vocabulary, **more: Any
) -> dict[str, Any]:
    """The JSON manifest stored in a model file's `__metadata__` (the keys `load` needs first)."""
    return {
        "format": FORMAT,
        "cell": cell,
        "hidden": hidden,
        "layers": layers,
        "embedding": embedding,  # 0: one-hot input
        "vocab": "".join(vocab.chars),
        **more,
    }


def save(model: CharModel, path: str | Path | None = None, dtype: Any = np.float32) -> bytes:
    """The model as safetensors bytes (written to `path` when given); the manifest is JSON under
    the `__metadata__` key "manifest"."""
    from safetensors.numpy import save as st_save

    tensors = {k: np.ascontiguousarray(v, dtype=dtype) for k, v in model.tensors().items()}
    raw = st_save(tensors, metadata={"manifest": json.dumps(model.manifest, ensure_ascii=False)})
    if path is not None:
        Path(path).write_bytes(raw)
    return raw


def read_manifest(raw: bytes) -> dict[str, Any]:
    """The manifest of a model file's bytes, or a ValueError saying why there is none."""
    try:
        n = int.from_bytes(raw[:8], "little")
        if not 0 < n <= len(raw) - 8:
            raise ValueError("the header length is wrong")
        meta = json.loads(raw[8 : 8 + n]).get("__metadata__") or {}
        manifest = json.loads(meta.get("manifest", "{}"))
    except (ValueError, AttributeError) as e:
        raise ValueError(f"not a valid safetensors model file ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("this safetensors file holds no text-lab model: it was not saved here")
    return manifest


def load(source: str | Path | bytes) -> CharModel:
    """A `CharModel` from safetensors (a path or bytes); every name and shape is checked."""
    from safetensors.numpy import load as st_load

    raw = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    manifest = read_manifest(raw)
    try:
        tensors = st_load(raw)
        vocab = Vocabulary(tuple(manifest["vocab"]))
        cell, H, L, E = (manifest[k] for k in ("cell", "hidden", "layers", "embedding"))
        rnn = MODELS[cell](E or vocab.size, int(H), int(L))
        rnn.load_params({k[4:]: v for k, v in tensors.items() if k.startswith("rnn.")})
        missing = [k for k in rnn.param_shapes() if f"rnn.{k}" not in tensors]
        if missing:
            raise ValueError(f"missing {missing}")
        emb = None if not E else tensors["embedding.weight"]
        return CharModel(vocab, rnn, emb, tensors["head.weight"], tensors["head.bias"], manifest)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"the model file is malformed ({e})") from None


def shipped() -> dict[tuple[str, str], Path]:
    """The pretrained models in assets/text: (corpus, cell) -> path."""
    out = {}
    for path in sorted(ASSETS.glob("*.safetensors")):
        corpus, _, cell = path.stem.rpartition("_")
        out[(corpus, cell)] = path
    return out


__all__ = [
    "CORPORA",
    "FEATURES",
    "READABLE_R",
    "Baselines",
    "CharModel",
    "Corpus",
    "Match",
    "Sample",
    "TextError",
    "Unit",
    "Vocabulary",
    "baselines",
    "bits",
    "bundled",
    "clean_text",
    "features",
    "find_cells",
    "load",
    "make_corpus",
    "read_text",
    "save",
    "shipped",
]
