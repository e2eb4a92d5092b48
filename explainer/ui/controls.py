"""The sidebar's network controls and the cursors of the lesson pages (time step, unit, layer),
and which network a lesson page's chooser opens on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from explainer.cells import CELLS
from explainer.lesson import TASK_SIGNAL
from explainer.signals import SIGNALS
from explainer.ui.core import Where, bound, clamp, t

# Limits keep every computation well under a second on two cores.
MAX_HIDDEN, MAX_LAYERS, MAX_STEPS = 64, 3, 200
DEFAULT_STEPS = 100  # the length the shipped networks were trained on (their task's lag)
INPUT_SIGNALS = (TASK_SIGNAL, *SIGNALS)  # an example of the task first, then the plain signals
NETS = ("trained", "untrained", "live")  # what the chooser offers; "live" never goes in the URL


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


def cell_select(
    key: str = "cell", default: str = "lstm", options: tuple[str, ...] = CELLS, where: Where = st
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
    where: Where = st.sidebar,
    *,
    cell: bool = True,
    default_cell: str = "rnn",
    page: str | None = None,
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


def time_slider(steps: int, key: str = "t", where: Where = st, value: int = 0) -> int:
    """A time cursor 0..T-1 that opens at `value`; a value beyond a shortened sequence is moved
    to its last step."""
    if steps <= 1:
        return 0
    clamp(key, steps)
    value = min(max(int(value), 0), steps - 1)
    return bound(where.slider, t("t"), key, min_value=0, max_value=steps - 1, value=value)


def index_slider(label: str, key: str, n: int, where: Where = st, help: str | None = None) -> int:
    """A unit or layer index 0..n-1 (nothing to choose when n is 1)."""
    if n <= 1:
        return 0
    clamp(key, n)
    return bound(where.slider, label, key, min_value=0, max_value=n - 1, value=0, help=help)


def cell_cursor(s: Mapping[str, Any], t_open: int = 0) -> tuple[int, int, int]:
    """The time step, unit and layer sliders of the cell pages, side by side; the step opens at
    `t_open` (a step whose inputs are not zero: at t = 0 the previous states are)."""
    c1, c2, c3 = st.columns(3)
    with c1:
        t_ = time_slider(s["steps"], value=t_open)
    with c2:
        unit = index_slider(t("unit"), "unit", s["hidden"])
    with c3:
        layer = index_slider(t("layer"), "layer", s["layers"])
    return t_, unit, layer
