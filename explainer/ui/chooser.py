"""A lesson page's settings and its run: the sidebar's, then the network chooser (trained on a
task, untrained, or trained live in this session), the task and the example; `page_run` gives
the run, its cache key and the `lesson_run(...)` call that reproduces it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import streamlit as st

from explainer.cells import CELL_NAMES
from explainer.ui.controls import NETS, default_net, settings
from explainer.ui.core import bound, escape_md, t
from explainer.ui.play import lesson_live, live_run
from explainer.ui.runs import LIVE, WEIGHT_KNOBS, PageRun, Same, cached_run

RUN_SETTINGS = ("cell", "hidden", "layers", "steps", "signal", "seed", "scale", "task", "example")


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


def page_run(s: Mapping[str, Any], **overrides: Any) -> PageRun:
    """The run of the page's settings `s` (the sidebar's and the network chooser's) with the
    page's own knobs (`overrides`). Shipped and untrained networks are cached and shared across
    sessions; a network being trained in this session is computed from its current weights (or
    the snapshot scrubbed to) and never shared: its key holds `LIVE`."""
    args = _run_args(s, overrides)
    if s.get("net") == "live":
        run = live_run(s, args)
        key = (LIVE, tuple(sorted(args.items())), run.trained_steps, Same(run))
    else:
        run = cached_run(**args)
        key = tuple(sorted(args.items()))
    return PageRun(run, key, _run_code(s, overrides))


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
    board = lesson_live()
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
            what = "; ".join(f"{CELL_NAMES[c]}: {p}" for c, p in problems.items())
            st.error(t("shipped_broken", what=escape_md(what)))
            s["origin"] = "untrained"
            net = "untrained" if net == "trained" else net
    s["net"] = net
    return s
