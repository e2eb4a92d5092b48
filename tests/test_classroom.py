"""A class arriving at once: concurrent first sessions on a freshly started server.

Each simulated student is one websocket speaking Streamlit's own protocol
(`benchmarks/classroom.py`), so a test holds ten of them without ten browsers.
"""

from __future__ import annotations

import importlib.util
import sys
import time

from tests.conftest import ROOT


def classroom():
    spec = importlib.util.spec_from_file_location("classroom", ROOT / "benchmarks/classroom.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_concurrent_first_sessions_show_no_error(tmp_path):
    """Ten students open the six lesson pages 50 ms apart on a fresh `streamlit run app.py`: none
    sees an error box. (Before the warm-up, 3-5 of 10 saw `partially initialized module 'pandas'
    has no attribute 'Series'` from Plotly while another session was importing pandas.)"""
    c = classroom()
    log = tmp_path / "server.log"
    start = time.monotonic()
    with c.streamlit_server(log) as (url, _):
        runs = c.run_async(c.first_sessions(url, 10, 0.05, timeout=45))
    assert len(runs) == 10
    failed = [(i, r.errors[:1]) for i, r in enumerate(runs) if r.errors or not r.finished]
    assert not failed, (failed, log.read_text()[-3000:])
    assert all(r.charts >= 1 for r in runs), [r.charts for r in runs]  # each page was drawn
    assert "Traceback" not in log.read_text()
    assert time.monotonic() - start < 90
