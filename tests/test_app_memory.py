"""The memory lab page (`app_pages/memory.py`) driven with Streamlit's AppTest: the shipped sweep
without training, a very short live training (curves, table, verdict, the "why" charts from the
NumPy reference), the ablations, a stopped run, a live rerun of a sweep point, URL state, presets
and Chinese. Trainings use tiny budgets (lag 10, hidden 8, 25 steps per network)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from explainer.torch_backend import memory as mem
from tests.conftest import charts, decode, open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")

PAGE = "app_pages/memory.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
TINY = {"mem_lag": "10", "mem_hidden": "8", "mem_budget": "20", "mem_steps": "25"}


def open_page(**query: str) -> AppTest:
    return open_app(PAGE, **query)


def titles(at: AppTest) -> list[str]:
    return [c["layout"]["title"]["text"] for c in charts(at)]


def shipped_sweep() -> dict:
    return json.loads(mem.SWEEP_PATH.read_text())


def train(at: AppTest) -> AppTest:
    at.button(key="mem_train").click().run()
    assert not at.exception, at.exception
    return at


def in_order(at: AppTest) -> list:
    """Every element's key (widgets) or value (text), in page order."""
    out = []

    def walk(node) -> None:
        for c in getattr(node, "children", {}).values():
            if hasattr(c, "children") and not getattr(c, "key", None):
                walk(c)
            else:
                value = getattr(c, "key", None) or getattr(c, "value", None)
                out.append(value if isinstance(value, str) else None)

    walk(at.main)
    return out


def drawn_points(at: AppTest) -> np.ndarray:
    return np.concatenate(
        [decode(tr["y"]) for tr in charts(at)[-1]["data"] if tr.get("mode") == "markers"]
    )


def solved_within(sweep: dict, cell: str, lag: int, lr: float, steps: int) -> list[int | None]:
    """Per seed, the step at which the shipped sweep solved (cell, lag, lr), if within `steps`."""
    out = []
    for seed in sweep["seeds"]:
        (p,) = [
            q
            for q in sweep["points"]
            if (q["cell"], q["lag"], q["lr"], q["seed"]) == (cell, lag, lr, seed)
        ]
        ok = p["solved_at_step"] is not None and p["solved_at_step"] <= steps
        out.append(p["solved_at_step"] if ok else None)
    return out


def test_the_page_opens_with_the_race_defaults_and_the_shipped_sweep():
    at = open_page()
    preset = mem.PRESETS["adding"]
    assert "memory lab" in at.title[0].value
    assert any("Nothing trained yet: press the button above." in i.value for i in at.info)
    # the defaults: the preset, each network at its own learning rate, a budget in steps
    assert at.radio(key="mem_task").value == "adding"
    assert at.slider(key="mem_lag").value == preset.lag == 100
    assert at.slider(key="mem_hidden").value == preset.hidden
    assert at.selectbox(key="mem_lr").value == "preset"
    assert at.number_input(key="mem_steps").value == preset.max_steps == 1500
    assert at.slider(key="mem_budget").value == preset.budget_seconds
    assert any("1500 training steps each" in c.value for c in at.caption)
    own = ", ".join(
        f"{n} {preset.lr_of(c):g}" for c, n in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU"))
    )
    assert (
        at.selectbox(key="mem_lr").format_func("preset")
        == f"each network's best in the sweep: {own}"
    )
    # the race (Train, its chart area, the findings) comes before the settings, so that the live
    # chart is on the first screen
    order = in_order(at)
    (nothing,) = [t for t in order if t and t.startswith("Nothing trained yet")]
    assert order.index("mem_train") < order.index(nothing)
    assert order.index("mem_train") < order.index("Settings") < order.index("mem_lag")
    # until a race runs, the shipped sweep's chart stands where the live chart will be (first
    # screen), and again in its own section below the settings
    assert titles(at) == [t for t in titles(at) if "Longest lag solved" in t] and titles(at)
    assert len(titles(at)) == 2
    assert "the shipped sweep" in nothing and order.index(nothing) < order.index("Settings")
    sweep = shipped_sweep()
    assert "within 2000 steps per network" in titles(at)[0]
    # "best": each (network, lag)'s points at the learning rate the sweep found best there
    best = sweep["summary"]["best_lr"]
    expected = [p["metric"] for p in sweep["points"] if best[p["cell"]][str(p["lag"])] == p["lr"]]
    assert np.allclose(np.sort(drawn_points(at)), np.sort(expected))
    at.selectbox(key="mem_sweep_lr").set_value("0.001").run()
    expected = [p["metric"] for p in sweep["points"] if p["lr"] == 1e-3]
    assert np.allclose(np.sort(drawn_points(at)), np.sort(expected))
    # the note names the machine, the grid, the budget and the cost, in the reader's language
    note = " ".join(c.value for c in at.caption)
    assert f"Measured on {sweep['machine']['cpu_count']} CPUs" in note
    assert f"seeds {', '.join(map(str, sweep['seeds']))}" in note
    assert f"at most {sweep['max_steps']} steps per point" in note
    assert f"It cost {sweep['cost']['cpu_minutes']:.0f} CPU minutes" in note


def test_the_findings_beside_the_chart_are_the_sweeps():
    at = open_page()
    sweep, preset = shipped_sweep(), mem.PRESETS["adding"]
    steps, n = preset.max_steps, len(sweep["seeds"])
    lines = [m.value for m in at.markdown if m.value.startswith(("**RNN**", "**LSTM**", "**GRU**"))]
    assert len(lines) == 3
    for line, (cell, name) in zip(
        lines, (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")), strict=True
    ):
        parts = []
        for lr in sweep["lrs"]:
            at_step = solved_within(sweep, cell, preset.lag, lr, steps)
            k = sum(a is not None for a in at_step)
            shown = ", ".join("—" if a is None else str(a) for a in at_step)
            parts.append(f"lr {lr:g}: " + (f"{k}/{n} ({shown})" if k else f"{k}/{n}"))
        assert line == f"**{name}** (lr {preset.lr_of(cell):g} in this race) — " + " · ".join(parts)
    sentence = next(c.value for c in at.caption if c.value.startswith("Best learning rate"))
    for cell, name in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")):
        ok = [
            (max(a), lr)
            for lr in sweep["lrs"]
            if None not in (a := solved_within(sweep, cell, preset.lag, lr, steps))
        ]
        assert (f"{name} {min(ok)[1]:g}" if ok else f"{name} none (no lr solved it)") in sentence
        # the longest lag solved on every seed within the race's steps (ties: the fewest steps)
        reach = [
            (lag, -max(a), lr)
            for lr in sweep["lrs"]
            for lag in sweep["lags"]
            if None not in (a := solved_within(sweep, cell, lag, lr, steps))
        ]
        lag, _, lr = max(reach)
        assert f"{name} {lag} (lr {lr:g})" in sentence, (sentence, reach)
    # another lag than the sweep's: it says so instead
    at.slider(key="mem_lag").set_value(120).run()
    assert any(
        "was not run at these settings" in c.value and "lag 120" in c.value for c in at.caption
    )


def test_the_preset_gives_each_cell_its_best_learning_rate_in_the_sweep():
    sweep, preset = shipped_sweep(), mem.PRESETS["adding"]
    c = sweep["config"]
    assert (c["hidden"], c["batch"], c["clip"], c["forget_bias"]) == (
        preset.hidden,
        preset.batch,
        preset.clip,
        preset.forget_bias,
    )
    assert preset.lag in sweep["lags"] and preset.max_steps <= sweep["max_steps"]
    for cell in ("lstm", "gru"):  # solved on every seed within the preset's steps, fewest steps
        ok = [
            (max(a), lr)
            for lr in sweep["lrs"]
            if None not in (a := solved_within(sweep, cell, preset.lag, lr, preset.max_steps))
        ]
        assert ok and preset.lr_of(cell) == min(ok)[1], (cell, ok)
    # the plain RNN solves lag 100 at no learning rate: it gets the one with which it reached the
    # longest lag on every seed (ties: the fewest steps there, on its slowest seed)
    assert not any(
        any(solved_within(sweep, "rnn", preset.lag, lr, sweep["max_steps"])) for lr in sweep["lrs"]
    )
    reach = []
    for lr in sweep["lrs"]:
        for lag in sweep["lags"]:
            at = solved_within(sweep, "rnn", lag, lr, sweep["max_steps"])
            if None not in at:
                reach.append((lag, -max(at), lr))
    assert max(reach)[2] == preset.lr_of("rnn"), reach


def test_a_short_training_shows_curves_table_verdict_and_why():
    at = train(open_page(**TINY))
    names = titles(at)
    assert "adding problem, lag 10: held-out MSE while training" in names
    assert "How much of the prediction's gradient reaches step t?" in names
    assert any(t.startswith("The LSTM's gates") for t in names)
    assert any("gates and states" in t for t in names)  # the heatmaps, in an expander
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["RNN", "LSTM", "GRU"]
    assert list(table["Steps"]) == [25, 25, 25]
    assert (table["Baseline"] == "0.1667").all()
    preset = mem.PRESETS["adding"]
    assert list(table["Learning rate"]) == [f"{preset.lr_of(c):g}" for c in ("rnn", "lstm", "gru")]
    # the legend says what each network did within the step budget
    curves = charts(at)[0]
    legend = [tr["name"] for tr in curves["data"] if tr.get("showlegend", True)]
    for name, row in zip(legend, table.itertuples(index=False), strict=True):
        lr = f"{preset.lr_of(row[0].lower()):g}"
        if row.Solved == "yes":
            assert name.startswith(f"{row[0]}, lr {lr}: solved at step "), name
        else:
            assert name == f"{row[0]}, lr {lr}: not solved within 25 steps", name
    verdict = [m.value for m in (*at.success, *at.warning)]
    assert any(
        v.startswith(("As the lesson says", "This run went the other way")) for v in verdict
    ), verdict
    # the curves end at the table's final MSE
    curves = charts(at)[names.index("adding problem, lag 10: held-out MSE while training")]
    finals = [decode(tr["y"])[-1] for tr in curves["data"] if tr.get("yaxis") == "y"]
    assert [f"{v:.4f}" for v in finals] == list(table["Final MSE"])
    # oracle: the predictions the NumPy reference prints equal the trained torch model's own
    board = at.session_state["_mem_main"]
    x, _ = mem.example_sequence("adding", 10, seed=0)
    text = next(m.value for m in at.markdown if "the predictions are" in m.value)
    for cell, name in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")):
        with torch.no_grad():
            y = float(board.record.models[cell](torch.tensor(x[None], dtype=torch.float32))[0, 0])
        assert f"{name} {y:.3f}" in text, (name, y, text)


def test_the_lstm_ablations_train_with_the_same_budget_and_reuse_the_lstm():
    at = train(open_page(**TINY))
    at.button(key="mem_abl_train").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 0]) == [
        "LSTM",
        "LSTM, f = 1",
        "LSTM, no output gate",
        "LSTM, i = 1 − f",
    ]
    assert list(table["Steps"]) == [25, 25, 25, 25]
    main, abl = at.session_state["_mem_main"], at.session_state["_mem_abl"]
    assert (
        abl.record.rows["standard"] == main.record.rows["lstm"]
    )  # same settings: the LSTM is reused
    assert any("Solved:" in i.value for i in at.info)


def test_a_stopped_run_keeps_its_curves_and_says_so():
    at = train(open_page(**TINY))
    board = at.session_state["_mem_main"]
    board.status = "stopped"  # what the board says when Stop interrupts the training
    at.run()
    assert any("Stopped before the budget ran out" in w.value for w in at.warning)
    assert any(t.endswith("(stopped)") for t in titles(at))
    assert any(i.value.startswith("So far, before it was stopped") for i in at.info)
    board.record.models = {}  # interrupted before the backend returned: curves, but no "why"
    at.run()
    assert not at.exception
    assert any("Train the networks above to see why" in i.value for i in at.info)
    assert any(t.endswith("(stopped)") for t in titles(at))


def test_a_diverged_network_is_named_and_the_others_still_explained():
    at = train(open_page(**TINY))
    board = at.session_state["_mem_main"]
    with torch.no_grad():  # what a diverged training leaves: weights that are no numbers
        board.record.models["gru"].rnn.weight_hh_l0.fill_(float("nan"))
    at.session_state["_mem_why"] = {}
    at.run()
    assert not at.exception, at.exception
    assert any(w.value.startswith("GRU: the training diverged") for w in at.warning)
    text = next(m.value for m in at.markdown if "the predictions are" in m.value)
    assert "RNN" in text and "LSTM" in text and "GRU" not in text


def test_a_sweep_point_reruns_live_as_a_star():
    sweep = shipped_sweep()
    solved = [p for p in sweep["points"] if p["solved"]]
    p = min(solved, key=lambda p: p["steps"] * p["lag"])  # the quickest one to reproduce
    at = open_page()
    at.selectbox(key="mem_rerun_lag").set_value(p["lag"])
    at.selectbox(key="mem_rerun_cell").set_value(p["cell"])
    at.selectbox(key="mem_rerun_lr").set_value(p["lr"])
    at.number_input(key="mem_rerun_seed").set_value(p["seed"])
    at.button(key="mem_rerun_go").click().run()
    assert not at.exception, at.exception
    stars = [tr for tr in charts(at)[-1]["data"] if tr.get("marker", {}).get("symbol") == "star"]
    assert len(stars) == 1
    live = at.session_state["_mem_live_points"][0]
    assert live["solved"], live  # the same seed and settings solve it again
    assert any(m.value.startswith("Live:") for m in at.markdown)


def test_url_settings_and_presets():
    at = open_page(
        mem_task="recall",
        mem_lag="30",
        mem_lr="0.001",
        mem_fbias="0",
        mem_budget="7",
        mem_x="seconds",
    )
    assert at.radio(key="mem_task").value == "recall"
    assert at.slider(key="mem_lag").value == 30
    assert at.selectbox(key="mem_lr").value == "0.001"
    assert at.radio(key="mem_fbias").value == "0"
    assert at.radio(key="mem_x").value == "seconds"
    assert any("Delayed recall" in m.value for m in at.markdown)
    assert any("after 7 s of its own" in c.value for c in at.caption)
    at.button(key="mem_preset_adding").click().run()
    preset = mem.PRESETS["adding"]
    assert at.radio(key="mem_task").value == "adding"
    assert at.slider(key="mem_lag").value == preset.lag
    assert at.selectbox(key="mem_lr").value == "preset"
    assert at.number_input(key="mem_steps").value == preset.max_steps
    assert at.slider(key="mem_budget").value == min(preset.budget_seconds, 60)


def test_bad_url_values_fall_back_to_defaults():
    at = open_page(
        mem_task="bogus",
        mem_lag="9999",
        mem_hidden="abc",
        mem_lr="7",
        mem_fbias="x",
        mem_budget="-5",
        mem_steps="nan",
        mem_x="<script>",
        mem_clip="1e9",
        mem_seed="-1",
    )
    assert at.radio(key="mem_task").value == "adding"
    assert at.slider(key="mem_lag").value == mem.PRESETS["adding"].lag
    assert at.slider(key="mem_hidden").value == mem.PRESETS["adding"].hidden
    assert at.selectbox(key="mem_lr").value == "preset"
    assert at.selectbox(key="mem_clip").value == f"{mem.PRESETS['adding'].clip:g}"
    assert at.radio(key="mem_fbias").value == "1"
    assert at.slider(key="mem_budget").value == mem.PRESETS["adding"].budget_seconds
    assert at.number_input(key="mem_steps").value == mem.PRESETS["adding"].max_steps
    assert at.number_input(key="mem_seed").value == 0
    assert at.radio(key="mem_x").value == "step"


@pytest.mark.parametrize("key", ["mem_seed", "mem_steps"])
@pytest.mark.parametrize("raw", ["9" * 4400, "1e999", "-inf"], ids=["4400digits", "1e999", "-inf"])
def test_url_numbers_too_large_for_a_float_fall_back_to_defaults(key, raw):
    at = open_page(**{key: raw})  # Streamlit's own parsing raised OverflowError here
    default = {"mem_seed": 0, "mem_steps": mem.PRESETS["adding"].max_steps}[key]
    assert at.number_input(key=key).value == default
    assert key not in at.query_params
    at.number_input(key=key).set_value(50).run()  # and it still moves
    assert not at.exception and at.number_input(key=key).value == 50


def test_chinese_title_text_and_figure_titles():
    at = train(open_page(lang="zh", **TINY))
    assert CJK.search(at.title[0].value)
    names = titles(at)
    assert len(names) == 5 and all(CJK.search(t) for t in names), names
    prose = [m.value for m in at.markdown if len(m.value) > 40 and "<style" not in m.value]
    assert prose and all(CJK.search(t) for t in prose)
    assert list(at.dataframe[0].value.columns)[0] == "网络"


def test_a_training_that_fails_is_a_message_not_a_traceback(monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(mem, "train_cells", out_of_memory)  # the job calls it in its thread
    at = train(open_page(**TINY))
    assert any(e.value == "Training failed: out of memory" for e in at.error)
    assert at.session_state["_mem_main"].status == "failed"
    assert any("Train the networks above to see why" in i.value for i in at.info)


def test_a_time_cap_that_bites_is_said_in_the_legend_and_the_verdict():
    # 1 s per network for 5000 steps at lag 50: the cap, not the steps, ends every network
    at = train(open_page(mem_lag="50", mem_hidden="8", mem_budget="1", mem_steps="5000"))
    board = at.session_state["_mem_main"]
    table = at.dataframe[0].value  # the results (no findings: the sweep has no hidden 8)
    legend = [tr["name"] for tr in charts(at)[0]["data"] if tr.get("showlegend", True)]
    capped = [n for n in ("rnn", "lstm", "gru") if board.record.capped[n]]
    assert capped  # a second is far too little for 5000 steps
    for n in capped:
        steps = int(board.record.rows[n][-1][0])
        assert steps < 5000
        name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[n]
        assert f"{name}, lr 0.01: not solved in {steps} steps (time cap)" in legend, legend
    verdict = " ".join(m.value for m in (*at.success, *at.warning))
    assert "stopped by the 1 s time cap before 5000 steps" in verdict
    assert len(table) == 3
