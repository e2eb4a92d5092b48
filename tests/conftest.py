"""Shared fixtures: Streamlit cache reset for AppTest, and a real app server for browser tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"  # no script running


def open_app(page: str, **query: str):
    """An AppTest of app.py on `page` ("app_pages/....py"), with `query` in the URL."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    if page != "app_pages/start.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def charts(at) -> list[dict]:
    """The figure JSON of every Plotly chart on the page: `st.plotly_chart`s, then the live charts
    (`explainer.ui.livechart`) that show a lesson page's live network."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")] + [
        json.loads(spec) for spec in live_specs(at)
    ]


def live_specs(at) -> list[str]:
    """The figure JSON strings the page's live charts were given."""
    return [
        json.loads(c.proto.json_args)["spec"]
        for c in at.get("component_instance")
        if c.proto.component_name == "explainer.ui.livechart.livechart"
    ]


def decode(v):
    """Plotly stores NumPy arrays as base64 typed arrays: decode them (or pass lists through)."""
    import base64

    import numpy as np

    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in v["shape"].split(",")]) if "shape" in v else a
    return np.asarray(v, dtype=float)


@pytest.fixture
def fresh_caches():
    """Caches persist across AppTest instances in one process: start each test from empty."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_available() -> str | None:
    """None when Chromium and Playwright are usable, else the reason they are not."""
    if not os.path.exists(CHROMIUM):
        return "Debian's chromium is not installed (apt-get install -y chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright for Python is not installed (pip install -r requirements-dev.txt)"
    return None


@contextlib.contextmanager
def streamlit_server(log_dir: Path, env: dict[str, str] | None = None):
    """`streamlit run app.py` on a free loopback port, with `env` added to the environment;
    yields its base URL (browser tests only: skipped where Chromium is absent)."""
    reason = browser_available()
    if reason:
        if os.environ.get("RNN_EXPLAINER_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests are required here but cannot run: {reason}")
        pytest.skip(reason)
    from serve.serve import start_streamlit, stop, wait_healthy  # one way to start the app

    port = _free_port()
    log = log_dir / "server.log"
    proc = start_streamlit(port, log, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, [proc], timeout=90)
    except RuntimeError as e:
        stop([proc])
        pytest.fail(f"the Streamlit server did not start ({e}):\n" + log.read_text())
    try:
        yield url
    finally:
        stop([proc])


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """The app on a free loopback port, room for two trainings at once (tests of two students
    training side by side); yields its base URL. The queue at one is tested on its own server."""
    with streamlit_server(
        tmp_path_factory.mktemp("streamlit"), {"RNN_EXPLAINER_TRAININGS": "2"}
    ) as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh browser page (fixed viewport, no animations, downloads allowed); JavaScript errors
    are collected in `page.errors`."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, reduced_motion="reduce", accept_downloads=True
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.errors = errors
    yield p
    context.close()


@pytest.fixture(scope="session")
def browser(app_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield b
        b.close()
