"""The RNN/LSTM/GRU explainer: `streamlit run app.py`.

Page configuration, the sidebar's shared controls and the navigation; each lesson page is a file in
`app_pages/`.
"""

import streamlit as st

from explainer import i18n, ui

ui.warm_up()  # first, before any page code: concurrent first sessions wait here for one warm-up
hide = st.query_params.get("hide") == "true"  # read before the widgets: decides the sidebar's state
if "lang" not in st.session_state and st.query_params.get("lang") in i18n.LANGUAGES:
    st.session_state["lang"] = st.query_params["lang"]  # the navigation's titles need it first
st.set_page_config(
    page_title="RNN · LSTM · GRU",
    page_icon="🔁",
    layout="wide",
    initial_sidebar_state="collapsed" if hide else "auto",
)

lesson = [
    st.Page("app_pages/start.py", title=ui.t("nav_start"), icon=":material/flag:", default=True),
    st.Page("app_pages/unroll.py", title=ui.t("nav_unroll"), url_path="unroll"),
    st.Page("app_pages/gradients.py", title=ui.t("nav_gradients"), url_path="gradients"),
    st.Page("app_pages/lstm.py", title=ui.t("nav_lstm"), url_path="lstm"),
    st.Page("app_pages/adds.py", title=ui.t("nav_adds"), url_path="adds"),
    st.Page("app_pages/gru.py", title=ui.t("nav_gru"), url_path="gru"),
    st.Page("app_pages/compare.py", title=ui.t("nav_compare"), url_path="compare"),
]
practice = [
    st.Page("app_pages/forecast.py", title=ui.t("nav_forecast"), url_path="forecast"),
    st.Page("app_pages/memory.py", title=ui.t("nav_memory"), url_path="memory"),
    st.Page("app_pages/text.py", title=ui.t("nav_text"), url_path="text"),
]
page = st.navigation({ui.t("nav_lesson"): lesson, ui.t("nav_practice"): practice})

# Pages that show one cell type whatever the sidebar says, and pages that train their own models.
FIXED_CELL = {"gradients": "rnn", "lstm": "lstm", "adds": "lstm", "gru": "gru", "compare": None}
OWN_CONTROLS = {"forecast", "memory", "text"}
LESSON_PAGES = {"unroll", "gradients", "lstm", "adds", "gru", "compare"}  # with a network chooser

with st.sidebar:
    ui.bound(
        st.radio,
        # this language's word first, then the others': found by someone who cannot read this one
        " / ".join(i18n.text("language", c) for c in sorted(i18n.LANGUAGES, key=ui.lang().__ne__)),
        "lang",
        options=list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.get,
        horizontal=True,
    )
    ui.bound(st.toggle, ui.t("presentation"), "pres")
    ui.bound(st.toggle, ui.t("hide_controls"), "hide")
    if page.url_path not in OWN_CONTROLS:
        with st.expander(ui.t("controls"), expanded=not hide):
            fixed = page.url_path in FIXED_CELL
            lesson = page.url_path if page.url_path in LESSON_PAGES else None
            st.session_state["_network"] = ui.network_controls(
                where=st, cell=not fixed, page=lesson
            )
            if fixed:
                st.caption(ui.t("fixed_cell"))
    st.caption(ui.t("share_link"))

ui.page_setup()
page.run()
