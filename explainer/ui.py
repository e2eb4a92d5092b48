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
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainer import i18n, live
from explainer.lesson import TASK_SIGNAL, Run, lesson_run, network_run, task_input
from explainer.signals import SIGNALS

# Limits keep every computation well under a second on two cores.
MAX_HIDDEN, MAX_LAYERS, MAX_STEPS = 64, 3, 200
DEFAULT_STEPS = 100  # the length the shipped networks were trained on (their task's lag)
CELLS = ("rnn", "lstm", "gru")
INPUT_SIGNALS = (TASK_SIGNAL, *SIGNALS)  # an example of the task first, then the plain signals


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
    url_key: str | None = None,
    to_url: Callable[[Any], Any] | None = None,
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
    warning. So the widget gets no default of its own: session state holds it.

    `url_key` names the setting in the URL when it differs from the session key (one setting
    shown by a widget on each page); `to_url` maps the value to what the URL holds (an option
    that cannot be shared writes the one it stands for)."""
    url_key = url_key or key
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
        raw = st.query_params.get(url_key)
        wanted = None if raw is None else _from_url(raw, default, kw, canon)
        if wanted is not None:
            st.session_state[key] = wanted
    st.session_state.setdefault(key, default)
    value = widget(label, key=key, persist_state="session", **kw)
    shown = canon(value) if canon is not None else value
    if to_url is not None:
        shown = to_url(shown)
    if shown is None or _same(shown, default):
        st.query_params.pop(url_key, None)
    else:
        st.query_params[url_key] = _to_url(shown)
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


def network_controls(
    where=st.sidebar, *, cell: bool = True, default_cell: str = "rnn", page: str | None = None
) -> dict:
    """The sidebar's network and input controls; returns their values. On a lesson page (`page`)
    the weight knobs (hidden size, layers, weight scale, seed) switch that page's network chooser
    to the untrained network when moved; the input knobs (length, signal) apply to every network."""

    def knob(name: str) -> dict[str, Any]:
        return {} if page is None else {"on_change": weights_changed, "args": (page, name)}

    s: dict[str, Any] = {}
    if cell:
        s["cell"] = cell_select(default=default_cell, where=where)
    s["hidden"] = bound(
        where.slider,
        t("hidden"),
        "hidden",
        min_value=1,
        max_value=MAX_HIDDEN,
        value=8,
        **knob("hidden"),
    )
    s["layers"] = bound(
        where.slider,
        t("layers"),
        "layers",
        min_value=1,
        max_value=MAX_LAYERS,
        value=1,
        **knob("layers"),
    )
    s["steps"] = bound(
        where.slider, t("steps"), "steps", min_value=1, max_value=MAX_STEPS, value=DEFAULT_STEPS
    )
    s["signal"] = bound(
        where.selectbox,
        t("signal"),
        "signal",
        options=list(INPUT_SIGNALS),
        index=0,
        format_func=lambda k: t(f"sig_{k}"),
    )
    s["scale"] = bound(
        where.slider,
        t("scale"),
        "scale",
        min_value=0.1,
        max_value=3.0,
        value=1.0,
        step=0.1,
        **knob("scale"),
    )
    s["seed"] = bound(
        where.number_input,
        t("seed"),
        "seed",
        min_value=0,
        max_value=9999,
        value=0,
        step=1,
        **knob("seed"),
    )
    if page is not None and st.session_state.get(f"net_{page}", default_net(page)) != "untrained":
        where.caption(t("weights_fixed"))
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
    task: str | None = None,
    example: int = 0,
    net: str = "untrained",
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
        task=task,
        example=example,
        net=net,
    )


RUN_SETTINGS = ("cell", "hidden", "layers", "steps", "signal", "seed", "scale", "task", "example")
WEIGHT_KNOBS = {  # lesson_run's arguments that change the weights, at their untrained defaults
    "hidden": 8,
    "layers": 1,
    "seed": 0,
    "scale": 1.0,
    "radius": None,
    "fbias": 0.0,
    "nonlinearity": "tanh",
}


def _run_args(s: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """lesson_run's arguments for this page's settings: a shipped network ignores the weight
    knobs (set to their defaults, so one cached run serves every value of them)."""
    args = {k: s[k] for k in RUN_SETTINGS if k in s}
    args.update(overrides)
    args["scale"] = round(float(args["scale"]), 4)
    net = s.get("net", "untrained")
    if net == "trained":
        args.update(WEIGHT_KNOBS, net="trained")
    return args


@dataclass(frozen=True)
class PageRun:
    """A lesson page's run, with what the page derives from the same arguments: the key its
    figures are memoised under and the `lesson_run(...)` call that recomputes it in a notebook."""

    run: Run
    key: tuple  # the arguments, sorted: equal for equal runs; (LIVE, ...) for a live network
    code: str  # e.g. "lesson_run('rnn', hidden=8, ..., radius=0.9)"


def page_run(s: Mapping[str, Any], **overrides: Any) -> PageRun:
    """The run of the page's settings `s` (the sidebar's and the network chooser's) with the
    page's own knobs (`overrides`). Shipped and untrained networks are cached and shared across
    sessions; a network being trained in this session is computed from its current weights (or
    the snapshot scrubbed to) and never shared: its key holds `LIVE`."""
    args = _run_args(s, overrides)
    if s.get("net") == "live":
        run = _live_run(s, args)
        key = (LIVE, tuple(sorted(args.items())), run.trained_steps, id(run))
    else:
        run = cached_run(**args)
        key = tuple(sorted(args.items()))
    return PageRun(run, key, _run_code(s, overrides))


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


def _is_live(key: Any) -> bool:
    return key is LIVE or (isinstance(key, tuple) and any(_is_live(k) for k in key))


def memo_figure(key: tuple, build: Callable[[], Any], max_entries: int = 256) -> Any:
    """A figure built once per key (language and presentation mode are part of every key) and
    shared across sessions; figures are only ever read after they are built (`freeze`). A key
    holding a live run's key (`LIVE`) is built every time: its weights change and belong to one
    session."""
    if _is_live(key):
        return build()
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


def reach_text(n: int | None, steps: int) -> str:
    """A `steps_of_signal` count as the pages show it: the number, or "all T−1" (back to t = 0)."""
    return t("reach_all", back=steps - 1) if n is None else str(n)


# --- gradient check, overflow, export -----------------------------------------------------------
GRADCHECK_STEPS, GRADCHECK_ENTRIES, GRADCHECK_TOL = 30, 12, 1e-5  # the in-app check's extent


def overflow_note(run: Run) -> None:
    if not run.grads.finite:
        st.warning(t("overflow"))


def gradient_check(run: Run, key: str) -> None:
    """A live finite-difference check of the backward pass that produced this page's gradients."""
    from explainer.gradcheck import gradcheck_table

    steps = min(run.x.shape[0], GRADCHECK_STEPS)  # a short prefix keeps the check interactive
    with st.expander(t("gradcheck")):
        st.caption(
            t(
                "gradcheck_explain",
                steps=steps,
                entries=GRADCHECK_ENTRIES,
                tol=f"{GRADCHECK_TOL:.0e}".replace("e-0", "e-"),  # 1e-5, not 1e-05
            )
        )
        if not st.button(t("gradcheck_run"), key=f"gradcheck_{key}"):
            return
        if not run.grads.finite:
            st.info(t("gradcheck_inf"))
            return
        with st.spinner(t("gradcheck")):
            table = gradcheck_table(run.model, run.x[:steps], max_entries=GRADCHECK_ENTRIES)
        worst = max(table.values())
        st.metric(t("gradcheck_worst"), f"{worst:.1e}")
        ok = worst < GRADCHECK_TOL
        (st.success if ok else st.error)(t("gradcheck_ok" if ok else "gradcheck_bad"))
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


def _run_code(s: Mapping[str, Any], overrides: Mapping[str, Any]) -> str:
    """The `lesson_run(...)` call that recomputes this view (settings, then the page's knobs); for
    a network being trained in this session, the call of the network it started from."""
    args = _run_args({**s, "net": s.get("origin", s.get("net"))}, overrides)
    if args.get("net") == "trained":  # the weight knobs do not apply (hidden, layers: positional)
        args = {k: v for k, v in args.items() if k not in WEIGHT_KNOBS or k in ("hidden", "layers")}
    cell = args.pop("cell")
    call = f"lesson_run({cell!r}, " + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"
    if s.get("net") == "live":
        call += "  # then trained live in the session: the weights are not in the link"
    return call


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


# --- lesson networks: the chooser, and training live in the session ------------------------------
NETS = ("trained", "untrained", "live")  # what the chooser offers; "live" never goes in the URL
TICK_S = 0.2  # a Play tick every 0.2 s: 5 redraws a second
TICK_TRAIN_S = 0.08  # the training part of a tick: steps until this is spent (at least one)
PLAY_IDLE_S = 120.0  # Play pauses itself after this long without a click on the page
MAX_LIVE = 6  # live networks kept per session (the oldest goes first)
LIVE_BATCH = 16  # sequences per live training step (half the shipped networks' 32: cheaper ticks)
STEP_K = 10  # training steps of one click on Step (one snapshot interval)


NET_DEFAULTS = {"unroll": "untrained", "gradients": "untrained"}  # the others open trained


def default_net(page: str) -> str:
    """What a lesson page's chooser opens on: pages 1-2 untrained (they say why), 3-6 trained."""
    return NET_DEFAULTS.get(page, "trained")


def weight_knob(page: str, name: str) -> dict[str, Any]:
    """Keyword arguments of a widget that changes the weights: moving it switches the page's
    chooser from a trained (or live) network to the untrained one, and says so."""
    return {"on_change": weights_changed, "args": (page, name)}


def weights_changed(page: str, name: str) -> None:
    key = f"net_{page}"
    if st.session_state.get(key, default_net(page)) != "untrained":
        st.session_state[key] = "untrained"
        st.session_state["_weights_note"] = (page, name)


def _url_rejects(url_key: str, session_key: str, options: tuple[str, ...]) -> str | None:
    """The value of `url_key` in the link when it names none of `options` (checked once per
    session and widget, as `_bound` reads it); it is dropped from the URL."""
    if session_key in st.session_state.get("_url_loaded", set()):
        return None
    wanted = st.query_params.get(url_key)
    if wanted is None or wanted in options:
        return None
    st.query_params.pop(url_key, None)
    return wanted


def shipped_problem(cell: str, task: str) -> str | None:
    """Why the network trained on `task` cannot be shown (None when it loads)."""
    from explainer.lesson import load_shipped

    try:
        load_shipped(cell, task)
    except ValueError as e:  # trained.TrainedNetworkError: a missing or corrupt file
        kind = getattr(e, "kind", "corrupt")
        return t(f"shipped_{kind}", name=getattr(e, "name", cell))
    return None


def lesson_settings(page: str, cells: tuple[str, ...] | None = None) -> dict:
    """The settings of a lesson page: the sidebar's, then the network chooser (trained on a
    task, untrained, or being trained now in this session), the task and the example. The
    chooser's shipped/untrained choice and the task live in the URL (`net`, `task`); a live run
    stays in the session, and its link names the network it started from."""
    from explainer.tasks import TASKS

    s = settings()
    s["page"] = page
    default = default_net(page)
    cells = cells or (s["cell"],)
    board = _board()
    if board.page != page:  # a page left while training does not train on
        board.pause()
        board.page = page
    board.touched = time.monotonic()
    bad = []
    for url_key, session_key, options in (
        ("net", f"net_{page}", NETS[:2]),
        ("task", "task", tuple(TASKS)),
    ):
        wanted = _url_rejects(url_key, session_key, options)
        if wanted is not None:
            bad.append(t("bad_link_value", name=url_key, value=wanted))
    if st.query_params.get("snap") is not None:
        bad.append(t("bad_link_snap"))
        st.query_params.pop("snap", None)
    c1, c2, c3 = st.columns([5, 3, 2])
    s["task"] = bound(
        c2.selectbox,
        t("task"),
        "task",
        options=list(TASKS),
        format_func=lambda k: t(f"task_{k}"),
    )
    origin_key = f"origin_{page}"
    net = bound(
        c1.radio,
        t("network"),
        f"net_{page}",
        url_key="net",
        to_url=lambda v: st.session_state.get(origin_key, default) if v == "live" else v,
        options=list(NETS),
        index=NETS.index(default),
        format_func=lambda n: t(f"net_{n}", task=t(f"task_{s['task']}")),
        horizontal=True,
    )
    s["example"] = bound(
        c3.number_input, t("example"), "example", min_value=0, max_value=9999, value=0, step=1
    )
    if bad:
        st.warning(t("bad_link", what="; ".join(bad)))
    note = st.session_state.pop("_weights_note", None)
    if note and note[0] == page:
        st.info(t("weights_switched", knob=t(f"knob_{note[1]}")))
    if net != "live":
        st.session_state[origin_key] = net
    s["origin"] = st.session_state.get(origin_key, default)
    if s["origin"] == "trained":
        problems = {c: shipped_problem(c, s["task"]) for c in cells}
        problems = {c: p for c, p in problems.items() if p}
        if problems:
            what = "; ".join(f"{c.upper()}: {p}" for c, p in problems.items())
            st.error(t("shipped_broken", what=escape_md(what)))
            s["origin"] = "untrained"
            net = "untrained" if net == "trained" else net
    s["net"] = net
    return s


@dataclass
class LessonLive:
    """This session's live networks on the lesson pages. The trainers are trained by a job on
    the server's training queue (`explainer.live`; `board`, while Play runs) and read by the
    page's views: both under `lock`."""

    page: str = ""
    board: live.Board | None = None  # the Play job's board (None: never played)
    view: int | None = None  # the snapshot shown (None: the current weights)
    touched: float = 0.0  # monotonic time of the last full run of a lesson page (a click)
    note: str | None = None  # why Play stopped on its own
    trainers: OrderedDict = field(default_factory=OrderedDict)  # origin key -> Trainer
    used: dict = field(default_factory=dict)  # page -> origin keys its last render showed
    untrainable: set = field(default_factory=set)  # pages whose network has several layers
    runs: dict = field(default_factory=dict)  # (origin key, step, view, view args) -> Run
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def playing(self) -> bool:
        return self.board is not None and self.board.active

    def pause(self) -> None:
        if self.board is not None:
            self.board.stop()


def _board() -> LessonLive:
    board = st.session_state.get("_lesson_live")
    if not isinstance(board, LessonLive):
        board = st.session_state["_lesson_live"] = LessonLive()
    return board


INPUT_KNOBS = ("steps", "signal", "example", "variant")  # what a live view may change freely


def _trainer(s: Mapping[str, Any], args: Mapping[str, Any]):
    """The session's trainer for this network (made from the chooser's origin on first use), or
    None with the reason when it cannot train (more than one layer)."""
    from explainer.trainer import Trainer

    board = _board()
    origin = {k: v for k, v in args.items() if k not in INPUT_KNOBS or k == "steps"}
    origin["variant"] = "standard"
    origin["signal"] = TASK_SIGNAL
    origin["example"] = 0
    if s["origin"] == "trained":
        origin.update(WEIGHT_KNOBS, net="trained")
    else:
        origin["net"] = "untrained"
    key = tuple(sorted(origin.items()))
    board.used.setdefault(s["page"], [])
    if key not in board.used[s["page"]]:
        board.used[s["page"]].append(key)
    if key in board.trainers:
        board.trainers.move_to_end(key)
        return key, board.trainers[key]
    start = cached_run(**origin)
    if start.model.num_layers != 1:
        board.untrainable.add(s["page"])
        return key, None
    board.untrainable.discard(s["page"])
    trainer = Trainer(
        start.model,
        start.readout,
        origin["task"],
        T=int(min(max(origin["steps"], 2), MAX_STEPS)),
        batch=LIVE_BATCH,
        seed=int(origin["seed"]),
    )
    board.trainers[key] = trainer
    while len(board.trainers) > MAX_LIVE:
        board.trainers.popitem(last=False)
    return key, trainer


def _live_run(s: Mapping[str, Any], args: Mapping[str, Any]) -> Run:
    """A run of this session's live network: its current weights, or the snapshot scrubbed to."""
    key, trainer = _trainer(s, args)
    if trainer is None:  # cannot train: show the network it would start from
        return cached_run(**{**args, "net": s["origin"]})
    board = _board()
    with board.lock:
        n = len(trainer.snapshots)
        view = board.view if board.view is not None and board.view < n else None
        step = trainer.steps if view is None else trainer.snapshots[view].step
        memo = (key, trainer.steps, view, tuple(args[k] for k in INPUT_KNOBS if k in args))
    if memo in board.runs:
        return board.runs[memo]
    with board.lock:  # the Play job writes these arrays in place
        if view is None:
            model, readout = trainer.model.with_params(), trainer.readout.copy()
        else:
            model, readout = trainer.network_at(view)
    if args.get("variant", "standard") != "standard":
        model = model.with_params(variant=args["variant"])
    x, markers, target = task_input(args["task"], args["signal"], args["steps"], args["example"])
    run = network_run(
        model,
        x,
        readout,
        task=args["task"],
        markers=markers,
        target=target,
        net="live",
        trained_steps=step,
    )
    if len(board.runs) > 64:
        board.runs.clear()
    board.runs[memo] = run
    return run


def play_tick(trainers: list, lock: threading.RLock, most: int | None = None) -> int:
    """The training share of one Play tick: steps round-robin over the page's networks until
    TICK_TRAIN_S is spent (at least one each; at most `most`), under `lock` one step at a time so
    that a redraw never waits long; returns the steps taken (0 once one has diverged)."""
    done, t0 = 0, time.perf_counter()
    while most is None or done < most:
        with lock:
            if any(tr.diverged for tr in trainers):
                break
            for tr in trainers:
                tr.step(1)
        done += 1
        if time.perf_counter() - t0 >= TICK_TRAIN_S:
            break
    return done


def _play_job(trainers: list, lock: threading.RLock, steps: int | None = None):
    """The job Play (or Step: `steps` steps) puts on the training queue: a `play_tick`, a
    report, and a rest until the tick's TICK_S are up, so a Play takes a bounded share of a core
    and the views redraw between ticks. Ends on the board's stop or a divergence."""

    def job(board: live.Board) -> None:
        done = 0
        while not board.stopping and (steps is None or done < steps):
            t0 = time.perf_counter()
            k = play_tick(trainers, lock, None if steps is None else steps - done)
            done += k
            board.report()
            if k == 0 or any(tr.diverged for tr in trainers):
                return
            if steps is None:
                time.sleep(max(0.0, TICK_S - (time.perf_counter() - t0)))

    return job


def _page_trainers(page: str) -> list:
    """The live networks this page showed in its last render (the ones Play trains)."""
    return _page_trainers_of(_board(), page)


def _page_trainers_of(board: LessonLive, page: str) -> list:
    return [board.trainers[k] for k in board.used.get(page, []) if k in board.trainers]


def _from_view(board: LessonLive, trainers: list) -> None:
    """Training on from a scrubbed snapshot continues from there (the later history goes)."""
    if board.view is not None:
        for tr in trainers:
            if board.view < len(tr.snapshots) - 1:
                tr.restore(board.view)
    board.view = None


def _start(page: str, steps: int | None) -> None:
    board = _board()
    trainers = _page_trainers(page)
    board.pause()
    with board.lock:
        _from_view(board, trainers)
    board.note = None
    if not trainers or any(tr.diverged for tr in trainers):
        board.note = t("live_diverged", why=trainers[0].diverged) if trainers else None
        return
    board.board = train_live(
        "_lesson_board",
        _play_job(trainers, board.lock, steps),
        page,
        label=f"lesson-{page}",
        idle_after=PLAY_IDLE_S,
    )
    if steps is not None:  # Step waits for its few steps (bounded: STEP_K steps)
        board.board.wait(10.0)
    _diverged_note(board, trainers)


def _diverged_note(board: LessonLive, trainers: list) -> None:
    diverged = [tr.diverged for tr in trainers if tr.diverged]
    if diverged:
        board.note = t("live_diverged", why=diverged[0])


def _on_play(page: str) -> None:
    _start(page, None)


def _on_pause() -> None:
    _board().pause()


def _on_step(page: str) -> None:
    _start(page, STEP_K)


def _on_reset(page: str) -> None:
    board = _board()
    board.pause()
    if board.board is not None:
        board.board.wait(2.0)
    with board.lock:
        board.view, board.note = None, None
        for tr in _page_trainers(page):
            tr.reset()


def _on_scrub(page: str) -> None:
    board = _board()
    j = st.session_state.get(f"live_view_{page}")
    trainers = _page_trainers(page)
    n = min((len(tr.snapshots) for tr in trainers), default=0)
    latest = trainers and j == n - 1 and trainers[0].steps == trainers[0].snapshots[-1].step
    board.view = None if j is None or latest else int(j)


def live_controls(s: Mapping[str, Any]) -> None:
    """Play / Pause, Step, Reset and the history scrubber of the page's live networks. Clicks act
    in callbacks, before the script reruns, so the views drawn next show their effect; Play and
    Pause rerun the whole page, which starts or stops the live redraws."""
    if s.get("net") != "live":
        return
    page = s["page"]
    board = _board()
    trainers = _page_trainers(page)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 5])
    if board.playing:
        c1.button(t("live_pause"), key="live_pause", type="primary", on_click=_on_pause)
    else:
        c1.button(t("live_play"), key="live_play", type="primary", on_click=_on_play, args=(page,))
    c2.button(
        t("live_step"), key="live_step", disabled=board.playing, on_click=_on_step, args=(page,)
    )
    c3.button(t("live_reset"), key="live_reset", on_click=_on_reset, args=(page,))
    n = min((len(tr.snapshots) for tr in trainers), default=0)
    if not board.playing and n > 1:
        steps = [snap.step for snap in trainers[0].snapshots[:n]]
        key = f"live_view_{page}"
        st.session_state[key] = n - 1 if board.view is None else min(board.view, n - 1)
        c4.select_slider(
            t("live_history"),
            options=list(range(n)),
            format_func=lambda j: t("live_snapshot", step=steps[j]),
            key=key,
            on_change=_on_scrub,
            args=(page,),
        )
    if page in board.untrainable:
        st.info(t("live_layers"))
    if board.note:
        st.warning(board.note)


def lesson_view(s: Mapping[str, Any], body: Callable[[], None]) -> None:
    """Draw the page's views (`body`): once, or, while a live network plays, again every TICK_S
    inside a fragment, each time after a bounded share of training, so every view follows the
    current weights. The redraws stop with Pause, on leaving the page, when the tab closes (the
    browser asks for them) and after PLAY_IDLE_S without a click."""
    board = _board()
    live = s.get("net") == "live"
    playing = live and board.playing

    @st.fragment(run_every=TICK_S if playing else None)
    def view() -> None:
        if live:
            _live_status(s, board, playing)
        body()

    view()


def _live_status(s: Mapping[str, Any], board: LessonLive, redrawing: bool) -> None:
    """Inside the fragment: tell the Play job a viewer is there, stop it after PLAY_IDLE_S without
    a click, end the redraws once it has settled; then the step counter and the losses."""
    trainers = _page_trainers(s["page"])
    job = board.board
    if job is not None and job.active:
        job.seen()
        if time.monotonic() - board.touched > PLAY_IDLE_S:
            job.stop()
            board.note = t("live_idle", seconds=int(PLAY_IDLE_S))
        if job.status == "queued":
            running, _ = live.QUEUE.counts()
            st.info(
                t("live_queued", position=job.position, running=running, limit=live.QUEUE.limit)
            )
    elif redrawing:  # the job settled (idle, diverged, stopped): end the redraws
        st.rerun(scope="app")
    with board.lock:
        _diverged_note(board, trainers)
        step = trainers[0].steps if trainers else 0
        scrubbed = board.view is not None and bool(trainers)
        if scrubbed:  # a kept snapshot: its step and its held-out metric, as stored
            snaps = [tr.snapshots[min(board.view, len(tr.snapshots) - 1)] for tr in trainers]
            step = snaps[0].step
            shown = [
                (tr.model.cell, snap.metric, tr.task)
                for tr, snap in zip(trainers, snaps, strict=True)
            ]
        else:
            shown = [
                (tr.model.cell, tr.losses[-1] if tr.losses else None, tr.task) for tr in trainers
            ]
    cols = st.columns(max(len(trainers), 1) + 1)
    cols[0].metric(t("live_steps"), f"{step}", help=t("live_steps_help"))
    for col, (cell, value, task) in zip(cols[1:], shown, strict=False):
        col.metric(
            t("live_metric" if scrubbed else "live_loss", cell=t(f"cell_{cell}")),
            "–" if value is None else f"{value:.4f}",
            help=t("live_loss_help", baseline=f"{task.baseline:.3f}"),
        )


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


def input_figure(pr: PageRun, name: str, sensitivity: Mapping[str, PageRun] | None = None) -> None:
    """The input row: the example the page's networks read, its markers, target and output; with
    `sensitivity`, ‖∂y/∂x_t‖ of each of those runs painted under it."""
    run = pr.run
    if run.task is None:
        return
    from explainer import figures

    runs = sensitivity or {}
    key = ("input", pr.key, tuple((k, p.key) for k, p in runs.items()), name)

    def build():
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
