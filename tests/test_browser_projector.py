"""Projector-grade views in headless Chromium (#13, items 4 and 5): presentation mode's tick labels
and the sidebar's widget labels are at least 1.5x the normal ones; every lesson page's main
figure starts on the first screen at 1400x900 and 1920x1080, in normal and presentation mode;
the radius chart's labels never overlap (their bounding boxes, as drawn); the compare page's
three cells sit side by side on a wide window and one under the other on a narrower one."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import IDLE

pytestmark = (
    pytest.mark.browser
)  # the slow ones: python -m pytest -m slow tests/test_browser_projector.py

MAIN = {  # each lesson page's main figure, by its chart key
    "unroll": "unrolled",
    "gradients": "gradient_decay",
    "lstm": "lstm_cell",
    "adds": "cell_vs_hidden",
    "gru": "gru_cell",
    "compare": "compare_decay",
}


def open_page(browser, url: str, width: int = 1400, height: int = 900):
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_timeout(800)
    return context, page


def tick_sizes(page) -> list[float]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot .xtick text, .js-plotly-plot .ytick text')]
             .map(t => parseFloat(getComputedStyle(t).fontSize))"""
    )


SIDEBAR_LABELS = """() => [...document.querySelectorAll(
    '[data-testid="stSidebar"] [data-testid="stWidgetLabel"] p')]
  .map(t => parseFloat(getComputedStyle(t).fontSize))"""


def test_presentation_ticks_are_at_least_one_and_a_half_times_normal(browser, app_server):
    sizes, side = {}, {}
    for mode, query in (("normal", ""), ("pres", "pres=true")):
        context, page = open_page(browser, f"{app_server}/gradients?{query}")
        sizes[mode] = tick_sizes(page)
        side[mode] = page.evaluate(SIDEBAR_LABELS)  # the sidebar's widgets scale too
        context.close()
    assert sizes["normal"] and sizes["pres"]
    assert min(sizes["pres"]) >= 1.5 * max(sizes["normal"]), sizes
    assert side["normal"] and side["pres"]
    assert min(side["pres"]) >= 1.5 * max(side["normal"]), side


@pytest.mark.slow  # 6 page loads each: about a minute on two cores
@pytest.mark.parametrize("size", [(1400, 900), (1920, 1080)])
@pytest.mark.parametrize("query", ["", "pres=true"])
def test_every_lesson_pages_main_figure_starts_on_the_first_screen(
    browser, app_server, query, size
):
    width, height = size
    tops = {}
    for path, chart in MAIN.items():
        context, page = open_page(browser, f"{app_server}/{path}?{query}", width, height)
        tops[path] = page.evaluate(
            f"""() => document.querySelector('.st-key-chart_{chart}').getBoundingClientRect().top"""
        )
        assert page.locator('[data-testid="stException"]').count() == 0
        context.close()
    assert all(top < height - 150 for top in tops.values()), tops  # at least 150 px of it shows


BOXES = """() => {
  const el = document.querySelector('.st-key-chart_reach .js-plotly-plot');
  return [...el.querySelectorAll('.annotation')].map(a => {
    const r = a.getBoundingClientRect();
    return [a.textContent, r.left, r.top, r.right, r.bottom];
  });
}"""


@pytest.mark.slow  # three page loads
@pytest.mark.parametrize(
    "query",
    [
        "net=untrained",  # radius 0.9 and a group of "all 99 steps" further right
        "net=untrained&radius=1.5&hidden=8",  # the page's setting inside the group
        "net=untrained&radius=1.5&steps=40&pres=true",
    ],
)
def test_the_radius_charts_labels_do_not_overlap(browser, app_server, query):
    context, page = open_page(browser, f"{app_server}/gradients?{query}")
    page.locator(".st-key-chart_reach").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    boxes = page.evaluate(BOXES)
    context.close()
    assert len(boxes) >= 1
    texts = [b[0] for b in boxes]
    assert texts.count("this page's setting") == 1
    for (ta, *a), (tb, *b) in itertools.combinations(boxes, 2):
        apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        assert apart, (ta, a, tb, b)


CELL_TOPS = """() => ['rnn', 'lstm', 'gru'].map(c =>
  document.querySelector('.st-key-chart_compare_' + c).getBoundingClientRect().top)"""


@pytest.mark.slow  # two page loads of the heaviest page
def test_the_compare_cells_side_by_side_on_a_wide_window_stacked_on_a_narrow_one(
    browser, app_server
):
    context, page = open_page(browser, f"{app_server}/compare", 1920, 1080)
    wide = page.evaluate(CELL_TOPS)
    context.close()
    context, page = open_page(browser, f"{app_server}/compare", 1400, 900)
    narrow = page.evaluate(CELL_TOPS)
    context.close()
    assert max(wide) - min(wide) < 2, wide  # one row
    assert narrow[0] < narrow[1] < narrow[2], narrow  # one under the other
