"""The memory lab in headless Chromium: the page opens without an error box and draws the shipped
longest-lag sweep at once, with no training (fixtures `browser` and `app_server` in conftest)."""

from __future__ import annotations

import pytest

from tests.conftest import IDLE

pytestmark = pytest.mark.browser


def test_memory_page_draws_the_shipped_sweep_without_training(page, app_server):
    page.goto(f"{app_server}/memory")
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some("
        "el => el.layout && el.layout.title.text.includes('Longest lag')"
        " && el.querySelector('.main-svg'))",
        timeout=60_000,
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "memory lab" in page.locator("h1").first.inner_text()
    n_points = page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')].find("
        "el => el.layout.title.text.includes('Longest lag')).data"
        ".filter(t => t.mode === 'markers').reduce((n, t) => n + t.y.length"
        ", 0)"
    )
    assert n_points >= 3
    assert not page.errors, page.errors


def test_the_live_chart_is_on_the_first_screen_while_it_trains(page, app_server):
    # 1400x900, the page scrolled to the top: the live training curves start inside the first
    # screen (the settings come below the race; AppTest checks the settled page's order)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{app_server}/memory?mem_lag=10&mem_hidden=8&mem_steps=400")
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    page.get_by_role("button", name="Train RNN, LSTM and GRU").click()
    curves = (
        "() => [...document.querySelectorAll('.js-plotly-plot')].filter(el => el.layout"
        " && el.layout.title.text.includes('while training')).map(el => {"
        "const r = el.getBoundingClientRect(); return [r.top + window.scrollY, r.height]; })"
    )
    # one look that both waits and reads: a short race can end (and its live chart go) between two
    found = page.wait_for_function(
        f"() => {{ const c = ({curves})(); return c.length ? c : null; }}", timeout=120_000
    )
    (top, height), *_ = found.json_value()
    assert height > 200 and top + 200 < 900, (top, height)  # most of the chart, not its edge
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors
