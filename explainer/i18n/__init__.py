"""User-interface strings in English and Chinese, all of them here, below every other module.

- `shared`: the strings every page shares (`STRINGS`: navigation, sidebar, common messages),
  read with `text` (the UI's `ui.t`).
- `lesson`, and one module a practice page: each page's own `(english, chinese)` table, in
  `PAGES` under the page's name; a page reads it through `explainer.ui.translator`.
- `labels`: Chinese for the figures' label keys (`explainer.figures.DEFAULT_LABELS`); a key
  missing there falls back to English, and a test checks that none is missing.

Nothing here imports the rest of the package.
"""

from __future__ import annotations

from collections.abc import Mapping

from explainer.i18n.forecast import FORECAST
from explainer.i18n.labels import FIGURE_LABELS_ZH
from explainer.i18n.lesson import ADDS, COMPARE, GRADIENTS, GRU, LSTM, START, UNROLL
from explainer.i18n.memory import MEMORY
from explainer.i18n.shared import STRINGS
from explainer.i18n.text import TEXT

LANGUAGES = {"en": "English", "zh": "中文"}

PAGES: dict[str, dict[str, tuple[str, str]]] = {
    "start": START,
    "unroll": UNROLL,
    "gradients": GRADIENTS,
    "lstm": LSTM,
    "adds": ADDS,
    "gru": GRU,
    "compare": COMPARE,
    "text": TEXT,
    "forecast": FORECAST,
    "memory": MEMORY,
}
"""Each page's own table, under the name of its file in `app_pages/`."""


def text(key: str, lang: str) -> str:
    """The shared string `key` in `lang` ("en" or "zh")."""
    en, zh = STRINGS[key]
    return zh if lang == "zh" else en


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def figure_labels(lang: str) -> Mapping[str, str] | None:
    """Labels to pass to every figure builder: None (the builders' English) or the Chinese."""
    return FIGURE_LABELS_ZH if lang == "zh" else None
