"""Placeholder until its backend lands."""

import streamlit as st

st.title("…")
st.info("This page is being built.")
