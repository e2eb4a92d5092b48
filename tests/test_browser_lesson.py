"""Watching a network learn on a lesson page, in headless Chromium (fixtures in conftest): Play
advances the step counter and redraws the gate heatmaps with the new weights at least 10 times in
3 s; Pause stops both."""

from __future__ import annotations

import time

import pytest

from tests.conftest import IDLE

# slow: not in the default suite. It is #12's acceptance test of the live redraw rate, and on a
# two-core machine that also runs Chromium it does not pass yet: `python -m pytest -m slow`.
# Measured on a machine shared with other jobs: 2 updates in 3 s at load 11.7 before `ui.held`
# (each redraw rebuilt 4 charts in Chromium), 5 in 3 s at load 9 after it (1-2 charts a redraw);
# Chromium's Plotly builds a changed chart from scratch (35-70 ms each unloaded, the gate
# heatmaps' six panels the most) and the browser, not the server, sets the pace.
# On a quiet two-core machine (load < 2): 9-10 heatmap updates in 3 s with HOLD_TICKS 3 (fails),
# 10-12 with HOLD_TICKS 6 (passed 4 of 6 runs): at the margin, so still slow and not counted done.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

# the step counter and a hash of the forget gate's heatmap data (its z values)
STATE = """() => {
  const metric = [...document.querySelectorAll('[data-testid="stMetric"]')]
    .find(m => m.innerText.includes('Training steps'));
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
    .find(el => el.layout && el.layout.title && el.layout.title.text.includes('gates and states'));
  if (!metric || !plot || !plot.data) return null;
  const z = JSON.stringify(plot.data.find(t => t.name === 'f').z);
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum = (sum * 31 + z.charCodeAt(i)) % 1000000007;
  return [metric.querySelector('[data-testid="stMetricValue"]').innerText, sum];
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
    playing = sample(page, 3.0)
    steps = [int(s) for s, _ in playing]
    sums = {checksum for _, checksum in playing}
    assert len(playing) >= 11, playing  # at least 10 updates in 3 s
    assert steps == sorted(steps) and steps[-1] > steps[0]
    assert len(sums) >= 10  # the heatmap's data changed with the weights
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
