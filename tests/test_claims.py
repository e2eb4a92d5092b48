"""Sentences that a number backs, checked against that number: the reach count and its "all",
the one-step bound of page 2, the forget-gate product of page 4 and its ablation table's note."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explainer.data import load_bundled
from explainer.lesson import lesson_run
from explainer.norms import steps_of_signal
from tests.conftest import open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")
UNTRAINED = {"net": "untrained", "signal": "sine", "steps": "40", "hidden": "8"}  # lesson_run's
TASK = {"task": "adding", "example": 0}  # the network chooser's defaults: the input size they give


def count_back(norms, ratio=1e-3):
    """Steps back from the last one, one at a time, while the norm stays >= ratio x the last."""
    k = 0
    while k + 1 < len(norms) and norms[-2 - k] >= ratio * norms[-1]:
        k += 1
    return None if k == len(norms) - 1 else k


@pytest.mark.parametrize(
    ("norms", "expected"),
    [
        ([1e-5, 1e-2, 1.0], 1),  # one step back (t = 1) keeps signal; the last step is not counted
        ([1e-5, 1.0], 0),  # the step before the last has none
        ([0.5**k for k in range(12, -1, -1)], 9),  # 0.5^9 = 0.00195 >= 1e-3 > 0.5^10
        ([1.0, 1.0, 1.0], None),  # all 2 steps back reach t = 0
        ([1.0, np.nan, 1.0], 0),  # NaN is no signal
        ([1.0, 0.0], 0),
    ],
)
def test_steps_of_signal_counts_steps_back_without_the_last(norms, expected):
    assert steps_of_signal(np.array(norms), 1e-3) == expected


def number(text: str, after: str) -> float:
    return float(re.search(re.escape(after) + r"\s*([-+0-9.e]+)", text).group(1).rstrip("."))


@pytest.mark.parametrize(
    "query",
    [{}, {"radius": "1.5", "nonlin": "relu", "steps": "60", "signal": "spike", "hidden": "16"}],
)
def test_page_2_reach_metric_and_sentence_match_the_gradient(query):
    query = {**UNTRAINED, **query}
    at = open_app("app_pages/gradients.py", **query)
    steps, radius = int(query.get("steps", 40)), float(query.get("radius", 0.9))
    nonlin = query.get("nonlin", "tanh")
    run = lesson_run(
        "rnn",
        int(query.get("hidden", 8)),
        1,
        steps,
        query.get("signal", "sine"),
        radius=radius,
        nonlinearity=nonlin,
        **TASK,
    )
    n = count_back(run.grads.h_norm)
    shown = next(m.value for m in at.metric if m.label == "Steps back with signal")
    info = next(i.value for i in at.info if i.value.startswith("At radius"))
    if n is None:
        assert shown == f"all {steps - 1}"
        g = run.grads.h_norm
        if g[0] >= g[-1]:
            assert "grows going back" in info and "fades" not in info
        else:
            assert f"all {steps - 1} steps back" in info and "grows going back" not in info
    else:
        assert shown == str(n)
        assert f"for {n} steps back" in info
    # the one-step bound: the run's own W_hh and slopes, and the bound holds at every step
    caption = next(c.value for c in at.caption if "largest singular value" in c.value)
    w = run.model.params["weight_hh_l0"]
    sigma = np.linalg.svd(w, compute_uv=False)[0]
    rho = max(abs(np.linalg.eigvals(w)))
    h, a = run.trace.layers[0].h, run.trace.layers[0].preact["h"]
    slope = (1 - h**2).max() if nonlin == "tanh" else float((a > 0).any())
    assert number(caption, "spectral radius") == pytest.approx(rho, abs=0.005)
    assert rho == pytest.approx(radius)
    assert number(caption, "largest singular value") == pytest.approx(sigma, abs=0.005)
    assert number(caption, f"the largest {nonlin}′ over its steps is") == pytest.approx(
        slope, abs=0.005
    )
    g = run.grads.h_norm
    assert np.all(g[:-1] <= sigma * slope * g[1:] * (1 + 1e-12))  # "at most", step by step
    intro = next(m.value for m in at.markdown if "Backpropagation" in m.value)
    other = "relu" if nonlin == "tanh" else "tanh"
    assert f"diag({nonlin}′(a_t))" in intro and f"{other}′" not in intro


@pytest.mark.parametrize("steps", [1, 12, 40])
def test_page_4_forget_product_sentence_uses_the_steps_the_sequence_has(steps):
    at = open_app("app_pages/adds.py", **{**UNTRAINED, "steps": str(steps)})
    run = lesson_run("lstm", 8, 1, steps, "sine", **TASK)
    f = float(np.mean(run.trace.layers[0].gates["f"]))
    info = next(i.value for i in at.info if "Mean forget gate" in i.value)
    assert f"f ≈ {f:.2f}" in info
    k = min(20, steps - 1)
    if k == 0:
        assert "steps back" not in info
    else:
        assert f"{k} steps back about {f:.2f}^{k} ≈ {f**k:.1e}" in info


def test_page_4_ablation_note_gives_the_sizes_behind_all():
    query = {**UNTRAINED, "fbias": "1.0", "steps": "100", "signal": "spike", "hidden": "16"}
    at = open_app("app_pages/adds.py", **query)
    one = lesson_run("lstm", 16, 1, 100, "spike", fbias=1.0, variant="forget_one", **TASK)
    std = lesson_run("lstm", 16, 1, 100, "spike", fbias=1.0, **TASK)
    table = at.dataframe[0].value
    assert list(table.iloc[1])[2] == "all 99"  # f = 1: the c gradient never fades
    assert float(table.iloc[1, 3]) == pytest.approx(one.grads.c_norm[0], rel=0.05)
    cmax = np.abs(one.trace.layers[0].c).max()
    assert float(table.iloc[1, 4]) == pytest.approx(cmax, abs=0.05)
    note = next(c.value for c in at.caption if "clamped to 1" in c.value)
    assert f"|c| reaches {cmax:.1f}" in note
    ratio = one.grads.c_norm[-1] / std.grads.c_norm[-1]
    assert f"at {ratio:.2g} × the standard LSTM's size" in note


@pytest.mark.parametrize(("steps", "checked"), [(12, 12), (40, 30)])
def test_the_gradient_check_says_what_it_checks(steps, checked):
    at = open_app("app_pages/lstm.py", **{**UNTRAINED, "steps": str(steps), "hidden": "3"})
    text = next(c.value for c in at.caption if "randomly chosen entries" in c.value)
    assert f"first {checked} steps" in text and "12 randomly chosen" in text
    assert "below 1e-5 counts as agreement" in text
    at.button(key="gradcheck_lstm").click().run()
    worst = float(at.metric[0].value)
    assert worst < 1e-5 and at.success  # the threshold the sentence names is the one applied
    table = at.dataframe[-1].value
    assert set(table.iloc[:, 0]) >= {"weight_ih_l0", "weight_hh_l0", "x", "h0", "c0"}


def test_the_language_switch_names_itself_in_both_languages():
    assert open_app("app_pages/start.py").radio(key="lang").label == "Language / 语言"
    assert open_app("app_pages/start.py", lang="zh").radio(key="lang").label == "语言 / Language"


def test_the_forecast_page_says_in_words_whether_the_model_beats_persistence():
    from tests.test_app_forecast import open_page as open_forecast
    from tests.test_app_forecast import train_tiny

    at = train_tiny(open_forecast())
    point = at.session_state["fc_result"]["predictions"]["point"].metrics
    rmse, prmse = point.rmse_original, point.persistence_rmse_original
    table = at.dataframe[0].value
    assert table.iloc[0, 1] == rmse and table.iloc[0, 2] == prmse  # the row the sentence cites
    boxes = [w.value for w in at.warning] + [s.value for s in at.success]
    verdict = next(b for b in boxes if "persistence" in b and "RMSE" in b)
    word = "loses to" if rmse > prmse else "beats"
    assert f"The trained model {word} persistence" in verdict
    assert f"its RMSE is {rmse:.4g} against {prmse:.4g}" in verdict
    assert f"{rmse / prmse:.2g} times persistence" in verdict


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_forecast_data_section_states_the_series_size_once(lang):
    at = open_app("app_pages/forecast.py", lang=lang)
    series = load_bundled("co2_weekly.csv")
    n, gaps = len(series), series.gaps
    texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    assert sum(str(n) in t for t in texts) == 1, texts  # was the note and the summary, twice
    assert any(str(n) in t and str(gaps) in t for t in texts)


def test_the_recipe_buttons_set_the_form_and_the_link():
    from tests.test_app_forecast import TINY, upload
    from tests.test_app_forecast import open_page as open_forecast

    at = upload(open_forecast(), TINY)
    at.button(key="fc_recipe_short").click().run()
    assert not at.exception
    url = dict(at.query_params)
    assert {k: url[k] for k in url if k.startswith("fc_") and k != "fc_source"} == {
        "fc_window": "10",
        "fc_hidden": "64",
        "fc_dropout": "0",
        "fc_opt": "adam",
        "fc_lr": "0.003",
    }
    at.button(key="fc_train").click().run()
    assert not at.exception and not at.error
    c = at.session_state["fc_result"]["config"]
    assert (c.window, c.hidden, c.dropout, c.optimiser, c.lr, c.epochs) == (
        10,
        (64,),
        0.0,
        "adam",
        3e-3,
        20,
    )
    at.button(key="fc_recipe_lecture").click().run()
    assert not [k for k in at.query_params if k.startswith("fc_") and k != "fc_source"]
    assert at.number_input(key="fc_window").value == 50
