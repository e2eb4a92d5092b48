"""Presets are links: each start-page preset writes every setting it changes to the URL, a fresh
session opened from that URL alone draws the same view, and a click logs no Streamlit warning."""

from __future__ import annotations

import json

import pytest
from streamlit.elements.lib import policies
from streamlit.testing.v1 import AppTest

from explainer.lesson import PRESETS
from tests.conftest import ROOT, open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")


def view(at: AppTest) -> dict:
    """What a student sees that the settings decide: every chart, metric and table."""
    return {
        "charts": [json.loads(c.proto.spec) for c in at.get("plotly_chart")],
        "metrics": [(m.label, m.value) for m in at.metric],
        "tables": [d.value.to_dict() for d in at.dataframe],
        "info": [i.value for i in at.info],
    }


def fresh_session(page: str, url: dict[str, str]) -> AppTest:
    """A new session that opens `page` from the URL alone, as a pasted link does."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in url.items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", PRESETS)
def test_a_preset_is_a_link_that_reproduces_its_view(name, monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *a, **k: warnings.append(msg % a))
    page, values = PRESETS[name]
    at = open_app("app_pages/start.py")
    at.button(key=name).click().run()
    assert not at.exception, at.exception
    assert not warnings, warnings  # "created with a default value but also had its value set..."
    for key, value in values.items():
        assert at.session_state[key] == value, key  # the preset's view is on screen
    url = {k: str(v) for k, v in at.query_params.items()}
    shared = fresh_session(page, url)
    for key, value in values.items():
        assert shared.session_state[key] == value, (key, url)  # exact: 0.9 is 0.9 again
    assert view(shared) == view(at), url
    assert {k: str(v) for k, v in shared.query_params.items()} == url  # the same link again
