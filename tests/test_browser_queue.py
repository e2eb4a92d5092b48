"""The server-wide training queue in headless Chromium, on a server of its own with room for one
training (`RNN_EXPLAINER_TRAININGS=1`): a second student's training waits and shows its place in
the queue, Stop works while it waits, and it starts when the first student stops theirs or closes
the tab (within 5 s)."""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import IDLE, streamlit_server
from tests.test_browser_forecast import (
    EXCEPTION,
    open_forecast,
    progress_epoch,
    set_form,
    wait_past_epoch,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUEUED = re.compile(r"number 1 in the queue \(1 of at most 1 training")


@pytest.fixture(scope="module")
def one_place(tmp_path_factory):
    with streamlit_server(
        tmp_path_factory.mktemp("queue"), {"RNN_EXPLAINER_TRAININGS": "1"}
    ) as url:
        yield url


def test_a_second_training_waits_shows_its_place_and_starts_when_the_first_stops_or_leaves(
    browser, one_place
):
    contexts = [
        browser.new_context(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
        for _ in range(2)
    ]
    a, b = (c.new_page() for c in contexts)
    progress = '[data-testid="stProgress"]'
    try:
        open_forecast(a, one_place)  # student A trains a long run (minutes, on one thread)
        set_form(a, "32", 200)
        a.get_by_role("button", name="Train").click()
        wait_past_epoch(a, 1)
        open_forecast(b, one_place)  # student B asks for a short one: it waits, and says so
        set_form(b, "4", 2)
        b.get_by_role("button", name="Train").click()
        b.get_by_text(QUEUED).wait_for(timeout=60_000)
        assert b.locator(progress).count() == 0
        b.get_by_role("button", name="Stop").click()  # Stop works while waiting
        b.get_by_text("Stopped before the first epoch ended").wait_for(timeout=60_000)
        b.wait_for_function(IDLE, timeout=60_000)
        epoch_a = progress_epoch(a)  # A went on all the while
        assert 1 < epoch_a < 200
        wait_past_epoch(a, epoch_a, timeout=60_000)
        set_form(b, "32", 200)  # B queues again, for a long run ...
        b.get_by_role("button", name="Train").click()
        b.get_by_text(QUEUED).wait_for(timeout=60_000)
        a.get_by_role("button", name="Stop").click()  # ... and starts when A stops
        a.get_by_text(re.compile(r"Stopped at epoch \d+ of 200")).wait_for(timeout=60_000)
        wait_past_epoch(b, 0)
        a.wait_for_function(IDLE, timeout=60_000)
        set_form(a, "4", 2)  # now A waits behind B ...
        a.get_by_role("button", name="Train").click()
        a.get_by_text(QUEUED).wait_for(timeout=60_000)
        closed = time.monotonic()
        contexts[1].close()  # ... until B closes the tab: B's training stops, A's starts
        trained = a.get_by_text(re.compile(r"Epochs trained: 2,"))
        # its progress bar, or (on a quiet machine two tiny epochs may end between two looks) its
        # result
        a.locator(progress).first.or_(trained).first.wait_for(timeout=30_000)
        started = time.monotonic() - closed
        trained.wait_for(timeout=120_000)
        assert started < 5, f"A started {started:.1f} s after B's tab closed"
        assert a.locator(EXCEPTION).count() == 0
    finally:
        for c in contexts:
            c.close()
