"""Every hint a lesson page gives matches the state it is given in (#13, item 2): no "move the
forget bias to 1" at 1, no "try relu" with relu selected, no "does not fade" where the curve fades,
and page 2 says in words when a radius below 1 still grows.

The conditions are computed here from the run's own arrays (the gradient norms, W_hh's
eigenvalues, the forget gates), for every hint `explainer.lesson` picks and for the sentences the
pages show, never from the hint code's own numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explainer.lesson import forget_hint, lesson_run, radius_hints
from tests.conftest import open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")

UNTRAINED = {"net": "untrained", "signal": "sine", "steps": "40", "hidden": "8"}
TASK = {"task": "adding", "example": 0}
RADII = (0.5, 0.8, 0.9, 0.95, 1.0, 1.2, 1.5, 2.0)


def facts(run) -> dict:
    """What the run measured, from its arrays alone."""
    g = np.asarray(run.grads.h_norm, dtype=np.float64)
    w = run.model.params["weight_hh_l0"]
    back = g[-2::-1]
    with np.errstate(all="ignore"):
        gains = g[:-1] / g[1:]
    return dict(
        rho=float(max(abs(np.linalg.eigvals(w)))),
        below=bool((back < 1e-3 * g[-1]).any()),  # drops under a thousandth somewhere
        grows_overall=not g[0] < g[-1],
        grows_somewhere=bool((gains[np.isfinite(gains)] > 1).any()),
        tanh=run.model.nonlinearity == "tanh",
    )


@pytest.mark.parametrize("nonlin", ["tanh", "relu"])
@pytest.mark.parametrize("radius", RADII)
@pytest.mark.parametrize("steps, signal", [(40, "sine"), (100, "spike")])
def test_every_radius_hint_matches_the_run(radius, nonlin, steps, signal):
    run = lesson_run("rnn", 16, 1, steps, signal, radius=radius, nonlinearity=nonlin, **TASK)
    f = facts(run)
    keys = [k for k, _ in radius_hints(run)]
    assert len({"vanish", "keeps", "grow"} & set(keys)) == 1 and len(keys) == len(set(keys))
    assert ("vanish" in keys) == f["below"]
    assert ("grow" in keys) == (not f["below"] and f["grows_overall"])
    assert ("keeps" in keys) == (not f["below"] and not f["grows_overall"])
    assert ("try_relu" in keys) == (f["tanh"] and f["rho"] > 1)  # never with relu selected
    assert ("grow_below" in keys) == (f["rho"] < 1 and f["grows_somewhere"])
    assert ("saturate" in keys) == (f["tanh"] and f["rho"] > 1 and f["below"])


def test_a_radius_below_one_that_still_grows_is_said_in_words():
    query = {**UNTRAINED, "radius": "0.9", "steps": "60", "seed": "1"}
    run = lesson_run("rnn", 8, 1, 60, "sine", radius=0.9, seed=1, **TASK)
    g = run.grads.h_norm
    gain = float(np.max(g[:-1] / g[1:]))
    assert gain > 1  # the premise: radius 0.9, and yet some step back makes it bigger
    hints = dict(radius_hints(run))
    assert hints["grow_below"]["gain"] == pytest.approx(gain)
    text = info_text(open_app("app_pages/gradients.py", **query))
    assert (
        "The radius is below 1, and yet one step back sometimes makes the gradient bigger" in text
    )
    assert f"by up to {gain:.2f}×" in text


def info_text(at) -> str:
    return "\n".join(i.value for i in at.info)


def curve(at, name: str) -> np.ndarray:
    from tests.conftest import charts, decode

    for c in charts(at):
        for tr in c["data"]:
            if tr.get("name") == name and tr.get("y") is not None:
                return decode(tr["y"])
    raise AssertionError(name)


@pytest.mark.parametrize(
    "query",
    [
        {},  # radius 0.9, tanh: the curve fades
        {"radius": "1.5", "nonlin": "relu", "steps": "60", "signal": "spike", "hidden": "16"},
        {"radius": "1.5", "nonlin": "tanh", "steps": "60", "signal": "spike", "hidden": "16"},
        {"radius": "0.5"},
    ],
)
def test_page_2_sentences_follow_the_state(query):
    at = open_app("app_pages/gradients.py", **{**UNTRAINED, **query})
    text = info_text(at)
    g = curve(at, "RNN: ‖∂y/∂h_t‖")  # the page's own chart: what the class sees
    nonlin = query.get("nonlin", "tanh")
    if nonlin == "relu":
        assert "relu activation" not in text
    if g[0] < g[-1]:  # the curve fades: nothing may say it does not
        assert "grows going back" not in text and "does not fade" not in text
    else:
        assert "grows going back" in text
    radius = float(query.get("radius", 0.9))
    if radius < 1 and "yet one step back" in text:
        assert (g[:-1] > g[1:]).any()  # it does grow over some step


@pytest.mark.parametrize("fbias", ["0.0", "1.0", "3.0"])
def test_page_4_forget_bias_advice_follows_the_bias_and_the_gates(fbias):
    query = {**UNTRAINED, "fbias": fbias, "steps": "100", "signal": "spike", "hidden": "16"}
    at = open_app("app_pages/adds.py", **query)
    text = info_text(at)
    f = float(re.search(r"f ≈ ([0-9]+\.[0-9]+)", text).group(1))
    run = lesson_run(
        "lstm", 16, 1, 100, "spike", fbias=float(fbias), **TASK
    )  # the page's LSTM, to check the shown mean against its gates
    assert f == pytest.approx(float(np.mean(run.trace.layers[-1].gates["f"])), abs=0.005)
    assert forget_hint(run, float(fbias)) == (
        None if f >= 0.8 else ("fhalf_low" if float(fbias) < 1 else "fhalf_high")
    )
    if float(fbias) >= 1:
        assert "to 1 or more" not in text  # never advise the value that is already set
    if f >= 0.8:
        assert "Raise the bias" not in text and "to 1 or more" not in text
    if f < 0.8:
        assert ("to 1 or more" in text) == (float(fbias) < 1)
        assert re.search(rf"average (only )?{f:.2f}", text)  # it names the mean it is about


def test_the_forget_preset_claims_what_its_view_shows():
    """The start page's forget-bias preset: its title says the cell state carries the gradient
    back; the view it opens must show the cell-state gradient reaching back to t = 0."""
    from explainer.i18n import PAGES
    from explainer.lesson import PRESETS

    page, values = PRESETS["pre_forget"]
    title = PAGES["start"]["pre_forget"][0]
    assert f"{values['fbias']:g}" in title and "carries the gradient back" in title
    run = lesson_run(
        "lstm",
        values["hidden"],
        1,
        values["steps"],
        values["signal"],
        fbias=values["fbias"],
        **TASK,
    )
    c = run.grads.c_norm
    assert (c[:-1] >= 1e-3 * c[-1]).all()  # every step back keeps at least a thousandth
