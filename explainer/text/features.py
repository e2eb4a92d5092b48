"""Features of a text and "find cells" (see `explainer.text`): `FEATURES` names what each
character's state may track (quotes, brackets, line position, ...), `find_cells` ranks the units
of a trace by Pearson's r with one, and a unit "follows" a feature when |r| >= `READABLE_R`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explainer.cells import CELL_NAMES
from explainer.trace import CELL_GATES, Trace

READABLE_R = 0.5  # a unit "follows" a feature when |r| >= this


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


# a feature listed here applies only to text that has one of its marks (the others, to any text)
MARKS: dict[str, str] = {"to_full_stop": FULL_STOPS}


def applicable(chars: Any) -> list[str]:
    """The features that apply to a text with these characters (a model's vocabulary, say):
    "characters to the next 。！？" only where one of 。！？ can occur, not in Python source."""
    have = set(chars)
    return [n for n in FEATURES if n not in MARKS or have & set(MARKS[n])]


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
            f"unknown kind {unit.kind!r} for a {CELL_NAMES[trace.cell]}: {kinds_of(trace.cell)}"
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
