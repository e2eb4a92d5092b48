"""The live chart (`explainer.ui.livechart`) in headless Chromium (fixtures in conftest): a figure
that differs from the drawn one only in its heatmaps' values is repainted in place, to the very
pixels that Plotly draws for that figure from scratch, with the new values in the chart's data and
hover; any other change goes through Plotly.react."""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import plotly.io
import pytest

from explainer import LSTM
from explainer.figures import gate_heatmaps_figure

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chart_url():
    """The component's directory (its index.html and plotly.js) served on a loopback port."""
    from explainer.ui import livechart

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=livechart._component_dir())
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def figures():
    """Two gate-heatmap figures of one LSTM on two inputs: the same layout, other values."""
    model = LSTM(1, 6, seed=3)
    t = np.linspace(0.0, 6.0, 40)
    a = json.loads(plotly.io.to_json(gate_heatmaps_figure(model.forward(np.sin(t)[:, None]))))
    b = json.loads(plotly.io.to_json(gate_heatmaps_figure(model.forward(np.cos(t)[:, None]))))
    assert a["layout"] == b["layout"]  # the c panel's range is the same ladder step
    for ta, tb in zip(a["data"], b["data"], strict=True):
        assert {**ta, "z": None} == {**tb, "z": None} and ta["z"] != tb["z"]
    return a, b


RENDER = """([spec, height]) => window.postMessage(
  {type: "streamlit:render", args: {spec: spec, config: {}, height: height}}, "*")"""

# every heatmap image's pixels (RGBA), as the browser decodes the image Plotly or repaint made
PIXELS = """async () => {
  const out = [];
  for (const img of document.querySelectorAll('.hm image')) {
    const im = new Image();
    im.src = img.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    await im.decode();
    const canvas = document.createElement('canvas');
    canvas.width = im.naturalWidth;
    canvas.height = im.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(im, 0, 0);
    out.push([canvas.width, canvas.height,
              Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data)]);
  }
  return out;
}"""

COUNTS = "() => window.drawCounts"
HOVER_Z = """() => { const chart = document.getElementById('chart');
  return chart.calcdata.map(cd => cd[0].z.map(row => Array.from(row))); }"""


def draw(page, spec: str, height: int, counts: dict) -> None:
    page.evaluate(RENDER, [spec, height])
    page.wait_for_function(
        f"() => window.drawCounts.react + window.drawCounts.repaint === "
        f"{counts['react'] + counts['repaint'] + 1}",
        timeout=30_000,
    )


def open_chart(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.Plotly && window.drawCounts", timeout=60_000)


def z_rows(trace: dict) -> np.ndarray:
    from tests.conftest import decode

    return decode(trace["z"])


def test_a_heatmap_values_change_is_repainted_as_plotly_draws_it(page, chart_url):
    a, b = figures()
    height = a["layout"]["height"]
    open_chart(page, chart_url)
    draw(page, json.dumps(a), height, page.evaluate(COUNTS))
    assert page.evaluate(COUNTS) == {"react": 1, "repaint": 0}
    first = page.evaluate(PIXELS)
    draw(page, json.dumps(b), height, page.evaluate(COUNTS))
    assert page.evaluate(COUNTS) == {"react": 1, "repaint": 1}  # in place: no Plotly redraw
    repainted = page.evaluate(PIXELS)
    hover = page.evaluate(HOVER_Z)

    open_chart(page, chart_url)  # the same figure, drawn by Plotly from scratch
    draw(page, json.dumps(b), height, page.evaluate(COUNTS))
    assert page.evaluate(COUNTS) == {"react": 1, "repaint": 0}
    fresh = page.evaluate(PIXELS)

    assert len(fresh) == len(repainted) == len(b["data"]) == 6
    for (w, h, new), (w0, h0, old), (w1, h1, want), trace in zip(
        repainted, first, fresh, b["data"], strict=True
    ):
        assert (w, h) == (w1, h1) == (w0, h0) == (40, 6)  # one pixel a cell: time x unit
        new, want = np.array(new), np.array(want)
        assert np.abs(new - want).max() <= 1, trace["name"]  # Plotly's rounding, at most
        assert not np.array_equal(np.array(old), want), trace["name"]  # and it did change
    for got, trace in zip(hover, b["data"], strict=True):
        np.testing.assert_array_equal(np.array(got), z_rows(trace))
    assert not page.errors, page.errors


def test_any_other_change_is_drawn_by_plotly(page, chart_url):
    a, b = figures()
    open_chart(page, chart_url)
    draw(page, json.dumps(a), 1020, page.evaluate(COUNTS))
    b["layout"]["title"]["text"] += " (later)"  # more than the values changed
    draw(page, json.dumps(b), 1020, page.evaluate(COUNTS))
    assert page.evaluate(COUNTS) == {"react": 2, "repaint": 0}
    np.testing.assert_array_equal(np.array(page.evaluate(HOVER_Z)[1]), z_rows(b["data"][1]))
    assert not page.errors, page.errors
