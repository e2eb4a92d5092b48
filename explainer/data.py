"""Series for the forecast lesson: loading, validation, windowing, normalisation and splits.

NumPy and pandas only (no torch), so the app can check an upload before the backend is imported.

A series s_0 .. s_{n-1} becomes overlapping windows, `window` inputs followed by `horizon` targets:

    x_k = (s_k, ..., s_{k+W-1})                  (N, W)    N = n - W - h + 1 windows
    y_k = (s_{k+W}, ..., s_{k+W+h-1})            (N, h)

Normalisations (the seed's recipe uses the first):

    window   z_i = p_i / p_0 - 1   with p_0 the window's first input; inverse p_i = (z_i + 1) p_0
    minmax   z = (s - min) / (max - min)   min and max of the training part only
    zscore   z = (s - mean) / std          mean and std of the training part only
    none     z = s

Splits are chronological. The first round(0.9 N) windows train; the test windows start `horizon - 1`
windows later, so that no test target lies inside any training window (inputs or targets). As Keras'
`validation_split` does, the last 5% of the training windows (taken before any shuffling) validate:
the first floor(0.95 n_train) windows are fitted. Global scalers are fitted on the values the
training windows cover, s_0 .. s_{n_train + W + h - 2}, and nothing later.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_SERIES = "co2_weekly.csv"
# The largest CSV, in bytes: read_table refuses bigger files (an upload, the command line's, any
# caller's), and the page's CSV uploader says so. The server's one upload limit
# (`server.maxUploadSize` in .streamlit/config.toml) is larger: it lets forecast weights back in.
MAX_BYTES = 5 * 2**20
# Values and normalised values beyond these overflow: float64 errors square the values (RMSE),
# float32 training squares the normalised ones (float32 ends at 3.4e38).
MAX_MAGNITUDE, MAX_NORMALISED = 1e150, 1e15
MAX_COLUMNS = 1000  # a forecast reads one column; wider files are refused before parsing
DELIMITERS = (",", ";", "\t", "|")  # detected from the first lines, in this order of preference
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tabs", "|": "'|'"}
_DECIMAL_NAMES = {".": "'.'", ",": "','"}
_SAMPLE_CHARS, _SAMPLE_LINES = 65_536, 50  # what the delimiter and header detection look at
_DATE_CHARS = 40  # an entry longer than this is no date (dateutil's cost grows super-linearly)
_DATE_TRIES = 50  # non-numeric columns tried as dates by the guess, at most
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")
NORMALISATIONS = ("window", "minmax", "zscore", "none")
GAP_POLICIES = ("interpolate", "drop")

# Excel files are zip archives (xlsx) or OLE2 compound documents (xls); a CSV never starts so.
_EXCEL_MAGIC = {
    b"PK\x03\x04": "an Excel .xlsx workbook (a zip archive)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel .xls workbook",
}
# Column names that index time rather than hold the value to forecast.
_TIME_NAMES = {
    "date",
    "time",
    "datetime",
    "timestamp",
    "year",
    "month",
    "week",
    "day",
    "quarter",
    "period",
    "t",
    "step",
    "index",
    "unnamed: 0",
}


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


# ----------------------------------------------------------------------------- reading a CSV


@dataclass(frozen=True)
class Table:
    """A CSV file read into columns: how it was read, and the column guess, made once per file."""

    frame: pd.DataFrame  # the columns as read (strings, numbers, empty entries as NaN)
    delimiter: str  # between fields: one of DELIMITERS, detected from the first lines
    decimal: str  # the decimal mark: "." or "," (detected where fields are not comma-separated)
    header: bool  # False: the first line held only numbers, so it is data ("column 1", ...)
    value: str | None  # the guessed value column (see `guess_columns`)
    date: str | None  # the guessed date column for the x-axis

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    @property
    def how(self) -> str:
        """How the file was read, in words, for messages about it."""
        header = "" if self.header else ", no header row (its first line holds numbers)"
        return (
            f"read with {_DELIMITER_NAMES[self.delimiter]} between fields and "
            f"{_DECIMAL_NAMES[self.decimal]} as the decimal mark{header}"
        )


def read_table(source: bytes | str | Path, *, max_bytes: int = MAX_BYTES) -> Table:
    """Read CSV bytes or a CSV path into a `Table`, refusing what is not a usable UTF-8 CSV.

    The delimiter (`DELIMITERS`), a decimal comma and a missing header row are detected from the
    first lines; every step costs time linear in the file's size. Raises ValueError for: a file
    over `max_bytes`, an empty file, an Excel workbook, text that is not UTF-8, more than
    `MAX_COLUMNS` columns, rows with more fields than the header, unparseable CSV, and a header
    without data rows.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"no such file: {str(path)!r}")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(
                f"the file is {_mib(size)}, over the {_mib(max_bytes)} limit; use a shorter series"
            )
        raw = path.read_bytes()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
        if len(raw) > max_bytes:
            raise ValueError(
                f"the file is {_mib(len(raw))}, over the {_mib(max_bytes)} limit; "
                "use a shorter series"
            )
    else:
        raise TypeError(f"expected CSV bytes or a path, got {type(source).__name__}")
    if not raw.strip():
        raise ValueError("the file is empty: expected a CSV with a header row and numeric values")
    for magic, what in _EXCEL_MAGIC.items():
        if raw.startswith(magic):
            raise ValueError(
                f"this looks like {what}, not a CSV; in Excel use "
                "'Save As' > 'CSV UTF-8 (comma delimited)' and upload that"
            )
    try:
        text = raw.decode("utf-8-sig")  # -sig drops the byte-order mark Excel writes
    except UnicodeDecodeError as e:
        raise ValueError(
            f"the file is not UTF-8 text (byte 0x{raw[e.start]:02x} at position "
            f"{e.start}); save it as 'CSV UTF-8' and try again"
        ) from None
    # blank lines inside a one-column file are gaps, not nothing; trailing ones are dropped
    text = text.lstrip("\r\n").rstrip(" \t\r\n") + "\n"
    rows = _sample_rows(text)
    delimiter, rows = _sniff_delimiter(text, rows)
    decimal = "," if delimiter != "," and _has_decimal_commas(rows[1:]) else "."
    header = not all(
        _NUMBER.fullmatch(f.strip().replace(decimal, ".")) or not f.strip() for f in rows[0]
    )
    delim = _DELIMITER_NAMES[delimiter]
    first = text[: text.find("\n")]
    # a first line longer than the sample: count its delimiters (quotes aside), in linear time
    width = len(rows[0]) if len(first) <= _SAMPLE_CHARS else first.count(delimiter) + 1
    if width > MAX_COLUMNS:
        raise ValueError(
            f"the file has {width:,} columns (with {delim} between fields), more than the "
            f"{MAX_COLUMNS:,} this reads; a forecast uses one: keep the columns you need"
        )
    for i, row in enumerate(rows[1:] if header else rows):
        if len(row) > width:
            hint = (
                "; if its numbers use decimal commas, separate the fields with ';'"
                if delimiter == ","
                else ""
            )
            raise ValueError(
                f"data row {i + 1} has {len(row)} fields but the "
                f"{'header' if header else 'first row'} has {width} (with {delim} between "
                f"fields){hint}"
            )
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            decimal=decimal,
            header=0 if header else None,
            skipinitialspace=True,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise ValueError("the file holds no columns: expected a CSV with a header row") from None
    except (pd.errors.ParserError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(
            f"the file could not be read as CSV (with {delim} between fields): {first}"
        ) from None
    if df.empty:
        raise ValueError(
            f"the file has a header ({', '.join(map(str, df.columns))}) but no data rows"
        )
    if header:
        df.columns = [str(c).strip() for c in df.columns]
    else:
        df.columns = [f"column {k + 1}" for k in range(df.shape[1])]
    value, date = guess_columns(df)
    return Table(df, delimiter, decimal, header, value, date)


def _sample_rows(text: str) -> list[list[str]]:
    """The fields of the first non-blank lines (at most `_SAMPLE_CHARS`), split on commas."""
    return [r for r in csv.reader(_sample_lines(text), delimiter=",") if r]


def _sample_lines(text: str) -> list[str]:
    sample = text[:_SAMPLE_CHARS]
    lines = sample.splitlines()
    if len(sample) < len(text) and len(lines) > 1:
        lines = lines[:-1]  # the last line is cut off
    return [line for line in lines[:_SAMPLE_LINES] if line.strip()]


def _sniff_delimiter(text: str, comma_rows: list[list[str]]) -> tuple[str, list[list[str]]]:
    """The delimiter that splits every sampled line into as many fields as the header's; among
    those, the one whose fields are most often numbers, then the one with most fields, then the
    first in `DELIMITERS`. Returns it with the sampled lines split on it."""
    lines = _sample_lines(text)
    split = {",": comma_rows}
    for d in DELIMITERS[1:]:
        split[d] = [r for r in csv.reader(lines, delimiter=d) if r]

    def score(d: str) -> tuple:
        rows = split[d]
        consistent = len(rows[0]) > 1 and all(len(r) == len(rows[0]) for r in rows)
        marks = "." if d == "," else ".,"
        numbers = sum(
            any(_NUMBER.fullmatch(f.strip().replace(m, ".")) for m in marks)
            for r in rows
            for f in r
        )
        return consistent, numbers, len(rows[0]), -DELIMITERS.index(d)

    best = max(DELIMITERS, key=score)
    return best, split[best]


def _has_decimal_commas(rows: list[list[str]]) -> bool:
    return any(_DECIMAL_COMMA.fullmatch(f.strip()) for r in rows for f in r)


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns whose non-empty entries all parse as numbers."""
    return list(_numeric_arrays(df))


def _numeric_arrays(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each numeric column (see `numeric_columns`) as float64 (n,), in the frame's order. Columns
    pandas parsed as numbers are converted in one block: a wide file costs no call per column."""
    typed = [c for c, t in df.dtypes.items() if pd.api.types.is_numeric_dtype(t)]
    block = df[typed].to_numpy(dtype=np.float64, na_value=np.nan)  # (n, k)
    present = ~np.isnan(block).all(axis=0)
    arrays = {c: block[:, k] for k, c in enumerate(typed) if present[k]}
    for name in df.columns:
        if name in arrays or name in typed or not _may_be_numeric(df[name]):
            continue
        col = df[name]
        parsed, given = _to_numbers(col), col.notna().to_numpy()
        if given.any() and not (given & np.isnan(parsed)).any():
            arrays[name] = parsed
    return {c: arrays[c] for c in df.columns if c in arrays}


def _may_be_numeric(col: pd.Series) -> bool:
    """False when one of the first entries is no number: a text column is then never converted
    whole (pd.to_numeric spends microseconds on each entry that is not a number)."""
    head = col.dropna().head(64)
    return not np.isnan(_to_numbers(head)).any()


def _to_numbers(col: pd.Series) -> np.ndarray:
    """The column as float64 (n,): what is no number becomes NaN, a number beyond float64's range
    ±inf. pandas keeps integers of 20 or more digits as Python ints, which `pd.to_numeric` cannot
    convert (OverflowError), and turns numbers of hundreds of thousands of digits into NaN;
    Python's `float` reads both, in time linear in their length."""
    if pd.api.types.is_numeric_dtype(col.dtype):  # parsed by pandas already (bool too)
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    text = col.astype(str).where(col.notna())
    v = np.array(pd.to_numeric(text, errors="coerce"), dtype=np.float64)  # a writable copy
    missing = np.isnan(v) & col.notna().to_numpy()
    if missing.any():
        long = np.flatnonzero(missing)[text[missing].str.len().to_numpy() > 300]
        for i in long:
            s = text.iloc[i].strip()
            if _NUMBER.fullmatch(s):
                v[i] = float(s)
    return v


def guess_columns(df: pd.DataFrame) -> tuple[str | None, str | None]:
    """A (value column, date column) guess for a fresh upload; either may be None.

    The date column is the first one named like a time index (`_TIME_NAMES`) that holds numbers
    or dates, else the first other column that parses as dates. The value column is the first
    numeric one that is neither the date column, nor named like a time index, nor an index by
    its content (evenly spaced increasing numbers, such as 0..n-1 or years); failing that, the
    first numeric column that is not the date column."""
    numeric = _numeric_arrays(df)
    named = [c for c in df.columns if c.lower() in _TIME_NAMES - {"index", "unnamed: 0"}]
    date = next((c for c in named if c in numeric or _parses_as_dates(df[c])), None)
    if date is None:
        others = [c for c in df.columns if c not in numeric][:_DATE_TRIES]
        date = next((c for c in others if _parses_as_dates(df[c])), None)
    values = (
        c
        for c, v in numeric.items()
        if c != date and c.lower() not in _TIME_NAMES and not _index_like(v)
    )
    fallback = [c for c in numeric if c != date] or list(numeric) or [None]
    return next(values, fallback[0]), date


def _index_like(v: np.ndarray) -> bool:
    """Evenly spaced increasing numbers (0..n-1, 1..n, years): a time index, not a value."""
    v = v[~np.isnan(v)]
    if len(v) < 3 or not np.isfinite(v).all():
        return False
    d = np.diff(v)
    return bool(d[0] > 0 and np.allclose(d, d[0], rtol=1e-9, atol=0))


def _first_non_number(col: pd.Series, name: str) -> str:
    head = col.head(64)  # where a text column's first text almost always is
    bad = head.notna().to_numpy() & np.isnan(_to_numbers(head))
    if not bad.any():
        bad = col.notna().to_numpy() & np.isnan(_to_numbers(col))
    if not bad.any():
        return f"column {name!r} is empty"
    i = int(np.flatnonzero(bad)[0])
    return f"column {name!r} holds {_shown(col.iloc[i])} in data row {i + 1}"


def _parses_as_dates(col: pd.Series) -> bool:
    sample = col.dropna().astype(str).head(20)
    # dates are short; dateutil's cost grows faster than the length of what it is given
    if sample.empty or (sample.str.len() > _DATE_CHARS).any():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


def _shown(v: object) -> str:
    """An entry of the file for a message: quoted, and cut short when long."""
    s = str(v)
    if len(s) <= 40:
        return repr(s)
    return f"{s[:20]!r}… ({len(s):,} characters)"


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
                + "; ".join(_first_non_number(df[c], c) for c in list(df.columns)[:3])
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
    v = _to_numbers(raw)  # (n,)
    bad = raw.notna().to_numpy() & np.isnan(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        numeric = [c for c in numeric_columns(df) if c != date_column]
        hint = f"; numeric columns: {', '.join(numeric)}" if numeric else "; no column is numeric"
        raise ValueError(
            f"column {column!r} is not numeric: data row {i + 1} holds "
            f"{_shown(raw.iloc[i])} ({int(bad.sum())} such entries){hint} (the file was "
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
    as_num = _to_numbers(col) if _may_be_numeric(col) else None
    if as_num is not None and not (col.notna().to_numpy() & np.isnan(as_num)).any():
        if np.isinf(as_num).any():
            i = int(np.flatnonzero(np.isinf(as_num))[0])
            raise ValueError(
                f"date column {name!r} holds {_shown(col.iloc[i])} in data row {i + 1}, "
                "beyond float64's range; choose another date column or none"
            )
        return as_num
    text = col.astype(str)
    long = col.notna() & (text.str.len() > _DATE_CHARS)
    parsed = None if long.any() else pd.to_datetime(col, errors="coerce", format="mixed")
    bad = long if parsed is None else col.notna() & parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"date column {name!r} does not parse as dates: data row {i + 1} holds "
            f"{_shown(col.iloc[i])}; choose another date column or none"
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


# ----------------------------------------------------------------------------- validation


def check_values(
    values: np.ndarray, *, window: int = 50, horizon: int = 1, normalise: str = "window"
) -> np.ndarray:
    """The series as a finite 1-D float64 array fit for windows, or a ValueError saying why not."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"expected one series (a 1-D array), got shape {v.shape}")
    if window < 1 or horizon < 1:
        raise ValueError(f"window and horizon must be at least 1 (got {window} and {horizon})")
    if normalise not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalise!r}: expected one of {NORMALISATIONS}")
    if not np.isfinite(v).all():
        nan, inf = int(np.isnan(v).sum()), int(np.isinf(v).sum())
        first = int(np.flatnonzero(~np.isfinite(v))[0])
        raise ValueError(
            f"the series holds {nan} NaN and {inf} infinite value(s) (first at "
            f"position {first}); fill or drop the gaps first"
        )
    big = np.abs(v) > MAX_MAGNITUDE
    if big.any():
        first = int(np.flatnonzero(big)[0])
        raise ValueError(
            f"the series holds {int(big.sum())} value(s) beyond ±{MAX_MAGNITUDE:.0e} (the first, "
            f"{v[first]:.3g}, at position {first}), whose squares overflow the errors (RMSE); "
            "divide the column by a power of ten first"
        )
    need = window + horizon
    if len(v) < need:
        raise ValueError(
            f"the series has {len(v)} values, but a window of {window} plus a horizon "
            f"of {horizon} needs at least {need} (and more for a test part); "
            "use a shorter window or a longer series"
        )
    if np.ptp(v) == 0:
        raise ValueError(
            f"the series is constant (every value is {v[0]:g}): there is nothing to forecast"
        )
    if normalise == "window":
        zeros = int((v == 0).sum())
        if zeros or (v.min() < 0 < v.max()):
            why = (
                f"it holds {zeros} zero value(s)"
                if zeros
                else f"it changes sign (from {v.min():g} to {v.max():g})"
            )
            raise ValueError(
                "per-window normalisation divides each window by its first value, "
                "so it needs a series that never reaches zero nor changes sign, "
                f"but {why}; choose normalise='zscore' or 'minmax' instead"
            )
    return v


# ----------------------------------------------------------------------------- windows


def make_windows(
    values: np.ndarray, window: int, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Every overlapping window: inputs x (N, window) and the `horizon` values after each, y (N, h).

    x[k] = values[k : k + window], y[k] = values[k + window : k + window + horizon]. Copies, so
    the caller may write to them.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {v.shape}")
    n = len(v) - window - horizon + 1
    if window < 1 or horizon < 1 or n < 1:
        raise ValueError(f"{len(v)} values make no window of {window} inputs and {horizon} targets")
    both = np.lib.stride_tricks.sliding_window_view(v, window + horizon)  # (N, W + h)
    return both[:, :window].copy(), both[:, window:].copy()


@dataclass(frozen=True)
class Scaler:
    """A global affine normalisation z = (s - shift) / scale, fitted on the training part."""

    kind: str  # "minmax", "zscore" or "none"
    shift: float  # min (minmax), mean (zscore), 0 (none)
    scale: float  # max - min (minmax), std (zscore), 1 (none)

    def transform(self, s: np.ndarray) -> np.ndarray:
        return (np.asarray(s, dtype=np.float64) - self.shift) / self.scale

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.scale + self.shift


def fit_scaler(train_values: np.ndarray, kind: str) -> Scaler:
    """Fit min-max, z-score or identity on the training values only."""
    t = np.asarray(train_values, dtype=np.float64)
    if kind == "none":
        return Scaler("none", 0.0, 1.0)
    if kind == "minmax":
        lo, hi = float(t.min()), float(t.max())
        shift, scale = lo, hi - lo
    elif kind == "zscore":
        shift, scale = float(t.mean()), float(t.std())
    else:
        raise ValueError(f"fit_scaler fits 'minmax', 'zscore' or 'none', not {kind!r}")
    if not scale > 0:
        raise ValueError(
            f"the training part is constant ({shift:g}), so {kind} normalisation "
            "would divide by zero; use normalise='none' or another series"
        )
    return Scaler(kind, shift, scale)


@dataclass(frozen=True)
class Windows:
    """Normalised windows and what it takes to map them back to original units."""

    x: np.ndarray  # (N, W) normalised inputs
    y: np.ndarray  # (N, h) normalised targets
    start: np.ndarray  # (N,) series index of each window's first input
    base: np.ndarray  # (N,) p_0 of each window for per-window normalisation; 1 otherwise

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class ForecastData:
    """A series cut into normalised train / validation / test windows (see the module docstring)."""

    series: np.ndarray  # (n,) original values
    window: int
    horizon: int
    normalise: str
    scaler: Scaler | None  # None for per-window normalisation
    train: Windows  # windows the optimiser fits (chronological order; shuffle per epoch)
    val: Windows  # the last `val` fraction of the training windows
    test: Windows  # windows after the split, no target inside any training window
    train_end: int  # series[:train_end] is all the training windows cover (scaler fit)

    @property
    def test_target_start(self) -> int:
        """Series index of the first test target."""
        return int(self.test.start[0]) + self.window

    def normalise_windows(self, x: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Original-unit values (..., k) -> normalised, with per-window `base` (...,) if needed."""
        return normalise_values(x, self.normalise, self.scaler, base)

    def to_original(self, z: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """Normalised values (..., k) -> original units; `base` (...,) is p_0 per window."""
        return denormalise_values(z, self.normalise, self.scaler, base)


def normalise_values(
    x: np.ndarray, normalise: str, scaler: Scaler | None, base: np.ndarray | None = None
) -> np.ndarray:
    """Apply a normalisation; for "window", `base` holds p_0 for each row of x (..., k)."""
    x = np.asarray(x, dtype=np.float64)
    if normalise == "window":
        if base is None:
            raise ValueError("per-window normalisation needs each window's first value (base)")
        return x / np.asarray(base, dtype=np.float64)[..., None] - 1.0
    if scaler is None:
        raise ValueError(f"{normalise} normalisation needs a fitted scaler")
    return scaler.transform(x)


def denormalise_values(
    z: np.ndarray, normalise: str, scaler: Scaler | None, base: np.ndarray | None = None
) -> np.ndarray:
    """The exact inverse of `normalise_values`."""
    z = np.asarray(z, dtype=np.float64)
    if normalise == "window":
        if base is None:
            raise ValueError("per-window normalisation needs each window's first value (base)")
        return (z + 1.0) * np.asarray(base, dtype=np.float64)[..., None]
    if scaler is None:
        raise ValueError(f"{normalise} normalisation needs a fitted scaler")
    return scaler.inverse(z)


def split_counts(
    n_windows: int, horizon: int = 1, split: float = 0.9, val: float = 0.05
) -> tuple[int, int, int]:
    """(fit, train, test_start): windows [0, fit) are fitted, [fit, train) validate, and the test
    windows are [test_start, n_windows). Rounding as in the recipe (round) and Keras (floor)."""
    if not 0 < split < 1:
        raise ValueError(f"the train fraction must lie strictly between 0 and 1, got {split}")
    if not 0 <= val < 1:
        raise ValueError(f"the validation fraction must lie in [0, 1), got {val}")
    n_train = int(round(split * n_windows))
    n_fit = int(math.floor(n_train * (1.0 - val)))
    test_start = n_train + horizon - 1  # the gap keeps test targets out of training windows
    if n_fit < 1 or test_start >= n_windows:
        raise ValueError(
            f"{n_windows} window(s) are too few for a {split:.0%}/{1 - split:.0%} "
            "split with a test part; use a shorter window or a longer series"
        )
    return n_fit, n_train, test_start


def prepare(
    values: np.ndarray,
    *,
    window: int = 50,
    horizon: int = 1,
    normalise: str = "window",
    split: float = 0.9,
    val: float = 0.05,
    scaler: Scaler | None = None,
) -> ForecastData:
    """Validate a series and cut it into normalised train/validation/test windows.

    A global normalisation is fitted on the training part, unless `scaler` is given: a model's
    saved scaler, so that a loaded model sees its inputs in the units it was trained in."""
    s = check_values(values, window=window, horizon=horizon, normalise=normalise)
    if scaler is not None and scaler.kind != normalise:
        raise ValueError(f"a {scaler.kind} scaler cannot apply {normalise} normalisation")
    x_raw, y_raw = make_windows(s, window, horizon)  # (N, W), (N, h)
    n = len(x_raw)
    n_fit, n_train, test_start = split_counts(n, horizon, split, val)
    train_end = n_train - 1 + window + horizon  # one past the last value a training window holds
    start = np.arange(n)
    if normalise == "window":
        scaler, base = None, x_raw[:, 0].copy()
    else:
        scaler, base = scaler or fit_scaler(s[:train_end], normalise), np.ones(n)
    x = normalise_values(x_raw, normalise, scaler, base)
    y = normalise_values(y_raw, normalise, scaler, base)
    z = max(float(np.abs(x).max()), float(np.abs(y).max()))
    if not z <= MAX_NORMALISED:  # also catches inf and NaN
        what = {"window": "per-window normalisation (p_i / p_0 - 1)", "none": "no normalisation"}
        others = [f"{n!r}" for n in NORMALISATIONS if n != normalise]
        raise ValueError(
            f"with {what.get(normalise, f'{normalise} normalisation')} the model would see "
            f"values up to {z:.3g}, beyond ±{MAX_NORMALISED:.0e}: training in float32 squares "
            f"them, and the loss overflows; choose normalise={' or '.join(others)} instead"
        )

    def part(lo: int, hi: int) -> Windows:
        return Windows(x[lo:hi], y[lo:hi], start[lo:hi], base[lo:hi])

    return ForecastData(
        series=s,
        window=window,
        horizon=horizon,
        normalise=normalise,
        scaler=scaler,
        train=part(0, n_fit),
        val=part(n_fit, n_train),
        test=part(test_start, n),
        train_end=train_end,
    )
