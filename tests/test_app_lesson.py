"""The lesson pages on the shipped trained networks (#12), driven with AppTest: pages 3-6 open on
trained networks that show the lesson, the network chooser lives in the URL, a weight knob on a
trained network switches to the untrained one, bad links and files get a message, and a network
trained live in the session steps, scrubs back, resets and stops when it diverges.

Expected values come from the shipped files read directly (`explainer.trained.load`) and the
reference's own backward pass, never from the page's helpers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explainer import trained
from explainer.norms import steps_of_signal
from tests.conftest import charts, decode, live_specs, open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")

T = 100  # the pages' default length: the shipped networks' training lag
TRAINED_PAGES = ("lstm", "adds", "gru", "compare")


def shipped(cell: str, task: str = "adding"):
    name = next(n for n in trained.names() if n.startswith(f"{task}_{cell}_"))
    return trained.load(name)


def example(task: str = "adding"):
    """The pages' default input: example 0 of the task at the default length."""
    return shipped("lstm", task).task.example(T, 0)[0]


def dy_dh(net, x) -> np.ndarray:
    """‖∂ŷ/∂h_t‖ of a shipped network on x, from its own forward and backward pass."""
    trace = net.model.forward(x)
    grad = np.zeros(trace.h.shape)
    grad[-1] = net.readout.weight[0]
    return np.asarray(net.model.backward(trace, grad).h_norm)


def lag(x) -> int:
    return T - 1 - int(np.flatnonzero(x[:, 1] > 0.5)[0])


def figure(at, title_part: str) -> dict:
    found = [c for c in charts(at) if title_part in c["layout"].get("title", {}).get("text", "")]
    assert found, [c["layout"].get("title", {}).get("text", "") for c in charts(at)]
    return found[0]


@pytest.mark.parametrize("page", TRAINED_PAGES)
def test_pages_3_to_6_open_on_trained_networks_and_say_so(page):
    at = open_app(f"app_pages/{page}.py")
    assert at.radio(key=f"net_{page}").value == "trained"
    notes = " ".join(m.value for m in at.markdown)
    assert "trained on the adding problem" in notes
    assert "held-out MSE" in notes
    assert "net" not in at.query_params  # the default is not written into the link


def test_compare_reach_table_shows_lstm_and_gru_across_the_lag_and_not_the_rnn():
    at = open_app("app_pages/compare.py")
    x = example()
    table = at.dataframe[0].value
    reach = {
        c: steps_of_signal(dy_dh(shipped(c), x)) for c in ("rnn", "lstm", "gru")
    }  # None: signal at every step
    shown = dict(zip(table.iloc[:, 0], table.iloc[:, 3], strict=True))
    for c, n in reach.items():
        label = {"rnn": "Plain RNN", "lstm": "LSTM", "gru": "GRU"}[c]
        assert shown[label] == (f"all {T - 1}" if n is None else str(n))
    across = dict(zip(table.iloc[:, 0], table.iloc[:, 5], strict=True))
    assert across == {"Plain RNN": "no", "LSTM": "yes", "GRU": "yes"}
    assert reach["rnn"] is not None and reach["rnn"] < lag(x)
    assert any("carry the gradient of the output back" in i.value for i in at.info)
    # the connectivity view: ‖∂y/∂x_t‖ of each shipped network painted on the input
    sens = figure(at, "The input")
    strips = {
        tr["y"][0]: decode(tr["customdata"])[0] for tr in sens["data"] if tr["type"] == "heatmap"
    }
    for c in ("rnn", "lstm", "gru"):
        net = shipped(c)
        expected = net.model.connectivity(net.model.forward(x), net.readout.weight[0])
        np.testing.assert_allclose(strips[c.upper()], expected, rtol=1e-12)


def test_adds_page_draws_the_lstm_and_rnn_gradients_decades_apart():
    at = open_app("app_pages/adds.py")
    x = example()
    paths = figure(at, "How far back")
    curves = {tr["name"]: decode(tr["y"]) for tr in paths["data"] if tr.get("y") is not None}
    # the lesson pages differentiate the output y (the readout), and their legends say so
    lstm, rnn = curves["LSTM: ‖∂y/∂h_t‖"], curves["RNN: ‖∂y/∂h_t‖"]
    np.testing.assert_allclose(lstm, dy_dh(shipped("lstm"), x), rtol=1e-12)
    np.testing.assert_allclose(rnn, dy_dh(shipped("rnn"), x), rtol=1e-12)
    p = int(np.flatnonzero(x[:, 1] > 0.5)[0])  # at the first marked step, far back
    assert lstm[p] / lstm[-1] > 1e3 * (rnn[p] / rnn[-1])
    assert any("across the" in i.value for i in at.info)


@pytest.mark.parametrize(("page", "gate"), [("lstm", "f"), ("gru", "z")])
def test_a_trained_gate_does_visible_work(page, gate):
    at = open_app(f"app_pages/{page}.py")
    x = example()
    p = int(np.flatnonzero(x[:, 1] > 0.5)[0])
    heat = figure(at, "gates and states")
    z = {tr["name"]: decode(tr["z"]) for tr in heat["data"] if tr["type"] == "heatmap"}[gate]
    expected = shipped(page).model.forward(x).layers[0].gates[gate]  # (T, H)
    np.testing.assert_allclose(z, expected.T, rtol=1e-12)
    assert z[:, p:].mean(axis=1).max() >= 0.9  # one unit holds on from the marker to the end
    assert any("averages" in i.value and "never drops below" in i.value for i in at.info)


def test_the_chooser_lives_in_the_url():
    at = open_app("app_pages/lstm.py", net="untrained")
    assert at.radio(key="net_lstm").value == "untrained"
    assert at.query_params["net"] == "untrained"
    at.radio(key="net_lstm").set_value("trained").run()
    assert "net" not in at.query_params  # the page's default
    at.selectbox(key="task").set_value("sign").run()
    assert at.query_params["task"] == "sign"
    assert "trained on the sign to remember" in " ".join(m.value for m in at.markdown)
    # a live run stays in the session: its link names the network it started from
    at.radio(key="net_lstm").set_value("live").run()
    assert "net" not in at.query_params and at.query_params["task"] == "sign"
    # pages 1-2 open untrained (and say why); a link can ask for the trained one
    at = open_app("app_pages/gradients.py")
    assert at.radio(key="net_gradients").value == "untrained"
    at = open_app("app_pages/gradients.py", net="trained")
    assert at.radio(key="net_gradients").value == "trained"
    assert any("spectral radius" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("page", "kind", "key", "value"),
    [("adds", "slider", "fbias", 2.0), ("lstm", "slider", "hidden", 4)],
)
def test_a_weight_knob_on_a_trained_network_switches_to_the_untrained_one(page, kind, key, value):
    at = open_app(f"app_pages/{page}.py")
    assert at.radio(key=f"net_{page}").value == "trained"
    getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception
    assert at.radio(key=f"net_{page}").value == "untrained"
    assert any("which changes the weights" in i.value for i in at.info)
    assert at.query_params["net"] == "untrained"
    notes = " ".join(m.value for m in at.markdown)
    assert "untrained, at PyTorch's initialisation" in notes
    # the input knobs apply to both: a shorter input keeps the trained network
    at.radio(key=f"net_{page}").set_value("trained").run()
    at.slider(key="steps").set_value(60).run()
    assert at.radio(key=f"net_{page}").value == "trained"
    assert figure(at, "The input")["data"][0]["x"] is not None


def test_a_link_naming_nothing_falls_back_and_says_so():
    at = open_app("app_pages/compare.py", net="transformer", task="chess", snap="12")
    assert not at.exception
    assert at.radio(key="net_compare").value == "trained"
    assert at.selectbox(key="task").value == "adding"
    warning = " ".join(w.value for w in at.warning)
    assert "transformer" in warning and "chess" in warning and "snapshots" in warning


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_shipped_file_is_reported_and_untrained_still_works(
    damage, tmp_path, monkeypatch
):
    for name in trained.names():
        if damage == "corrupt":
            (tmp_path / f"{name}.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{nope")
    monkeypatch.setattr(trained, "ASSETS", tmp_path)
    at = open_app("app_pages/lstm.py")
    assert not at.exception
    assert any(damage in e.value for e in at.error)
    assert "untrained, at PyTorch's initialisation" in " ".join(m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 4


def _heatmap_f(at) -> np.ndarray:
    heat = figure(at, "gates and states")
    return {tr["name"]: decode(tr["z"]) for tr in heat["data"] if tr["type"] == "heatmap"}["f"]


def _steps(at) -> int:
    return int(next(m.value for m in at.metric if m.label == "Training steps"))


@pytest.mark.parametrize("page", ["unroll", "lstm", "compare"])
def test_a_live_networks_views_are_live_charts_and_a_shipped_ones_are_not(page):
    """The views of the network being trained now are live charts (updated in place in the
    browser, `ui.livechart`) with the same figures; the shipped network's are st.plotly_chart."""
    at = open_app(f"app_pages/{page}.py")
    shipped = [c.proto.spec for c in at.get("plotly_chart")]
    assert shipped and not live_specs(at)
    at.radio(key=f"net_{page}").set_value("live").run()
    assert not at.exception
    live = live_specs(at)
    assert live and not at.get("plotly_chart")
    titles = [json.loads(spec)["layout"]["title"]["text"] for spec in live]
    assert set(titles) <= {json.loads(spec)["layout"]["title"]["text"] for spec in shipped}
    at.radio(key=f"net_{page}").set_value("trained").run()
    assert at.get("plotly_chart") and not live_specs(at)


def test_live_training_steps_scrubs_back_and_resets(monkeypatch):
    at = open_app("app_pages/lstm.py", steps="30")
    start = _heatmap_f(at)
    at.radio(key="net_lstm").set_value("live").run()
    assert _steps(at) == 0
    np.testing.assert_array_equal(_heatmap_f(at), start)  # it starts from the shipped state
    at.button(key="live_step").click().run()
    assert not at.exception
    assert _steps(at) == 10
    stepped = _heatmap_f(at)
    assert not np.array_equal(stepped, start)
    # the weights drawn are the trainer's own: a snapshot scrubbed back is the stored arrays
    at.select_slider(key="live_view_lstm").set_value(0).run()
    assert _steps(at) == 0
    np.testing.assert_array_equal(_heatmap_f(at), start)
    (trainer,) = at.session_state["_lesson_live"].trainers.values()
    held_out = next(m.value for m in at.metric if "held-out MSE here" in m.label)
    assert held_out == f"{trainer.snapshots[0].metric:.4f}"  # the snapshot's stored metric
    at.select_slider(key="live_view_lstm").set_value(1).run()
    np.testing.assert_array_equal(_heatmap_f(at), stepped)
    at.button(key="live_reset").click().run()
    assert _steps(at) == 0
    np.testing.assert_array_equal(_heatmap_f(at), start)
    # the views of a live network are this session's own: nothing of it is shared
    from explainer.ui import runs

    store, _ = runs._figure_store()
    assert not any(runs._is_live(k) for k in store)


class _NaNTargets:
    """A task whose batches have NaN targets: the loss of the next step is NaN."""

    def __init__(self, task):
        self._task = task

    def __getattr__(self, name):
        return getattr(self._task, name)

    def make_batch(self, T, B, rng):
        x, y = self._task.make_batch(T, B, rng)
        return x, y * np.nan


def test_live_training_that_diverges_stops_says_why_and_keeps_its_history():
    at = open_app("app_pages/lstm.py", steps="30")
    at.radio(key="net_lstm").set_value("live").run()
    at.button(key="live_step").click().run()
    board = at.session_state["_lesson_live"]
    (trainer,) = board.trainers.values()
    trainer.task = _NaNTargets(trainer.task)  # the next step's loss is NaN
    at.button(key="live_step").click().run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Training stopped" in warning and "NaN" in warning
    assert trainer.diverged and trainer.steps == 10  # the NaN step was not applied
    assert [s.step for s in trainer.snapshots] == [0, 10]
    assert _steps(at) == 10 and np.isfinite(_heatmap_f(at)).all()
    at.select_slider(key="live_view_lstm").set_value(0).run()  # the history is still there
    assert _steps(at) == 0
