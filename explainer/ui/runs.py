"""The lesson's computations, cached and shared across sessions, and the figures built from them.

Computations are cached with `st.cache_resource`: traces are immutable, so one cached object
serves every session without copies, and nothing a session does can change another session's
results. Figures are memoised the same way (`memo_figure`), except those of a network being
trained in one session (`LIVE`).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import live
from explainer.lesson import Run, lesson_run
from explainer.signals import SIGNALS
from explainer.ui.controls import CELLS
from explainer.ui.core import fig_kw, lang, plot, presentation, t


# --- cold start ----------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Imports and first uses that every session needs, done once before any page code runs.

    app.py calls this first; `st.cache_resource` lets one session compute it while every other
    session waits at the call. Without it, concurrent first sessions fail: Streamlit imports
    pandas and pyarrow lazily, inside one session's thread (`st.dataframe`), while Plotly's
    validators and JSON encoder find pandas with `sys.modules.get` (`get_module(...,
    should_load=False)`), which bypasses the import lock and returns the half-imported module to
    another session (`partially initialized module 'pandas' has no attribute 'Series'`).
    Building and serialising one figure of each kind, as `st.plotly_chart` does, also fills
    Plotly's validator cache (not thread-safe) before the sessions run side by side. It also
    keeps NumPy's BLAS to one thread for the whole server (`live.one_blas_thread`), and says so
    in the server's log."""
    blas = live.one_blas_thread()
    print(f"rnn-explainer: NumPy's BLAS threads: {blas}", file=sys.stderr, flush=True)
    import pandas  # noqa: F401 -- fully imported before any session can look it up
    import plotly.io
    import pyarrow  # noqa: F401 -- Streamlit's dataframes; narwhals looks it up the same way

    from explainer import figures

    runs = {c: lesson_run(c, 2, 1, 3, next(iter(SIGNALS))) for c in CELLS}
    lstm = runs["lstm"]
    built = [
        figures.unrolled_figure(lstm.trace, lstm.grads),
        figures.gate_heatmaps_figure(lstm.trace),
        figures.saturation_figure(lstm.trace),
        figures.gradient_decay_figure(
            {c: (r.trace, r.grads) for c, r in runs.items()},
            jacobians={c: r.jacobians for c, r in runs.items()},
        ),
        figures.forget_product_figure(lstm.trace, rnn_jacobians={"rnn": runs["rnn"].jacobians}),
        figures.reach_figure([0.5, 1.0], {"rnn": [1, 2]}, steps=3),
        *(figures.cell_figure(r.trace, 1) for r in runs.values()),
        figures.sequence_figure(
            lstm.x, markers=np.arange(3) == 0, target=1.0, sensitivity={"lstm": np.ones(3)}
        ),
    ]
    for fig in built:
        plotly.io.to_json(fig, validate=False)
    return True


# --- cached computations -------------------------------------------------------------------------
cached_run = st.cache_resource(max_entries=256, show_spinner=False)(lesson_run)
"""`lesson_run`, shared across sessions (a Run is immutable): the same arguments, one cache."""


WEIGHT_KNOBS = {  # lesson_run's arguments that change the weights, at their untrained defaults
    "hidden": 8,
    "layers": 1,
    "seed": 0,
    "scale": 1.0,
    "radius": None,
    "fbias": 0.0,
    "nonlinearity": "tanh",
}


@dataclass(frozen=True)
class PageRun:
    """A lesson page's run, with what the page derives from the same arguments: the key its
    figures are memoised under and the `lesson_run(...)` call that recomputes it in a notebook."""

    run: Run
    key: tuple  # the arguments, sorted: equal for equal runs; (LIVE, ...) for a live network
    code: str  # e.g. "lesson_run('rnn', hidden=8, ..., radius=0.9)"


class _Live:
    """Marks a run key as this session's live run: its figures are never shared or stored."""

    def __repr__(self) -> str:
        return "LIVE"


LIVE = _Live()


@st.cache_resource(show_spinner=False)
def _figure_store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


class FrozenFigure(go.Figure):
    """A built figure that is only read from now on. `st.plotly_chart` calls `to_dict()` on every
    run: a deep copy and a base64 encoding of every array, most of a lesson page's rerun
    (`PYTHONPATH=. python benchmarks/classroom.py --profile lstm`). Here it is made once and the same dict is
    returned every time (nobody may change it)."""

    def to_dict(self) -> dict:
        frozen = self.__dict__.get("_frozen_dict")
        if frozen is None:  # two sessions at once may both make it: the same value
            frozen = super().to_dict()
            object.__setattr__(self, "_frozen_dict", frozen)
        return frozen


def freeze(fig: Any) -> Any:
    """`fig` (a `go.Figure`), read-only from now on, with its `to_dict()` made once."""
    if type(fig) is go.Figure:
        fig.__class__ = FrozenFigure
    return fig


def _is_live(key: Any) -> bool:
    return key is LIVE or (isinstance(key, tuple) and any(_is_live(k) for k in key))


class Same:
    """A key part equal only to itself (a live Run: its arrays are not hashable), which keeps
    what it names alive as long as the key, so no other object can take its id."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __repr__(self) -> str:
        return f"Same({type(self.obj).__name__})"


LIVE_FIGURES = 12  # a session's figures of its live networks kept (a redraw reuses a held one)


def memo_figure(key: tuple, build: Callable[[], Any], max_entries: int = 256) -> Any:
    """A figure built once per key (language and presentation mode are part of every key) and
    shared across sessions; figures are only ever read after they are built (`freeze`). A key
    holding a live run's key (`LIVE`) is kept in its session only (its weights change and belong
    to that session), the last LIVE_FIGURES of them: a view that Play holds (`ui.held`) sends
    the same chart again."""
    key = (key, lang(), presentation())
    if _is_live(key):
        store = st.session_state.setdefault("_live_figures", OrderedDict())
        if key in store:
            store.move_to_end(key)
            return store[key]
        fig = store[key] = freeze(build())
        while len(store) > LIVE_FIGURES:
            store.popitem(last=False)
        return fig
    store, lock = _figure_store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    fig = freeze(build())
    with lock:
        store[key] = fig
        while len(store) > max_entries:
            store.popitem(last=False)
    return fig


def reach_text(n: int | None, steps: int) -> str:
    """A `steps_of_signal` count as the pages show it: the number, or "all T−1" (back to t = 0)."""
    return t("reach_all", back=steps - 1) if n is None else str(n)


def _shipped_manifest(cell: str, task: str) -> Mapping[str, Any]:
    from explainer.lesson import load_shipped

    return load_shipped(cell, task).manifest


def network_note(runs: Mapping[str, Run]) -> None:
    """One sentence per network the page shows: which network it is and what it was trained for
    (computed from the run and the shipped file's manifest, never written in advance)."""
    from explainer.tasks import get_task

    lines = []
    for name, run in runs.items():
        if run.task is None:
            continue
        task = get_task(run.task)
        what = t(f"task_{run.task}")
        if run.net == "trained":
            m = _shipped_manifest(run.model.cell, run.task)
            lines.append(
                t(
                    "note_trained",
                    name=name,
                    task=what,
                    steps=run.trained_steps,
                    T=m.get("lag", "?"),
                    hidden=run.model.hidden_size,
                    metric=f"{float(m.get('metric', float('nan'))):.4f}",
                    baseline=f"{task.baseline:.3f}",
                )
            )
        elif run.net == "live":
            lines.append(t("note_live", name=name, task=what, steps=run.trained_steps))
        else:
            lines.append(t("note_untrained", name=name, task=what, hidden=run.model.hidden_size))
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))


def gate_heatmaps(pr: PageRun, name: str, *, layer: int, step: int, unit: int) -> None:
    """The gated pages' main view under its heading: every gate of `layer`, every unit, every
    step, with the cell diagram's cursor (`step`, `unit`)."""
    from explainer import figures

    st.subheader(t("heatmaps"))
    plot(
        memo_figure(
            ("heatmaps", pr.key, layer, step, unit),
            lambda: figures.gate_heatmaps_figure(
                pr.run.trace, layer=layer, t=step, unit=unit, **fig_kw()
            ),
        ),
        name,
    )


def input_figure(pr: PageRun, name: str, sensitivity: Mapping[str, PageRun] | None = None) -> None:
    """The input row: the example the page's networks read, its markers, target and output; with
    `sensitivity`, ‖∂y/∂x_t‖ of each of those runs painted under it."""
    run = pr.run
    if run.task is None:
        return
    from explainer import figures

    runs = sensitivity or {}
    key = ("input", pr.key, tuple((k, p.key) for k, p in runs.items()), name)

    def build() -> go.Figure:
        return figures.sequence_figure(
            run.x,
            markers=run.markers,
            task=t(f"task_{run.task}"),
            target=run.target,
            output=None if sensitivity else run.output,
            sensitivity={k: p.run.connectivity for k, p in runs.items()} or None,
            **fig_kw(),
        )

    plot(memo_figure(key, build), name)
