"""The forecasting page's data (`app_pages/forecast.py`): a bundled series or the student's CSV file,
its summary and chart, cut into windows with the submitted settings."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages._forecast_results import set_normalisation
from explainer import i18n, ui
from explainer.data import (
    GAP_POLICIES,
    MAX_BYTES,
    BundledSeries,
    ForecastData,
    Series,
    Table,
    bundled_series,
    load_bundled,
    load_series,
    prepare,
    read_table,
)
from explainer.figures.forecast import forecast_figure

tr = ui.translator(i18n.PAGES["forecast"])


@st.cache_data(max_entries=8, show_spinner=False)
def _table(raw: bytes) -> Table:
    """The file read once, column guess included (keyed by the bytes' hash, so once per file)."""
    return read_table(raw)


@st.cache_data(max_entries=16, show_spinner=False)
def _upload_series(
    raw: bytes, column: str, date_column: str | None, reverse: bool, gaps: str
) -> Series:
    return load_series(_table(raw), column, date_column=date_column, reverse=reverse, gaps=gaps)


@st.cache_data(max_entries=16, show_spinner=False)
def _bundled_series(file: str, gaps: str) -> Series:
    return load_bundled(file, gaps=gaps)


@st.cache_data(max_entries=16, show_spinner=False)
def _prepared(values: np.ndarray, window: int, horizon: int, normalise: str) -> ForecastData:
    return prepare(values, window=window, horizon=horizon, normalise=normalise)


def error(key: str, msg: object) -> None:
    """A clear message, never a traceback; user text in it is shown literally."""
    st.error(tr(key, msg=ui.escape_md(str(msg))))


def bundled_text(kind: str, b: BundledSeries) -> str:
    """A bundled series' title ("series") or note ("note"), translated where the page knows it."""
    key = f"{kind}_{b.file.removesuffix('.csv')}"
    try:
        return tr(key)
    except KeyError:  # a series added to explainer.data since: its own English
        return b.title if kind == "series" else b.note


def choose_series() -> tuple[Series | None, str]:
    """The data section's widgets; returns the series (None when unusable) and a description."""
    source = st.radio(
        tr("source"),
        ["bundled", "upload"],
        key="fc_source",
        horizontal=True,
        format_func=ui.frozen_format(["bundled", "upload"], lambda s: tr(f"src_{s}")),
    )
    c1, c2 = st.columns([3, 1])
    gaps = c2.radio(
        tr("gaps"),
        list(GAP_POLICIES),
        key="fc_gaps",
        format_func=ui.frozen_format(GAP_POLICIES, lambda g: tr(f"gaps_{g}")),
    )
    if source == "bundled":
        shipped = {b.file: b for b in bundled_series()}
        file = ui.bound(
            c1.selectbox,
            tr("bundled"),
            "fc_series",
            options=list(shipped),
            format_func=lambda f: bundled_text("series", shipped[f]),
        )
        c1.caption(ui.escape_md(bundled_text("note", shipped[file])))
        return _bundled_series(file, gaps), tr(
            "trained_on", name=ui.escape_md(bundled_text("series", shipped[file]))
        )
    up = c1.file_uploader(tr("upload"), type=["csv"], key="csv", max_upload_size=MAX_BYTES // 2**20)
    if up is None:
        c1.info(tr("upload_hint"))
        return None, ""
    raw = up.getvalue()
    try:
        table = _table(raw)
    except ValueError as e:
        error("bad_file", e)
        return None, ""
    columns, guess_value, guess_date = table.columns, table.value, table.date
    if table.delimiter != "," or table.decimal != ".":
        delimiter = tr("tabs") if table.delimiter == "\t" else f"“{table.delimiter}”"
        c1.caption(tr("read_as", delimiter=delimiter, decimal=table.decimal))
    if not table.header:
        c1.caption(tr("no_header"))
    fid = up.file_id  # widgets per file: another file's columns are other options
    c3, c4, c5 = st.columns([2, 2, 2])
    column = c3.selectbox(
        tr("column"),
        columns,
        key=f"fc_col_{fid}",
        index=columns.index(guess_value) if guess_value in columns else 0,
    )
    dates = [None, *[c for c in columns if c != column]]
    date_column = c4.selectbox(
        tr("date_column"),
        dates,
        key=f"fc_date_{fid}",
        index=dates.index(guess_date) if guess_date in dates else 0,
        format_func=ui.frozen_format(dates, lambda c: tr("no_date") if c is None else c),
    )
    reverse = c5.checkbox(tr("reverse"), key=f"fc_rev_{fid}")
    try:
        series = _upload_series(raw, column, date_column, reverse, gaps)
    except ValueError as e:
        error("bad_file", e)
        return None, ""
    if series.dates_descending and not reverse:
        st.info(tr("descending"))
    if series.sorted_by_date:
        st.info(tr("sorted", date=ui.escape_md(date_column)))
    return series, tr("uploaded", column=ui.escape_md(column), file=ui.escape_md(up.name))


def prepare_data(series: Series) -> ForecastData | None:
    """The series' summary and chart, cut into windows with the submitted settings (None, after
    a message, where they do not fit it)."""
    st.caption(
        tr("summary", n=len(series), gaps=series.gaps, policy=tr(f"gaps_{series.gap_policy}"))
    )
    norm, data = st.session_state["fc_norm"], None
    window, horizon = int(st.session_state["fc_window"]), int(st.session_state["fc_horizon"])
    try:
        data = _prepared(series.values, window, horizon, norm)
    except ValueError as e:
        error("bad_data", e)
        if norm == "window" and "per-window" in str(e):
            b1, b2, _ = st.columns([1, 1, 2])
            b1.button(
                tr("use_zscore"), key="fc_use_zscore", on_click=set_normalisation, args=("zscore",)
            )
            b2.button(
                tr("use_minmax"), key="fc_use_minmax", on_click=set_normalisation, args=("minmax",)
            )
    ui.plot(
        forecast_figure(
            series.values,
            dates=series.dates,
            test_start=None if data is None else data.test_target_start,
            name=series.name,
            **ui.fig_kw(),
        ),
        "forecast_series",
    )
    return data
