"""The real page: `streamlit run app.py` driven in headless Chromium (Debian's) with Playwright.

Skipped, with the reason, only where Chromium or Playwright is missing; `.ci/run` installs both
and sets RNN_EXPLAINER_REQUIRE_BROWSER so that in CI a missing browser fails instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import IDLE

pytestmark = pytest.mark.browser

PAGES = ["", "unroll", "gradients", "lstm", "adds", "gru", "compare", "forecast", "memory", "text"]
SHOTS = Path(os.environ.get("RNN_EXPLAINER_SHOTS", Path(__file__).resolve().parents[1] / "out"))


def settle(page, charts: int = 0, timeout: float = 60_000) -> None:
    """Wait until the script run has finished and at least `charts` Plotly charts have drawn."""
    page.wait_for_selector("h1", timeout=timeout)  # every page has a title: the run has begun
    page.wait_for_timeout(300)  # let a rerun start before asking whether it has ended
    page.wait_for_function(IDLE, timeout=timeout)
    if charts:
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
            timeout=timeout,
        )


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_every_page_opens_without_an_error_box(page, app_server):
    for path in PAGES:
        page.goto(f"{app_server}/{path}")
        settle(page)
        page.wait_for_timeout(500)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        assert page.locator("h1").count() >= 1, path
        shot(page, f"page_{path or 'start'}")
    assert not page.errors, page.errors


def slider(page, label: str):
    """The range input of the Streamlit slider whose label matches `label`."""
    return (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text=re.compile(label))
        .locator('input[type="range"]')
    )


# the gradient-decay chart (the page's input row is drawn above it)
DECAY = (
    "[...document.querySelectorAll('.js-plotly-plot')]"
    ".find(el => el.layout.title.text.includes('How far back'))"
)


def _radius_slider(page):
    return slider(page, "Spectral radius|谱半径")


def value(locator) -> float:
    return float(locator.input_value())


def test_moving_a_slider_changes_the_chart_and_the_url(page, app_server):
    page.goto(f"{app_server}/gradients")
    settle(page, charts=2)
    before = page.evaluate(f"() => JSON.stringify({DECAY}.data.map(t => t.y))")
    thumb = _radius_slider(page)
    assert value(thumb) == pytest.approx(0.9)
    thumb.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(150)
    settle(page, charts=2)
    page.wait_for_function(
        f"b => JSON.stringify({DECAY}.data.map(t => t.y)) !== b",
        arg=before,
        timeout=30_000,
    )
    assert value(thumb) == pytest.approx(1.1)
    assert "radius=1.1" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_shared_url_reproduces_the_view(page, app_server):
    page.goto(f"{app_server}/gradients?radius=1.5&nonlin=relu&lang=zh&hidden=16&signal=spike")
    settle(page, charts=2)
    assert value(_radius_slider(page)) == pytest.approx(1.5)
    assert "梯度消失" in page.locator("h1").first.inner_text()
    assert value(slider(page, "隐藏层大小")) == 16
    titles = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].map(el => el.layout.title.text)"
    )
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
    shot(page, "shared_url_zh")


def test_the_unrolled_graph_animates_in_the_browser(page, app_server):
    page.goto(f"{app_server}/unroll?steps=12&cell=lstm")
    settle(page, charts=1)
    n_frames = page.evaluate(  # the unrolled graph (the input row above it has no frames)
        "() => Math.max(...[...document.querySelectorAll('.js-plotly-plot')]"
        ".map(el => el._transitionData._frames.length))"
    )
    assert n_frames >= 12
    assert page.locator(".js-plotly-plot .slider-container").count() >= 1
    shot(page, "unrolled_lstm")


def test_presentation_mode_and_a_preset(page, app_server):
    page.goto(f"{app_server}/lstm?pres=true&steps=20")
    settle(page, charts=3)
    size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector("
        '\'[data-testid="stMain"] [data-testid="stMarkdownContainer"] p\'))'
        ".fontSize)"
    )
    assert size >= 20
    shot(page, "lstm_presentation")
    page.goto(f"{app_server}/")
    settle(page)
    page.get_by_role("button", name="Gradients explode at radius 1.5").click()
    page.wait_for_url(re.compile(r".*/gradients.*"), timeout=30_000)
    settle(page, charts=2)
    assert value(_radius_slider(page)) == pytest.approx(1.5)
    assert page.locator('[data-testid="stException"]').count() == 0
