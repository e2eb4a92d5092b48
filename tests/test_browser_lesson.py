"""Watching a network learn on a lesson page, in headless Chromium (fixtures in conftest): Play
advances the step counter and redraws the gate heatmaps with the new weights at least 10 times in
3 s; Pause stops both."""

from __future__ import annotations

import time

import pytest

from tests.conftest import IDLE

# The browser, not the server, sets the pace here. With st.plotly_chart, Streamlit gave a chart
# whose data changed a new element id, so Chromium's Plotly built the six-panel heatmap from
# scratch every redraw (60-230 ms): 10-12 updates in 3 s on a quiet two-core machine, 2-5 under
# load. The live network's views are now live charts (`ui.livechart`): the heatmaps' new values
# are repainted in place (~2 ms; same pixels as Plotly's, tests/test_browser_livechart.py).
pytestmark = pytest.mark.browser

# the step counter and a hash of the forget gate's heatmap data (its z values)
STATE = """() => {
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
    .find(m => m.innerText.includes('Training steps'));
  // a chart on the page, or in the frame of a live chart (a live network: `ui.livechart`)
  const docs = [document, ...[...document.querySelectorAll('iframe')]
    .map(f => f.contentDocument).filter(d => d)];
  const plot = docs.flatMap(d => [...d.querySelectorAll('.js-plotly-plot')])
    .find(el => el.layout && el.layout.title && el.layout.title.text.includes('gates and states'));
  if (!metric || !plot || !plot.data) return null;
  const z = JSON.stringify(plot.data.find(t => t.name === 'f').z);
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum = (sum * 31 + z.charCodeAt(i)) % 1000000007;
  return [metric.querySelector('[data-testid="stMetricValue"]').innerText, sum];
}"""


# how the live chart of the heatmaps drew its figures (`livechart.html`'s drawCounts)
DRAWN = """() => {
  for (const f of document.querySelectorAll('iframe')) {
    const el = f.contentDocument && f.contentDocument.querySelector('.js-plotly-plot');
    if (el && el.layout.title.text.includes('gates and states')) return f.contentWindow.drawCounts;
  }
  return null;
}"""


def sample(page, seconds: float) -> list:
    """Every distinct (step counter, heatmap checksum) seen in `seconds`, in order."""
    seen: list = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        state = page.evaluate(STATE)
        if state is not None and (not seen or state != seen[-1]):
            seen.append(state)
        page.wait_for_timeout(40)
    return seen


def test_play_trains_and_redraws_live_and_pause_stops_it(page, app_server):
    page.goto(f"{app_server}/lstm")
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)
    page.get_by_text("being trained now").click()
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_function(f"() => ({STATE})() !== null", timeout=60_000)
    assert page.evaluate(STATE)[0] == "0"
    page.get_by_role("button", name="▶ Play").click()
    page.get_by_role("button", name="❚❚ Pause").wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # the first tick
    before = page.evaluate(DRAWN)
    playing = sample(page, 3.0)
    after = page.evaluate(DRAWN)
    steps = [int(s) for s, _ in playing]
    sums = {checksum for _, checksum in playing}
    assert len(playing) >= 11, playing  # at least 10 updates in 3 s
    assert steps == sorted(steps) and steps[-1] > steps[0]
    assert len(sums) >= 10  # the heatmap's data changed with the weights
    # in place, not rebuilt by Plotly: in the 3 s, mostly repaints (Plotly.react draws the
    # heatmaps again only when the c panel's colour range moves up a step of its ladder)
    repainted, rebuilt = (after[k] - before[k] for k in ("repaint", "react"))
    assert repainted >= 5 and repainted > rebuilt, (before, after)
    page.get_by_role("button", name="❚❚ Pause").click()
    page.get_by_role("button", name="▶ Play").wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_timeout(1000)
    paused = sample(page, 1.5)
    assert len(paused) == 1, paused  # neither the counter nor the heatmap moves
    assert int(paused[0][0]) >= steps[-1]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors
