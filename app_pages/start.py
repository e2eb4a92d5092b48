"""Start page: the lesson's path and one-click presets."""

import streamlit as st

from explainer import i18n, ui
from explainer.lesson import PRESETS

tr = ui.translator(i18n.PAGES["start"])


WEIGHT_KEYS = {"hidden", "layers", "scale", "seed", "radius", "nonlin", "fbias"}


def apply_preset(page: str, values: dict) -> None:
    """A button callback: it runs before the rerun, when widget values may still be set."""
    for key, value in values.items():
        st.session_state[key] = value
    if WEIGHT_KEYS & set(values):  # a preset of weight knobs shows the untrained network
        st.session_state[f"net_{page.removeprefix('app_pages/').removesuffix('.py')}"] = "untrained"
    st.session_state["_goto"] = page


st.title(tr("title"))
st.write(tr("intro"))
left, right = st.columns([3, 2])
with left:
    st.subheader(tr("path"))
    st.markdown("\n".join(f"{i}. {tr(f'p{i}')}" for i in range(1, 8)))
    st.subheader(tr("notation"))
    st.markdown(tr("notation_text"))  # the symbols rendered as maths, as on the pages
with right:
    st.subheader(tr("presets"))
    st.caption(tr("presets_help"))
    for name, (page, values) in PRESETS.items():
        st.button(tr(name), key=name, width="stretch", on_click=apply_preset, args=(page, values))
if goto := st.session_state.pop("_goto", None):
    st.switch_page(goto, query_params={})  # {}: bound parameters may not be cleared
