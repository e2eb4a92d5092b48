"""The forecasting page in headless Chromium: it opens, trains a tiny model, draws the predictions,
serves the weights as a real download, and the Stop button ends a training and keeps its epochs."""

from __future__ import annotations

import re

import pytest

from explainer.torch_backend import forecast as F
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
        "input").fill(hidden)
    page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs").locator(
        "input").fill(str(epochs))


def test_a_tiny_training_draws_predictions_and_downloads_its_weights(page, app_server):
    open_forecast(page, app_server)
    set_form(page, "4", 2)
    page.get_by_role("button", name="Train").click()
    page.wait_for_selector('[data-testid="stTabs"]', timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    page.get_by_text(re.compile(r"Trained 2 epoch\(s\)")).wait_for(timeout=30_000)
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].some("
                           "el => el.layout && el.layout.title.text.includes('Point-by-point'))",
                           timeout=30_000)
    assert page.locator(EXCEPTION).count() == 0
    assert "fc_hidden=4" in page.url and "fc_epochs=2" in page.url  # a link reproduces the run
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Weights (.safetensors)").click()
    model, config = F.load_weights(open(download.value.path(), "rb").read())
    assert config.hidden == (4,) and config.epochs == 2
    assert not page.errors, page.errors


def test_stop_ends_the_training_and_keeps_the_finished_epochs(page, app_server):
    open_forecast(page, app_server)
    set_form(page, "8", 200)
    page.get_by_role("button", name="Train").click()
    page.wait_for_function("() => /Epoch ([3-9]|\\d\\d) of 200/.test([...document.querySelectorAll("
                           "'[data-testid=\"stProgress\"]')].map(e => e.innerText).join())",
                           timeout=120_000)
    page.get_by_role("button", name="Stop").click()
    warning = page.get_by_text(re.compile(r"Stopped after \d+ epoch\(s\) of 200"))
    warning.wait_for(timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    done = int(re.search(r"after (\d+) epoch", warning.inner_text()).group(1))
    assert 2 <= done < 200
    assert page.locator('[data-testid="stTabs"]').count() == 1
    assert page.locator(EXCEPTION).count() == 0
