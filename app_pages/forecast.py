"""Placeholder until its backend lands."""

import streamlit as st

st.info("This page is being built.")
