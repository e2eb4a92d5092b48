"""Series for the forecast lesson: the bundled CSVs, and one value column of a CSV read into a clean
`Series` (numbers checked, dates parsed, gaps filled or dropped)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from explainer.data.table import (
    DATE_CHARS,
    MAX_BYTES,
    Table,
    first_non_number,
    may_be_numeric,
    numeric_columns,
    read_table,
    shown_entry,
    to_numbers,
)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEFAULT_SERIES = "co2_weekly.csv"
GAP_POLICIES = ("interpolate", "drop")


@dataclass(frozen=True)
class BundledSeries:
    """One CSV shipped in `assets/` (source and licence in assets/README.md)."""

    file: str  # file name inside assets/
    title: str  # a short human title
    column: str  # the value column to forecast
    date_column: str | None  # the x-axis column, if any
    note: str  # what it shows, and anything a student should know

    @property
    def path(self) -> Path:
        return ASSETS / self.file


BUNDLED: tuple[BundledSeries, ...] = (
    BundledSeries(
        "co2_weekly.csv",
        "Atmospheric CO2 at Mauna Loa, weekly 1958-2001 (ppm)",
        "co2",
        "date",
        "Weekly; a trend plus a yearly cycle (the default)",
    ),
    BundledSeries(
        "elnino_monthly.csv",
        "Sea surface temperature, Nino 1+2, monthly 1950-2010 (C)",
        "sst",
        "date",
        "Monthly; a strong yearly cycle with El Nino bursts",
    ),
    BundledSeries(
        "sunspots_yearly.csv",
        "Yearly sunspot activity 1700-2008",
        "sunspots",
        "year",
        "Some years are zero: per-window normalisation cannot be used; choose z-score or min-max",
    ),
    BundledSeries(
        "macrodata_quarterly.csv",
        "US macroeconomic data, quarterly 1959-2009",
        "realgdp",
        "date",
        "12 numeric columns (real GDP by default)",
    ),
)


def bundled_series() -> list[BundledSeries]:
    """The series shipped in `assets/`, the default (`DEFAULT_SERIES`) first."""
    return sorted(BUNDLED, key=lambda b: b.file != DEFAULT_SERIES)


def bundled(file: str = DEFAULT_SERIES) -> BundledSeries:
    """The bundled series with this file name (a ValueError lists the choices)."""
    for b in BUNDLED:
        if b.file == file or b.file.removesuffix(".csv") == file:
            return b
    raise ValueError(f"no bundled series {file!r}; choose one of {[b.file for b in BUNDLED]}")


# ----------------------------------------------------------------------------- a clean series


@dataclass(frozen=True)
class Series:
    """One value column, in time order, with its gaps filled or dropped."""

    values: np.ndarray  # (n,) float64, finite
    dates: np.ndarray | None  # (n,) datetime64 or numbers for the x-axis; None without dates
    name: str  # the value column's name
    gaps: int  # missing values found in the column before filling or dropping
    gap_policy: str  # "interpolate" or "drop"
    dates_descending: bool  # the dates ran newest first before any reversal (suggests reverse)
    sorted_by_date: bool = False  # the rows were in no date order: sorted by date (stable)

    def __len__(self) -> int:
        return len(self.values)


def load_series(
    source: bytes | str | Path | Table,
    column: str | None = None,
    *,
    date_column: str | None = None,
    reverse: bool = False,
    gaps: str = "interpolate",
    max_bytes: int = MAX_BYTES,
) -> Series:
    """Read one numeric column of a CSV (bytes, path or an already read `Table`) as a `Series`.

    `column=None` takes the table's guess (`guess_columns`). `reverse` flips the row order (for
    files listed newest first); rows whose dates run in no order are sorted by date, and the
    `Series` says so. Missing entries are counted, then linearly interpolated by position (the
    ends take the nearest value) or dropped, per `gaps`.
    """
    if gaps not in GAP_POLICIES:
        raise ValueError(f"unknown gap policy {gaps!r}: expected one of {GAP_POLICIES}")
    table = source if isinstance(source, Table) else read_table(source, max_bytes=max_bytes)
    df = table.frame
    if column is None:
        column = table.value
        if column is None:
            raise ValueError(
                "no numeric column: "
                + "; ".join(first_non_number(df[c], c) for c in list(df.columns)[:3])
                + f"; a forecast needs a column of numbers (the file was {table.how})"
            )
    if column not in df.columns:
        raise ValueError(f"no column {column!r}; the file has {', '.join(map(str, df.columns))}")
    if date_column is not None and date_column not in df.columns:
        raise ValueError(
            f"no date column {date_column!r}; the file has {', '.join(map(str, df.columns))}"
        )
    if date_column == column:
        raise ValueError(f"{column!r} cannot be both the value column and the date column")

    raw = df[column]
    v = to_numbers(raw)  # (n,)
    bad = raw.notna().to_numpy() & np.isnan(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        numeric = [c for c in numeric_columns(df) if c != date_column]
        hint = f"; numeric columns: {', '.join(numeric)}" if numeric else "; no column is numeric"
        raise ValueError(
            f"column {column!r} is not numeric: data row {i + 1} holds "
            f"{shown_entry(raw.iloc[i])} ({int(bad.sum())} such entries){hint} (the file was "
            f"{table.how})"
        )
    inf = np.isinf(v)
    if inf.any():
        rows = ", ".join(str(int(i) + 1) for i in np.flatnonzero(inf)[:5])
        written = raw[inf].astype(str).str.strip().str.lower().str.lstrip("+-")
        what = (
            "infinite value(s)"
            if written.isin(["inf", "infinity"]).all()
            else f"number(s) beyond float64's range (±{np.finfo(np.float64).max:.1e})"
        )
        raise ValueError(
            f"column {column!r} holds {int(inf.sum())} {what} (data rows {rows}); "
            "remove or correct them"
        )

    dates = None
    descending = shuffled = False
    if date_column is not None:
        dates = _parse_dates(df[date_column], date_column)
        valid = dates[~pd.isna(dates)]
        ahead = valid[1:] >= valid[:-1]
        behind = valid[1:] <= valid[:-1]
        descending = len(valid) > 1 and bool(behind.all() and not ahead.all())
        shuffled = not (ahead.all() or behind.all())

    n_gaps = int(np.isnan(v).sum())
    if n_gaps == len(v):
        raise ValueError(f"column {column!r} holds no values, only {n_gaps} empty entries")
    if reverse:
        v = v[::-1]
        dates = None if dates is None else dates[::-1]
    if shuffled:  # a stable sort: rows with equal dates keep their order; missing dates go last
        order = np.argsort(dates, kind="stable")
        v, dates = v[order], dates[order]
    if n_gaps:
        if gaps == "drop":
            keep = ~np.isnan(v)
            v = v[keep]
            dates = None if dates is None else dates[keep]
        else:
            v = pd.Series(v).interpolate(method="linear", limit_direction="both").to_numpy()
    return Series(
        values=np.ascontiguousarray(v, dtype=np.float64),
        dates=None if dates is None else np.ascontiguousarray(dates),
        name=column,
        gaps=n_gaps,
        gap_policy=gaps,
        dates_descending=descending,
        sorted_by_date=shuffled,
    )


def load_bundled(
    file: str = DEFAULT_SERIES, *, reverse: bool = False, gaps: str = "interpolate"
) -> Series:
    """A bundled series with its own value and date columns."""
    b = bundled(file)
    return load_series(b.path, b.column, date_column=b.date_column, reverse=reverse, gaps=gaps)


def _parse_dates(col: pd.Series, name: str) -> np.ndarray:
    """Numbers (years, ticks) stay numbers; anything else must parse as dates."""
    as_num = to_numbers(col) if may_be_numeric(col) else None
    if as_num is not None and not (col.notna().to_numpy() & np.isnan(as_num)).any():
        if np.isinf(as_num).any():
            i = int(np.flatnonzero(np.isinf(as_num))[0])
            raise ValueError(
                f"date column {name!r} holds {shown_entry(col.iloc[i])} in data row {i + 1}, "
                "beyond float64's range; choose another date column or none"
            )
        return as_num
    text = col.astype(str)
    long = col.notna() & (text.str.len() > DATE_CHARS)
    parsed = None if long.any() else pd.to_datetime(col, errors="coerce", format="mixed")
    bad = long if parsed is None else col.notna() & parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"date column {name!r} does not parse as dates: data row {i + 1} holds "
            f"{shown_entry(col.iloc[i])}; choose another date column or none"
        )
    return parsed.to_numpy(dtype="datetime64[ns]")
