"""The forecasting page in headless Chromium: it opens, trains a tiny model, draws the predictions,
serves the weights as a real download, the Stop button ends a training and keeps its epochs, and
two students train at the same time without blocking or seeing each other's runs."""

from __future__ import annotations

import re

import pytest

from explainer.torch_backend import forecast as fc
from tests.conftest import IDLE

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'


def open_forecast(page, url: str) -> None:
    page.goto(f"{url}/forecast")
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)  # the series
    assert page.locator(EXCEPTION).count() == 0


def set_form(page, hidden: str, epochs: int) -> None:
    page.locator('[data-testid="stTextInput"]').filter(has_text="Layer sizes").locator(
        "input"
    ).fill(hidden)
    page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs").locator("input").fill(
        str(epochs)
    )


def progress_epoch(page) -> int:
    """The epoch the progress bar shows (-1 when there is none)."""
    text = " ".join(page.locator('[data-testid="stProgress"]').all_inner_texts())
    found = re.search(r"Epoch (\d+) of \d+", text)
    return int(found.group(1)) if found else -1


def wait_past_epoch(page, epoch: int, timeout: int = 120_000) -> None:
    """Wait until the progress bar shows an epoch after `epoch`."""
    page.wait_for_function(
        "n => Number((/Epoch (\\d+) of/.exec([...document.querySelectorAll("
        "'[data-testid=\"stProgress\"]')].map(e => e.innerText).join()) || [0, -1])[1]) > n",
        arg=epoch,
        timeout=timeout,
    )


def test_a_tiny_training_draws_predictions_and_downloads_its_weights(page, app_server):
    open_forecast(page, app_server)
    set_form(page, "4", 2)
    page.get_by_role("button", name="Train").click()
    page.wait_for_selector('[data-testid="stTabs"]', timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    page.get_by_text(re.compile(r"Epochs trained: 2,")).wait_for(timeout=30_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some("
        "el => el.layout && el.layout.title.text.includes('Point-by-point'))",
        timeout=30_000,
    )
    assert page.locator(EXCEPTION).count() == 0
    assert "fc_hidden=4" in page.url and "fc_epochs=2" in page.url  # a link reproduces the run
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Weights (.safetensors)").click()
    model, config = fc.load_weights(open(download.value.path(), "rb").read())
    assert config.hidden == (4,) and config.epochs == 2
    assert not page.errors, page.errors


@pytest.mark.slow  # 9 s of training in Chromium; python -m pytest -m slow
def test_stop_ends_the_training_and_keeps_the_finished_epochs(page, app_server):
    open_forecast(page, app_server)
    set_form(page, "8", 200)
    page.get_by_role("button", name="Train").click()
    wait_past_epoch(page, 2)
    page.get_by_role("button", name="Stop").click()
    warning = page.get_by_text(re.compile(r"Stopped at epoch \d+ of 200"))
    warning.wait_for(timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    done = int(re.search(r"at epoch (\d+) of", warning.inner_text()).group(1))
    assert 2 <= done < 200
    assert page.locator('[data-testid="stTabs"]').count() == 1
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.slow  # 28 s: two browsers training side by side; python -m pytest -m slow
def test_two_students_train_at_once_each_in_their_own_session(page, browser, app_server):
    # student A starts a long training
    open_forecast(page, app_server)
    set_form(page, "16", 200)
    page.get_by_role("button", name="Train").click()
    wait_past_epoch(page, 1)
    # meanwhile student B opens the page: nothing of A's run, and B can train a model of its own
    other = browser.new_context(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
    b = other.new_page()
    try:
        open_forecast(b, app_server)
        assert b.locator('[data-testid="stTabs"]').count() == 0
        assert b.locator('[data-testid="stProgress"]').count() == 0
        set_form(b, "4", 2)
        b.get_by_role("button", name="Train").click()
        b.get_by_text(re.compile(r"Epochs trained: 2,")).wait_for(timeout=120_000)
        b.wait_for_function(IDLE, timeout=60_000)
        # A was never blocked: it is still training, further on
        epoch_a = progress_epoch(page)
        assert 2 < epoch_a < 200
        wait_past_epoch(page, epoch_a, timeout=120_000)  # nice +10 workers starve on a busy box
        page.get_by_role("button", name="Stop").click()
        page.get_by_text(re.compile(r"Stopped at epoch \d+ of 200")).wait_for(timeout=120_000)
        page.wait_for_function(IDLE, timeout=120_000)
        # each sees only its own result
        assert page.get_by_text(re.compile(r"Epochs trained: 2,")).count() == 0
        assert b.get_by_text(re.compile(r"Stopped at epoch")).count() == 0
        assert b.get_by_text(re.compile(r"Epochs trained: 2,")).count() == 1
        assert page.locator(EXCEPTION).count() == 0 and b.locator(EXCEPTION).count() == 0
    finally:
        other.close()
