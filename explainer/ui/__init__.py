"""Streamlit helpers shared by `app.py` and the pages: settings, translation, cached runs, widgets.

The only core package that imports Streamlit. The pages call everything as `ui.<name>`; it lives
in one of these modules, each importing only those above it:

- `core`: the language (`t`, `translator`, figure labels), page furniture (`plot`, `show_code`,
  presentation mode) and the settings in the URL (`bound`).
- `controls`: the sidebar's network controls, the time / unit / layer cursors, the chooser's
  default network.
- `runs`: cached lesson runs and memoised figures shared across sessions, the cold start, the
  lesson pages' note and input row.
- `exports`: the gradient check, the overflow note and the downloads.
- `training`: live training on the server's queue (`train_live`, `follow`).
- `play`: a lesson page's networks trained live in the session (Play / Pause / Step / scrubber).
- `chooser`: a lesson page's settings and its run (`lesson_settings`, `page_run`).
"""

from explainer.ui.chooser import lesson_settings, page_run, shipped_problem
from explainer.ui.controls import (
    CELLS,
    DEFAULT_STEPS,
    INPUT_SIGNALS,
    MAX_HIDDEN,
    MAX_LAYERS,
    MAX_STEPS,
    NETS,
    cell_cursor,
    cell_select,
    default_net,
    index_slider,
    network_controls,
    settings,
    time_slider,
    weight_knob,
    weights_changed,
)
from explainer.ui.core import (
    bound,
    clamp,
    escape_md,
    fig_kw,
    frozen_format,
    labels,
    lang,
    page_setup,
    plot,
    presentation,
    show_code,
    t,
    translator,
)
from explainer.ui.exports import (
    export,
    gradient_check,
    overflow_note,
    snippet,
    trace_csv,
    trace_npz,
)
from explainer.ui.play import LessonLive, held, lesson_view, live_controls, play_tick
from explainer.ui.runs import (
    LIVE,
    WEIGHT_KNOBS,
    FrozenFigure,
    PageRun,
    cached_run,
    freeze,
    gate_heatmaps,
    input_figure,
    memo_figure,
    network_note,
    reach_text,
    warm_up,
)
from explainer.ui.training import follow, train_live

__all__ = [
    "CELLS",
    "DEFAULT_STEPS",
    "INPUT_SIGNALS",
    "LIVE",
    "MAX_HIDDEN",
    "MAX_LAYERS",
    "MAX_STEPS",
    "NETS",
    "WEIGHT_KNOBS",
    "FrozenFigure",
    "LessonLive",
    "PageRun",
    "bound",
    "cached_run",
    "cell_cursor",
    "cell_select",
    "clamp",
    "default_net",
    "escape_md",
    "export",
    "fig_kw",
    "follow",
    "freeze",
    "frozen_format",
    "gradient_check",
    "index_slider",
    "held",
    "gate_heatmaps",
    "input_figure",
    "labels",
    "lang",
    "lesson_settings",
    "lesson_view",
    "live_controls",
    "memo_figure",
    "network_controls",
    "network_note",
    "overflow_note",
    "page_run",
    "page_setup",
    "play_tick",
    "plot",
    "presentation",
    "reach_text",
    "settings",
    "shipped_problem",
    "show_code",
    "snippet",
    "t",
    "time_slider",
    "trace_csv",
    "trace_npz",
    "train_live",
    "translator",
    "warm_up",
    "weight_knob",
    "weights_changed",
]
