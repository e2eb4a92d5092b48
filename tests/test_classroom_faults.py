"""Faults in a lesson, in headless Chromium: the server restarts mid-lesson, a tab closes while
it trains. Each test runs its own server (the shared one must not be restarted under other tests).
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest

from tests.conftest import IDLE
from tests.test_browser import settle, slider, value
from tests.test_browser_forecast import open_forecast, set_form, wait_past_epoch
from tests.test_classroom import classroom

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each starts its own server

EXCEPTION = '[data-testid="stException"]'
DIALOG = '[data-testid="stDialog"]'  # Streamlit's "Connection error" box


@pytest.fixture
def own_server(tmp_path):
    """A fresh `streamlit run app.py` that the test may restart on the same port."""
    c = classroom()
    port = c.free_port()
    stack = contextlib.ExitStack()

    class Server:
        url = f"http://127.0.0.1:{port}"
        proc = None

        def start(self) -> None:
            log = tmp_path / f"server{time.monotonic_ns()}.log"
            _, self.proc = stack.enter_context(c.streamlit_server(log, port=port))

        def stop(self) -> None:
            stack.close()

    server = Server()
    server.start()
    yield server
    server.stop()


def wait_url(page, pattern: str, timeout: float = 30_000) -> None:
    """Wait until the address bar matches `pattern` (Streamlit rewrites it without navigating)."""
    try:
        page.wait_for_function(
            "p => new RegExp(p).test(location.href)", arg=pattern, timeout=timeout
        )
    except Exception as e:
        raise AssertionError(f"{page.url} never matched {pattern}") from e


def press_right(page, label: str, shown: str) -> None:
    """Press → on the radius slider (`label`) until the URL shows `shown` (a press that lands
    while a run is starting can be lost: press again, at most three times)."""
    for attempt in range(3):
        if value(slider(page, label)) < float(shown) - 1e-9:
            slider(page, label).focus()
            page.keyboard.press("ArrowRight")
        try:
            wait_url(page, rf"[?&]radius={re.escape(shown)}(&|$)", timeout=15_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    settle(page)


def thread_cpu(pid: int) -> dict[int, int]:
    """CPU time (clock ticks) of each thread of a process, from /proc/PID/task."""
    ticks = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            ticks[int(task.name)] = int(fields[11]) + int(fields[12])
    return ticks


def busiest_thread(pid: int, seconds: float = 2.0) -> tuple[int, int]:
    """The thread that used the most CPU over the next `seconds`, and how many ticks it used."""
    before = thread_cpu(pid)
    time.sleep(seconds)
    after = thread_cpu(pid)
    return max(((after[t] - before.get(t, 0), t) for t in after), default=(0, 0))[::-1]


def test_a_restarted_server_reconnects_and_the_url_restores_the_view(page, own_server):
    page.goto(f"{own_server.url}/gradients?lang=zh&hidden=16")
    settle(page, charts=2)
    for radius in ("0.95", "1", "1.05", "1.1"):  # one key press, one rerun, one URL each
        press_right(page, "谱半径", radius)
    assert value(slider(page, "谱半径")) == pytest.approx(1.1)
    # the server goes away mid-lesson: the page says so (and keeps trying)
    own_server.stop()
    page.locator(DIALOG).filter(has_text="Connection error").wait_for(timeout=30_000)
    own_server.start()
    # back, without a reload: the box goes, and a new session is rebuilt from the URL
    page.wait_for_selector(DIALOG, state="detached", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    settle(page, charts=2)
    assert "梯度消失" in page.locator("h1").first.inner_text()
    assert value(slider(page, "谱半径")) == pytest.approx(1.1)
    assert value(slider(page, "隐藏层大小")) == 16
    assert page.locator(EXCEPTION).count() == 0
    # and it is live: the next move reaches the new server, which redraws and updates the URL
    every_chart = (
        "JSON.stringify([...document.querySelectorAll('.js-plotly-plot')].map(e => e.data))"
    )
    before = page.evaluate(f"() => {every_chart}")
    press_right(page, "谱半径", "1.15")
    page.wait_for_function(
        f"b => {every_chart} !== b",  # the radius redraws the decay chart (the input row stays)
        arg=before,
        timeout=30_000,
    )
    settle(page, charts=2)
    assert "hidden=16" in page.url and "lang=zh" in page.url
    assert page.locator(EXCEPTION).count() == 0


def test_a_tab_closed_during_training_frees_its_thread(browser, own_server):
    """The thread that trains (the one using a core) ends soon after its tab closes."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
    tab = context.new_page()
    open_forecast(tab, own_server.url)
    set_form(tab, "32", 200)
    tab.get_by_role("button", name="Train").click()
    wait_past_epoch(tab, 1)
    pid = own_server.proc.pid
    trainer, ticks = busiest_thread(pid)
    assert ticks > 10, ticks  # > 0.1 s of CPU in 2 s: it is training
    context.close()
    closed = time.monotonic()
    tasks = Path(f"/proc/{pid}/task/{trainer}")
    while tasks.exists() and time.monotonic() < closed + 15:  # bounded
        time.sleep(0.1)
    gone = time.monotonic() - closed
    assert not tasks.exists(), "the training thread still runs 15 s after its tab closed"
    # the owner's liveness is checked every second; on a busy machine the last batch takes longer
    assert gone < 8, gone
    assert own_server.proc.poll() is None  # the server itself is still there
