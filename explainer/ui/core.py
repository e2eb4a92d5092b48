"""The language, the page furniture and the settings in the URL: what every other part of the UI
uses.

Every setting is a widget whose key is also its name in the URL query string (`bound`), so a
teacher's link reproduces the exact view; a value in the URL that the widget does not offer is
ignored and the default is used.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explainer import i18n
from explainer.ui import livechart

if TYPE_CHECKING:
    import plotly.graph_objects as go

# Where a widget goes: `st` itself (the page), `st.sidebar`, a column or any other container.
Where = ModuleType | DeltaGenerator


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


# --- page furniture ----------------------------------------------------------------------------
# Every page: less empty space above the title, so the first screen holds the page's main figure.
_LAYOUT_CSS = """
<style>
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem !important; }
  /* a button's label wraps onto a second line rather than ending in "…" (presets, big fonts) */
  [data-testid="stMain"] .stButton button { height: auto; }
  [data-testid="stMain"] .stButton button div,
  [data-testid="stMain"] .stButton button p {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  }
  /* st.container(key="side_by_side"): its columns side by side where three of 475 px fit (a wide
     screen), else one under the other (narrower than about 1500 px of page) */
  .st-key-side_by_side [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-side_by_side [data-testid="stColumn"] { min-width: 475px; }
</style>
"""
_PRESENTATION_CSS = """
<style>
  /* and the value's own paragraph, which the rule for the page's text below would make 1.35rem */
  [data-testid="stMain"] [data-testid="stMetricValue"],
  [data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
    font-size: 3rem !important;
  }
  /* a table (canvas) zoomed with the box it sizes itself from, which takes 1/1.35 of the column:
     zooming the table alone would make it 1.35 times as wide as its column */
  [data-testid="stMain"] [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {
    zoom: 1.35; width: calc(100% / 1.35) !important;
  }
  /* the page and the sidebar (its widgets' labels, values, select boxes) alike */
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stWidgetLabel"] p,
  [data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.35rem !important; }
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stSliderThumbValue"],
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stSliderTickBarMin"],
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stSliderTickBarMax"] {
    font-size: 1.2rem !important;
  }
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-baseweb="select"] div,
  :is([data-testid="stMain"], [data-testid="stSidebar"]) input,
  :is([data-testid="stMain"], [data-testid="stSidebar"]) button p { font-size: 1.3rem !important; }
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stMarkdownContainer"] p,
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stMarkdownContainer"] li,
  :is([data-testid="stMain"], [data-testid="stSidebar"]) label p { font-size: 1.35rem !important; }
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stCaptionContainer"],
  :is([data-testid="stMain"], [data-testid="stSidebar"]) [data-testid="stCaptionContainer"] p,
  [data-testid="stMain"] [data-testid="stTable"] { font-size: 1.2rem !important; }
  /* the sidebar's page links, as large, wrap onto a second line rather than ending in "…" */
  [data-testid="stSidebarNavLink"] { height: auto !important; }
  [data-testid="stSidebarNavLink"] span,
  [data-testid="stSidebarNavLink"] [data-testid="stMarkdownContainer"],
  [data-testid="stSidebarNavLink"] p {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
    min-width: 0;
  }
  [data-testid="stMain"] h1 { font-size: 3rem !important; }
  [data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2.2rem !important; }
  [data-testid="stMain"] .katex { font-size: 1.5em !important; }
</style>
"""


def page_setup() -> None:
    """Per-run page furniture: the layout and presentation stylesheets (our own static CSS, no
    user text)."""
    st.markdown(_LAYOUT_CSS, unsafe_allow_html=True)
    if presentation():
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)


def plot(fig: go.Figure, name: str) -> None:
    """Show a Plotly figure; its toolbar's camera icon downloads it as PNG named `name`.

    `theme=None`: the figure's own fonts. Streamlit's theme would set every tick label to 12 px,
    in presentation mode too (the figures' `Style` sizes them). The views of a live network
    (`livechart.drawing_live`) are live charts, updated in place."""
    config = {
        "displaylogo": False,
        "showSendToCloud": False,  # plotly.js 4 (the live charts') shows a "Share chart" button
        "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
    }
    if livechart.active():
        livechart.live_plot(fig, name, config)
        return
    st.plotly_chart(fig, width="stretch", theme=None, key=f"chart_{name}", config=config)


def show_code(*functions: Callable) -> None:
    """An expander with the real source of the functions that computed what the page shows."""
    with st.expander(t("show_code")):
        for fn in functions:
            st.caption(f"{fn.__module__}.{fn.__qualname__}")
            st.code(inspect.getsource(fn), language="python")


# --- user text in messages -------------------------------------------------------------------------------
def escape_md(text: str) -> str:
    """`text` with every Markdown (and Streamlit directive) character backslash-escaped, for
    messages that echo user text (file and column names) in `st.error`, `st.caption` and friends:
    they are shown literally, never as formatting, links, maths or colour directives."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&])", r"\\\1", str(text))


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
