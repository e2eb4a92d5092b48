"""Text input, the capped vocabulary and the baselines of the text lab (see `explainer.text`):
`read_text` and `clean_text` check an upload, `make_corpus` builds a `Corpus` over a `Vocabulary`,
`baselines` scores the unigram and Witten-Bell bigram on its validation text, in bits per char."""

from __future__ import annotations

import collections
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explainer.errors import CodedError

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "text"
CORPORA: dict[str, str] = {  # bundled texts (assets/README.md says where they come from)
    "python": "more_itertools.py.txt",
    "tang": "tang_poems.txt",
}
UNKNOWN = "\ufffd"  # how the unknown symbol is written out
DEFAULT_VOCAB = 2000  # characters kept in the vocabulary unless told otherwise
# the upload cap, 4 MiB: st.file_uploader counts MB as MiB (a million CJK characters is 3 MB)
MAX_TEXT_BYTES = 4 * 2**20
MAX_TEXT_CHARS = 1_000_000  # the longest text trained on (each bundled one is under 250,000)
MIN_COVERAGE = 0.5  # the vocabulary must cover at least this share of a text
MAX_CONTROL_SHARE = 0.01  # more control characters than this: binary, not text


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
