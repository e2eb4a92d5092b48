"""The text lab in headless Chromium: it opens on the shipped networks with painted text; a live
training started and stopped keeps its network, which the page then samples from, paints and
reads for connectivity, with no error box (fixtures `browser` and `app_server` in conftest)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import IDLE

pytestmark = pytest.mark.browser


def settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=120_000)


def test_train_stop_sample_paint_connectivity(page, app_server):
    page.goto(f"{app_server}/text?text_src=python")
    page.wait_for_selector("h1", timeout=60_000)
    settle(page)
    page.wait_for_selector(".painted-text", timeout=120_000)
    assert "text lab" in page.locator("h1").first.inner_text()
    # the shipped networks: a sample and the three cells' connectivity
    assert page.get_by_text(re.compile(r"^shipped LSTM: p = ")).count() == 1
    # train live, then stop: the network is kept
    page.get_by_role("button", name="Train").click()
    stop = page.get_by_role("button", name="Stop")
    stop.wait_for(timeout=60_000)
    page.wait_for_timeout(4000)  # a few training steps
    stop.click()
    page.get_by_text(re.compile(r"^Stopped after \d+ steps")).wait_for(timeout=120_000)
    settle(page)
    page.wait_for_selector(".painted-text", timeout=120_000)
    picked = page.locator('[data-testid="stRadio"]').nth(1).locator("input:checked")
    assert picked.count() == 1
    label = page.get_by_text(re.compile(r"^trained here: LSTM, 128 units, \d+ steps$"))
    assert label.count() >= 1
    # sample from it, painted units, and its connectivity beside the shipped ones
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert code.startswith("def ") and len(code) > 250
    assert page.locator(".painted-text").count() >= 4
    reach = page.get_by_text(re.compile(r"^trained here: LSTM, 128 units, \d+ steps: p = "))
    assert reach.count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors
