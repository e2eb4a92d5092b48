"""Streamlit helpers shared by `app.py` and the pages: settings, translation, cached runs, widgets.

The only core module that imports Streamlit. Every setting is a widget whose key is also its name in
the URL query string (`bound`), so a teacher's link reproduces the exact view; a value in the URL
that the widget does not offer is ignored and the default is used. Computations are
cached with `st.cache_resource`: traces are immutable, so one cached object serves every session
without copies, and nothing a session does can change another session's results.
"""

from __future__ import annotations

import inspect
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import i18n, live
from explainer.lesson import Run, lesson_run
from explainer.signals import SIGNALS

# Limits keep every computation well under a second on two cores.
MAX_HIDDEN, MAX_LAYERS, MAX_STEPS = 64, 3, 200
CELLS = ("rnn", "lstm", "gru")


def lang() -> str:
    return st.session_state.get("lang", "en")


def presentation() -> bool:
    return bool(st.session_state.get("pres", False))


def t(key: str, **fmt: Any) -> str:
    """A shared string (`explainer.i18n.STRINGS`) in the current language."""
    s = i18n.text(key, lang())
    return s.format(**fmt) if fmt else s


def translator(table: Mapping[str, tuple[str, str]]) -> Callable[..., str]:
    """`tr = translator({"key": ("English", "中文")})`; `tr("key", n=3)` formats the chosen one."""

    def tr(key: str, **fmt: Any) -> str:
        s = i18n.pick(table[key], lang())
        return s.format(**fmt) if fmt else s

    return tr


def labels() -> Mapping[str, str] | None:
    """The figure labels for the current language (None: the figures' own English)."""
    return i18n.figure_labels(lang())


def fig_kw() -> dict[str, Any]:
    """Keyword arguments every figure builder takes: language and presentation mode."""
    return {"labels": labels(), "presentation": presentation()}


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
    Plotly's validator cache (not thread-safe) before the sessions run side by side."""
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
    ]
    for fig in built:
        plotly.io.to_json(fig, validate=False)
    return True


# --- page furniture ----------------------------------------------------------------------------
_PRESENTATION_CSS = """
<style>
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
  [data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
  [data-testid="stMain"] label p { font-size: 1.35rem !important; }
  [data-testid="stMain"] [data-testid="stCaptionContainer"],
  [data-testid="stMain"] [data-testid="stCaptionContainer"] p,
  [data-testid="stMain"] [data-testid="stTable"] { font-size: 1.2rem !important; }
  [data-testid="stMain"] h1 { font-size: 3rem !important; }
  [data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2.2rem !important; }
  [data-testid="stMain"] .katex { font-size: 1.5em !important; }
</style>
"""


def page_setup() -> None:
    """Per-run page furniture: the presentation stylesheet (our own static CSS, no user text)."""
    if presentation():
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)


def plot(fig, name: str) -> None:
    """Show a Plotly figure; its toolbar's camera icon downloads it as PNG named `name`."""
    st.plotly_chart(
        fig,
        width="stretch",
        key=f"chart_{name}",
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
        },
    )


def show_code(*functions: Callable) -> None:
    """An expander with the real source of the functions that computed what the page shows."""
    with st.expander(t("show_code")):
        for fn in functions:
            st.caption(f"{fn.__module__}.{fn.__qualname__}")
            st.code(inspect.getsource(fn), language="python")


# --- settings in the URL --------------------------------------------------------------------------
def bound(
    widget: Callable,
    label: str,
    key: str,
    *,
    canon: Callable[[str], Any] | None = None,
    **kw: Any,
) -> Any:
    """`widget(label, key=key, **kw)` whose value lives in the URL under `key`, so that a link
    reproduces the view; inside an `st.form` too, where the URL holds the submitted value.

    The default is the widget's own: `value=`, else the option at `index=` (0), else `min_value`
    (else False: a toggle). Once per session the URL's value replaces it, where it is one the widget
    offers (`_from_url`; `canon` reads and normalises a text input's, None when it is not one);
    after every run the URL holds the value, or nothing when it is the default. Streamlit's own
    binding (`bind="query-params"`) cannot do this for us: it writes a choice widget's formatted
    label (which changes with the language), does not write a value set before its widget first
    runs (a preset on another page), and a value in session state next to a widget default logs a
    warning. So the widget gets no default of its own: session state holds it."""
    if "value" in kw:
        default = kw.pop("value")
    elif "options" in kw:
        default = list(kw["options"])[kw.pop("index", 0)]
    else:
        default = kw.get("min_value", False)
    if "format_func" in kw and "options" in kw:
        # format now, in this run's language: Streamlit may call format_func again outside the run
        kw["format_func"] = frozen_format(kw["options"], kw["format_func"])
    loaded = st.session_state.setdefault("_url_loaded", set())
    if key not in loaded:
        loaded.add(key)
        raw = st.query_params.get(key)
        wanted = None if raw is None else _from_url(raw, default, kw, canon)
        if wanted is not None:
            st.session_state[key] = wanted
    st.session_state.setdefault(key, default)
    value = widget(label, key=key, persist_state="session", **kw)
    shown = canon(value) if canon is not None else value
    if shown is None or _same(shown, default):
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = _to_url(shown)
    return value


def frozen_format(options: Any, format_func: Callable[[Any], str]) -> Callable[[Any], str]:
    """A format_func fixed in this run's language: Streamlit (and AppTest) may call it again
    outside the run, where the language is unknown."""
    return {o: format_func(o) for o in options}.__getitem__


def clamp(key: str, n: int) -> None:
    """Move a cursor's value (0..n-1) that a shorter sequence no longer has to the last one."""
    if st.session_state.get(key, 0) > n - 1:
        st.session_state[key] = n - 1


def _to_url(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:.12g}" if isinstance(v, float) else str(v)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return _is_number(a) and _is_number(b) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _from_url(raw: str, default: Any, kw: Mapping[str, Any], canon: Callable | None) -> Any:
    """The value `raw` stands for, or None where the widget does not offer it: an option (by its
    URL spelling, or as a number: "1e-3" is the option 0.001), a number within the widget's
    range (whole where the default is), true/false, or the text that `canon` accepts."""
    if canon is not None:
        return canon(raw)
    if "options" in kw:
        options = list(kw["options"])
        for o in options:
            if _to_url(o) == raw:
                return o
        number = _number(raw)
        return next((o for o in options if _is_number(o) and _same(o, number)), None)
    if isinstance(default, bool):
        return {"true": True, "false": False}.get(raw.lower())
    if _is_number(default):
        number = _number(raw)
        lo, hi = kw.get("min_value", -math.inf), kw.get("max_value", math.inf)
        if number is None or not lo <= number <= hi:
            return None
        if isinstance(default, (int, np.integer)):
            return int(number) if number.is_integer() else None
        return number
    return raw


def _number(raw: str) -> float | None:
    """A finite number, or None ("nan", "inf", "1e400" and words are not one)."""
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def cell_select(
    key: str = "cell", default: str = "lstm", options: tuple[str, ...] = CELLS, where=st
) -> str:
    return bound(
        where.selectbox,
        t("cell"),
        key,
        options=list(options),
        index=list(options).index(default),
        format_func=lambda c: t(f"cell_{c}"),
    )


def network_controls(where=st.sidebar, *, cell: bool = True, default_cell: str = "rnn") -> dict:
    """The sidebar's network and input controls; returns their values."""
    s: dict[str, Any] = {}
    if cell:
        s["cell"] = cell_select(default=default_cell, where=where)
    s["hidden"] = bound(
        where.slider, t("hidden"), "hidden", min_value=1, max_value=MAX_HIDDEN, value=8
    )
    s["layers"] = bound(
        where.slider, t("layers"), "layers", min_value=1, max_value=MAX_LAYERS, value=1
    )
    s["steps"] = bound(
        where.slider, t("steps"), "steps", min_value=1, max_value=MAX_STEPS, value=40
    )
    s["signal"] = bound(
        where.selectbox,
        t("signal"),
        "signal",
        options=list(SIGNALS),
        index=0,
        format_func=lambda k: t(f"sig_{k}"),
    )
    s["scale"] = bound(
        where.slider, t("scale"), "scale", min_value=0.1, max_value=3.0, value=1.0, step=0.1
    )
    s["seed"] = bound(
        where.number_input, t("seed"), "seed", min_value=0, max_value=9999, value=0, step=1
    )
    return s


def settings() -> dict:
    """The network settings from the sidebar (rendered by app.py on every run). Pages that show a
    fixed cell type get the sidebar's cell too (for page 1), kept in the session meanwhile."""
    s = dict(st.session_state.get("_network", {}))
    s.setdefault("cell", st.session_state.get("cell", "rnn"))
    return s


def time_slider(steps: int, key: str = "t", where=st) -> int:
    """A time cursor 0..T-1; a value beyond a shortened sequence is moved to its last step."""
    if steps <= 1:
        return 0
    clamp(key, steps)
    return bound(where.slider, t("t"), key, min_value=0, max_value=steps - 1, value=0)


def index_slider(label: str, key: str, n: int, where=st) -> int:
    """A unit or layer index 0..n-1 (nothing to choose when n is 1)."""
    if n <= 1:
        return 0
    clamp(key, n)
    return bound(where.slider, label, key, min_value=0, max_value=n - 1, value=0)


def cell_cursor(s: Mapping[str, Any]) -> tuple[int, int, int]:
    """The time step, unit and layer sliders of the cell pages, side by side."""
    c1, c2, c3 = st.columns(3)
    with c1:
        t_ = time_slider(s["steps"])
    with c2:
        unit = index_slider(t("unit"), "unit", s["hidden"])
    with c3:
        layer = index_slider(t("layer"), "layer", s["layers"])
    return t_, unit, layer


# --- cached computations -------------------------------------------------------------------------
@st.cache_resource(max_entries=256, show_spinner=False)
def cached_run(
    cell: str,
    hidden: int,
    layers: int,
    steps: int,
    signal: str,
    seed: int,
    scale: float,
    radius: float | None = None,
    fbias: float = 0.0,
    variant: str = "standard",
    nonlinearity: str = "tanh",
) -> Run:
    """`lesson_run`, shared across sessions (a Run is immutable)."""
    return lesson_run(
        cell,
        hidden,
        layers,
        steps,
        signal,
        seed=seed,
        scale=scale,
        radius=radius,
        fbias=fbias,
        variant=variant,
        nonlinearity=nonlinearity,
    )


RUN_SETTINGS = ("cell", "hidden", "layers", "steps", "signal", "seed", "scale")


@dataclass(frozen=True)
class PageRun:
    """A lesson page's run, with what the page derives from the same arguments: the key its
    figures are memoised under and the `lesson_run(...)` call that recomputes it in a notebook."""

    run: Run
    key: tuple  # the arguments, sorted: equal for equal runs
    code: str  # e.g. "lesson_run('rnn', hidden=8, ..., radius=0.9)"


def page_run(s: Mapping[str, Any], **overrides: Any) -> PageRun:
    """The run of the sidebar's settings `s` with the page's own knobs (`overrides`), shared
    across sessions."""
    args = {k: s[k] for k in RUN_SETTINGS}
    args.update(overrides)
    args["scale"] = round(float(args["scale"]), 4)
    rest = {k: v for k, v in args.items() if k != "cell"}
    code = f"lesson_run({args['cell']!r}, " + ", ".join(f"{k}={v!r}" for k, v in rest.items())
    return PageRun(cached_run(**args), tuple(sorted(args.items())), code + ")")


@st.cache_resource(show_spinner=False)
def _figure_store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


class FrozenFigure(go.Figure):
    """A built figure that is only read from now on. `st.plotly_chart` calls `to_dict()` on every
    run: a deep copy and a base64 encoding of every array, most of a lesson page's rerun
    (`python benchmarks/classroom.py --profile lstm`). Here it is made once and the same dict is
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


def memo_figure(key: tuple, build: Callable[[], Any], max_entries: int = 256) -> Any:
    """A figure built once per key (language and presentation mode are part of every key) and
    shared across sessions; figures are only ever read after they are built (`freeze`)."""
    store, lock = _figure_store()
    key = (key, lang(), presentation())
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


# --- gradient check, overflow, export -----------------------------------------------------------
def overflow_note(run: Run) -> None:
    if not run.grads.finite:
        st.warning(t("overflow"))


def gradient_check(run: Run, key: str) -> None:
    """A live finite-difference check of the backward pass that produced this page's gradients."""
    from explainer.gradcheck import gradcheck_table

    with st.expander(t("gradcheck")):
        st.caption(t("gradcheck_explain"))
        if not st.button(t("gradcheck_run"), key=f"gradcheck_{key}"):
            return
        if not run.grads.finite:
            st.info(t("gradcheck_inf"))
            return
        steps = min(run.x.shape[0], 30)  # a short prefix keeps the check interactive
        with st.spinner(t("gradcheck")):
            table = gradcheck_table(run.model, run.x[:steps], max_entries=12)
        worst = max(table.values())
        st.metric(t("gradcheck_worst"), f"{worst:.1e}")
        (st.success if worst < 1e-5 else st.error)(
            t("gradcheck_ok" if worst < 1e-5 else "gradcheck_bad")
        )
        st.dataframe(
            {
                t("gradcheck_tensor"): list(table),
                t("gradcheck_error"): [f"{v:.1e}" for v in table.values()],
            },
            hide_index=True,
        )


def trace_csv(run: Run) -> bytes:
    """Long format: one row per (layer, quantity, t, unit) and its value, then gradient norms."""
    out = io.StringIO()
    out.write("layer,quantity,t,unit,value\n")
    for k, lay in enumerate(run.trace.layers):
        quantities = {**{f"gate_{n}": v for n, v in lay.gates.items()}, "h": lay.h}
        if lay.c is not None:
            quantities["c"] = lay.c
        for name, arr in quantities.items():
            T, H = arr.shape
            tt, uu = np.meshgrid(np.arange(T), np.arange(H), indexing="ij")
            for row in zip(tt.ravel(), uu.ravel(), arr.ravel(), strict=True):
                out.write(f"{k},{name},{row[0]},{row[1]},{row[2]:.17g}\n")
    last = len(run.trace.layers) - 1
    for name, norms in (("grad_h_norm", run.grads.h_norm), ("grad_c_norm", run.grads.c_norm)):
        if norms is not None:
            out.writelines(f"{last},{name},{t_},,{v:.17g}\n" for t_, v in enumerate(norms))
    return out.getvalue().encode()


def trace_npz(run: Run) -> bytes:
    arrays: dict[str, np.ndarray] = {"x": np.asarray(run.x), "grad_h_norm": run.grads.h_norm}
    for k, lay in enumerate(run.trace.layers):
        arrays[f"l{k}_h"] = lay.h
        if lay.c is not None:
            arrays[f"l{k}_c"] = lay.c
        for n, v in lay.gates.items():
            arrays[f"l{k}_gate_{n}"] = v
    if run.grads.c_norm is not None:
        arrays["grad_c_norm"] = run.grads.c_norm
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def snippet(call: str) -> str:
    """Python that reproduces the current view in a notebook with the public API."""
    return (
        "from explainer.lesson import lesson_run\n"
        "from explainer import figures\n\n"
        f"run = {call}\n"
        "figures.gate_heatmaps_figure(run.trace).show()\n"
        'figures.gradient_decay_figure({"run": (run.trace, run.grads)}).show()\n'
    )


def export(view: PageRun, key: str) -> None:
    """Downloads of the trace and the notebook snippet that reproduces it."""
    run = view.run
    with st.expander(t("export")):
        st.caption(t("png_hint"))
        c1, c2 = st.columns(2)
        # callables: the files are made only when a button is clicked, never on a rerun
        c1.download_button(
            t("export_csv"),
            lambda: trace_csv(run),
            file_name="trace.csv",
            mime="text/csv",
            key=f"csv_{key}",
            on_click="ignore",
        )
        c2.download_button(
            t("export_npz"),
            lambda: trace_npz(run),
            file_name="trace.npz",
            mime="application/octet-stream",
            key=f"npz_{key}",
            on_click="ignore",
        )
        st.caption(t("export_snippet"))
        st.code(snippet(view.code), language="python")


# --- forecast page -------------------------------------------------------------------------------
def escape_md(text: str) -> str:
    """`text` with every Markdown (and Streamlit directive) character backslash-escaped, for
    messages that echo user text (file and column names) in `st.error`, `st.caption` and friends:
    they are shown literally, never as formatting, links, maths or colour directives."""
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&])", r"\\\1", str(text))


# --- live training (the Streamlit side of explainer.live) ------------------------------------
def _session_id() -> str:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


def _alive(session_id: str) -> Callable[[], bool] | None:
    """Is this browser tab's session still connected? (None where there is no server: AppTest.)"""
    from streamlit.runtime import Runtime

    if not session_id or not Runtime.exists():
        return None
    runtime = Runtime.instance()
    return lambda: runtime.is_active_session(session_id)


def train_live(
    key: str,
    job: Callable[[live.Board], None],
    record: Any,
    *,
    label: str = "",
    idle_after: float | None = None,
) -> live.Board:
    """Queue `job` on the server's training queue for this session (stopping the session's
    previous training) and keep its board in `st.session_state[key]`; see `explainer.live`."""
    sid = _session_id()
    board = live.submit(
        job, record, owner=sid, label=label, alive=_alive(sid), idle_after=idle_after
    )
    st.session_state[key] = board
    return board


def follow(
    board: live.Board,
    draw: Callable[[live.Board], None],
    *,
    stop_where: Any = None,
    every: float = 0.25,
) -> live.Board:
    """Show `board` until it settles, then return it: a Stop button (in `stop_where`), the queue
    position while it waits, and `draw(board)` (the page's progress view) whenever the job has
    reported something new. A click elsewhere ends this script run, not the training: the next run
    calls `follow` again. Drawing reads the record; only the job writes it."""
    if board.settled:
        return board
    stop_slot = (stop_where if stop_where is not None else st).empty()
    stop_slot.button(
        t("live_stop"), key=f"live_stop_{board.id}", icon=":material/stop:", on_click=board.stop
    )
    view = st.empty()
    drawn = None
    while not board.settled:
        board.seen()
        now = (board.version, board.status, board.stopping)
        if now == drawn:
            st.session_state.get("_live")  # a yield point: a click ends this run here
        else:
            drawn = now
            with view.container():
                if board.stopping:
                    st.caption(t("live_stopping"))
                elif board.status == "queued":
                    running, _ = live.QUEUE.counts()
                    st.info(
                        t(
                            "live_queued",
                            position=board.position,
                            running=running,
                            limit=live.QUEUE.limit,
                        )
                    )
                else:
                    draw(board)
        board.wait(every)
    stop_slot.empty()
    view.empty()
    return board
