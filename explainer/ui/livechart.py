"""A Plotly chart that is updated in place: the views of a lesson page's live network.

`st.plotly_chart` gives a chart whose figure changed a new element id, so the browser throws the
old chart away and Plotly builds the new one from scratch: 60-230 ms of Chromium's main thread
for the six-panel gate heatmaps, 120-160 ms for each side view, five times a second while a
network trains live. `live_plot` shows the figure in a custom component that stays on the page
between runs (its identity is its key) and draws each new figure on the same element
(`livechart.html`): a change of heatmap values alone is repainted in place (~2 ms), anything
else goes to `Plotly.react`. `core.plot` uses it inside `drawing_live()` (the views of a live
network: Play, Step, the scrubber and the page's sliders all update them in place) and
`st.plotly_chart` everywhere else.

The component is one HTML file (`livechart.html`) beside the plotly.js that the Python plotly
package ships, served by Streamlit from a directory made once per process (`_component_dir`):
nothing is fetched from the internet. A page fetches plotly.js once for all its live charts.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly
import plotly.io
from streamlit.components import v1 as components

if TYPE_CHECKING:
    import plotly.graph_objects as go

HTML = Path(__file__).with_name("livechart.html")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
DEFAULT_HEIGHT = 450  # Plotly's own, for a figure that sets none

# True while the current script run draws a live network's views (per session thread)
_LIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("drawing_live", default=False)


@contextlib.contextmanager
def drawing_live(on: bool = True) -> Iterator[None]:
    """Within (when `on`): `core.plot` draws with `live_plot`."""
    token = _LIVE.set(on)
    try:
        yield
    finally:
        _LIVE.reset(token)


def active() -> bool:
    return _LIVE.get()


@functools.cache
def _component_dir() -> str:
    """A directory holding `index.html` and `plotly.min.js`, named by a hash of the page and the
    plotly version so that a new version of either gets a new directory; each file is written
    whole and renamed into place, so servers started at once never serve half a file."""
    digest = hashlib.sha256(HTML.read_bytes() + plotly.__version__.encode()).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / f"rnn-explainer-livechart-{digest}"
    root.mkdir(parents=True, exist_ok=True)
    for name, source in (("index.html", HTML), ("plotly.min.js", PLOTLY_JS)):
        target = root / name
        if target.exists() and target.stat().st_size == source.stat().st_size:
            continue
        fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(source.read_bytes())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return str(root)


def live_plot(fig: go.Figure, name: str, config: dict[str, Any]) -> None:
    """Show `fig` in the live chart keyed by `name`: the first call on a page makes it, every
    later one sends the new figure to the same chart, which repaints or reacts (`livechart.html`).
    `config` is Plotly's (the toolbar's PNG download, as `st.plotly_chart` has it)."""
    chart = components.declare_component("livechart", path=_component_dir())
    height = fig.layout.height or DEFAULT_HEIGHT
    chart(
        spec=plotly.io.to_json(fig, validate=False),
        config=config,
        height=int(height),
        key=f"live_{name}",
        default=None,
    )
