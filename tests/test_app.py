"""Every lesson page driven with Streamlit's AppTest: defaults, every control, URL state, both
languages, presets, presentation mode, the gradient check and the export."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainer.lesson import lesson_run
from tests.conftest import ROOT, charts, decode, open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")

LESSON_PAGES = {  # page file -> number of charts at the default settings
    "app_pages/start.py": 0,
    "app_pages/unroll.py": 2,  # every lesson page also draws its input, the task's example
    "app_pages/gradients.py": 3,
    "app_pages/lstm.py": 4,
    "app_pages/adds.py": 4,
    "app_pages/gru.py": 4,
    "app_pages/compare.py": 5,
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_page(page: str, **query: str) -> AppTest:
    return open_app(page, **query)


@pytest.mark.parametrize(("page", "n_charts"), LESSON_PAGES.items())
def test_every_page_runs_at_defaults_with_its_charts(page, n_charts):
    at = open_page(page)
    assert len(at.get("plotly_chart")) == n_charts
    assert at.title, "every page has a title"


SIDEBAR_MOVES = [
    ("selectbox", "cell", "lstm"),
    ("selectbox", "cell", "gru"),
    ("slider", "hidden", 3),
    ("slider", "layers", 2),
    ("slider", "steps", 1),
    ("slider", "steps", 200),
    ("selectbox", "signal", "step"),
    ("selectbox", "signal", "noise"),
    ("selectbox", "signal", "spike"),
    ("selectbox", "signal", "series"),
    ("slider", "scale", 3.0),
    ("number_input", "seed", 42),
]


@pytest.mark.parametrize("page", [p for p in LESSON_PAGES if p != "app_pages/start.py"])
def test_every_sidebar_control_moves_without_error(page):
    at = open_page(page)
    fixed = page not in ("app_pages/unroll.py",)  # the other pages show their own cell types
    assert (not any(w.key == "cell" for w in at.sidebar.selectbox)) == fixed
    for kind, key, value in SIDEBAR_MOVES:
        if fixed and key == "cell":
            continue
        getattr(at, kind)(key=key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        assert at.get("plotly_chart"), (key, value)


PAGE_MOVES = {
    "app_pages/unroll.py": [("slider", "unit", 5)],
    "app_pages/gradients.py": [
        ("slider", "radius", 0.5),
        ("slider", "radius", 2.0),
        ("radio", "nonlin", "relu"),
    ],
    "app_pages/lstm.py": [("slider", "t", 39), ("slider", "unit", 7)],
    "app_pages/adds.py": [
        ("slider", "fbias", 5.0),
        ("slider", "fbias", -3.0),
        ("selectbox", "ablation", "forget_one"),
        ("selectbox", "ablation", "no_output"),
        ("selectbox", "ablation", "coupled"),
        ("slider", "unit", 3),
    ],
    "app_pages/gru.py": [("radio", "gru_form", "textbook"), ("slider", "t", 20)],
    "app_pages/compare.py": [("toggle", "match", True), ("slider", "t", 10)],
}


@pytest.mark.parametrize("page", PAGE_MOVES)
def test_every_page_control_moves_and_changes_a_chart(page):
    at = open_page(page)
    for kind, key, value in PAGE_MOVES[page]:
        before = [c.proto.spec for c in at.get("plotly_chart")]
        getattr(at, kind)(key=key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        after = [c.proto.spec for c in at.get("plotly_chart")]
        assert before != after, f"moving {key} to {value} changed no chart"


def test_layers_and_time_sliders_on_a_two_layer_lstm():
    at = open_page("app_pages/lstm.py", net="untrained", layers="2", hidden="4", steps="12")
    at.slider(key="layer").set_value(1).run()
    at.slider(key="t").set_value(11).run()
    assert not at.exception
    # shortening the sequence moves the time cursor to the new last step instead of failing
    at.slider(key="steps").set_value(5).run()
    assert not at.exception
    assert at.slider(key="t").value == 4


def test_url_settings_reproduce_the_view():
    assert open_page("app_pages/unroll.py", cell="gru").selectbox(key="cell").value == "gru"
    at = open_page(
        "app_pages/gradients.py",
        hidden="12",
        steps="33",
        signal="spike",
        seed="7",
        scale="1.5",
        radius="1.25",
        nonlin="relu",
    )
    assert at.slider(key="hidden").value == 12
    assert at.slider(key="steps").value == 33
    assert at.selectbox(key="signal").value == "spike"
    assert at.number_input(key="seed").value == 7
    assert at.slider(key="scale").value == pytest.approx(1.5)
    assert at.slider(key="radius").value == pytest.approx(1.25)
    assert at.radio(key="nonlin").value == "relu"
    # the decay chart's curve is the gradient of exactly that run, recomputed independently here
    run = lesson_run(
        "rnn",
        12,
        1,
        33,
        "spike",
        seed=7,
        scale=1.5,
        radius=1.25,
        nonlinearity="relu",
        task="adding",
    )
    ys = [decode(tr["y"]) for spec in charts(at) for tr in spec["data"] if "y" in tr]
    assert any(y.shape == (33,) and np.allclose(y, run.grads.h_norm, rtol=1e-12) for y in ys)


def test_bad_url_values_fall_back_to_defaults():
    at = open_page(
        "app_pages/unroll.py",
        hidden="9999",
        steps="-3",
        cell="transformer",
        signal="<script>",
        scale="nan",
        unit="abc",
        lang="fr",
        seed="9" * 4400,  # a float overflows on it: Streamlit raised OverflowError
    )
    assert at.number_input(key="seed").value == 0 and "seed" not in at.query_params
    assert at.slider(key="hidden").value == 8
    assert at.slider(key="steps").value == 100
    assert at.selectbox(key="cell").value == "rnn"
    assert at.selectbox(key="signal").value == "task"
    assert at.radio(key="lang").value == "en"


def test_chinese_translates_every_lesson_page():
    for page in LESSON_PAGES:
        at = open_page(page, lang="zh")
        assert CJK.search(at.title[0].value), page
        texts = [m.value for m in at.markdown] + [s.value for s in at.subheader]
        prose = [t for t in texts if len(t) > 40 and not t.startswith("<style")]
        assert all(CJK.search(t) for t in prose), (page, [t for t in prose if not CJK.search(t)])
        for spec in charts(at):
            title = spec["layout"].get("title", {}).get("text", "")
            assert not title or CJK.search(title), (page, title)
        assert CJK.search(at.sidebar.toggle[0].label)


def test_presets_set_the_controls_and_open_their_page():
    at = open_page("app_pages/start.py")
    at.button(key="pre_explode").click().run()
    assert not at.exception
    assert at.slider(key="radius").value == pytest.approx(1.5)
    assert at.radio(key="nonlin").value == "relu"
    assert at.selectbox(key="signal").value == "spike"
    at = open_page("app_pages/start.py")
    at.button(key="pre_forget").click().run()
    assert at.slider(key="fbias").value == pytest.approx(3.0)
    assert at.radio(key="net_adds").value == "untrained"  # a preset of weight knobs
    assert len(at.get("plotly_chart")) == 4


def test_presentation_mode_and_hidden_controls():
    at = open_page("app_pages/lstm.py", pres="true", hide="true")
    assert any("<style>" in m.value for m in at.markdown)
    fonts = [spec["layout"]["font"]["size"] for spec in charts(at)]
    plain = [spec["layout"]["font"]["size"] for spec in charts(open_page("app_pages/lstm.py"))]
    assert min(fonts) > max(plain)
    assert not at.sidebar.expander[0].proto.expanded


def test_gradient_check_runs_on_demand():
    at = open_page("app_pages/lstm.py", steps="12", hidden="3")
    at.button(key="gradcheck_lstm").click().run()
    assert not at.exception
    assert at.success, "the gradient check reports agreement"
    assert float(at.metric[0].value) < 1e-5


def test_exploding_gradients_are_explained_not_raised():
    at = open_page("app_pages/gradients.py", radius="2.0", nonlin="relu", steps="200", scale="3.0")
    assert not at.exception
    assert at.info  # the page says the gradient grows instead of fading


def test_export_snippet_reproduces_the_view():
    at = open_page(
        "app_pages/gru.py", net="untrained", hidden="5", steps="9", seed="3", gru_form="textbook"
    )
    code = [c.value for c in at.code if "lesson_run(" in c.value]
    assert code
    call = re.search(r"run = (lesson_run\(.*\))", code[0]).group(1)
    run = eval(call, {"lesson_run": lesson_run})  # noqa: S307 -- our own generated snippet
    assert run.trace.variant == "textbook" and run.trace.h.shape == (9, 5)
    heat = [spec for spec in charts(at) if any(tr.get("type") == "heatmap" for tr in spec["data"])]
    zs = [decode(tr["z"]) for tr in heat[0]["data"] if tr.get("type") == "heatmap"]
    r = run.trace.layers[0].gates["r"]
    assert any(
        z.shape in (r.shape, r.T.shape) and np.allclose(z if z.shape == r.shape else z.T, r)
        for z in zs
    )


def test_user_text_is_never_rendered_as_html():
    at = open_page("app_pages/start.py", signal="<b>x</b>")
    html = [m for m in at.markdown if "<" in m.value and not m.value.startswith("<style")]
    assert not html


def test_the_lesson_pages_never_import_torch():
    """The NumPy lesson never waits for torch: only the training pages import it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tests.conftest import open_app\n"
        f"for page in {[p for p in LESSON_PAGES]!r}:\n"
        "    open_app(page)\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
