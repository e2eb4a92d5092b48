"""A class arriving at once: concurrent first sessions on a freshly started server.

Each simulated student is one websocket speaking Streamlit's own protocol
(`benchmarks/classroom.py`), so a test holds ten of them without ten browsers.
"""

from __future__ import annotations

import ast
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
    has no attribute 'Series'` from Plotly while another session was importing pandas.) The
    server's NumPy BLAS runs on one thread."""
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
    # and the server keeps NumPy's BLAS to one thread, as OpenBLAS itself reports in that process
    # (a plain `streamlit run app.py`: OPENBLAS_NUM_THREADS is not needed, and here not set)
    said = [ln for ln in log.read_text().splitlines() if "NumPy's BLAS threads:" in ln]
    assert len(said) == 1, log.read_text()[-3000:]  # once: the warm-up, not every session
    blas = ast.literal_eval(said[0].split("threads:", 1)[1].strip())
    assert blas and set(blas.values()) == {1}, blas


def test_a_frozen_figure_sends_the_same_json_and_converts_once():
    """`ui.freeze` (memoised figures) makes `to_dict()` once; what st.plotly_chart sends is what
    the plain figure would send."""
    import plotly.io as pio
    import plotly.tools

    from explainer import figures, ui
    from explainer.lesson import lesson_run

    run = lesson_run("lstm", 4, 2, 12, "sine")
    builders = [
        lambda: figures.unrolled_figure(run.trace, run.grads),
        lambda: figures.cell_figure(run.trace, 3, layer=1),
        lambda: figures.gate_heatmaps_figure(run.trace),
        lambda: figures.gradient_decay_figure({"LSTM": (run.trace, run.grads)}),
    ]

    def sent(fig) -> str:  # what st.plotly_chart puts in its proto
        return pio.to_json(
            plotly.tools.return_figure_from_figure_or_data(fig, True), validate=False
        )

    for build in builders:
        plain, frozen = build(), ui.freeze(build())
        assert type(frozen) is ui.FrozenFigure and type(plain) is not ui.FrozenFigure
        assert sent(frozen) == sent(plain)
        assert frozen.to_dict() is frozen.to_dict()  # made once
        assert sent(frozen) == sent(plain)  # and unchanged by being sent


def test_the_server_does_not_collect_all_garbage_after_every_run():
    """Streamlit's `runner.postScriptGC` (on by default) runs `gc.collect(2)` after every script
    run: with a class's figures cached it was 60% of the server's CPU (py-spy). The app's
    config turns it off, as Streamlit itself reads that config."""
    from streamlit import config

    config._config_options = None  # read the files again (the app's, from the repository root)
    config.get_config_options(force_reparse=True, options_from_flags={})
    assert config.get_option("runner.postScriptGC") is False
