"""Reading a CSV for the forecast lesson: size and format checks, delimiter, decimal-mark and
header detection, and the guess of the value and date columns, each in time linear in the file."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# The largest CSV, in bytes: read_table refuses bigger files (an upload, the command line's, any
# caller's), and the page's CSV uploader says so. The server's one upload limit
# (`server.maxUploadSize` in .streamlit/config.toml) is larger: it lets forecast weights back in.
MAX_BYTES = 5 * 2**20
MAX_COLUMNS = 1000  # a forecast reads one column; wider files are refused before parsing
DELIMITERS = (",", ";", "\t", "|")  # detected from the first lines, in this order of preference
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tabs", "|": "'|'"}
_DECIMAL_NAMES = {".": "'.'", ",": "','"}
_SAMPLE_CHARS, _SAMPLE_LINES = 65_536, 50  # what the delimiter and header detection look at
DATE_CHARS = 40  # an entry longer than this is no date (dateutil's cost grows super-linearly)
_DATE_TRIES = 50  # non-numeric columns tried as dates by the guess, at most
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")

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
        if name in arrays or name in typed or not may_be_numeric(df[name]):
            continue
        col = df[name]
        parsed, given = to_numbers(col), col.notna().to_numpy()
        if given.any() and not (given & np.isnan(parsed)).any():
            arrays[name] = parsed
    return {c: arrays[c] for c in df.columns if c in arrays}


def may_be_numeric(col: pd.Series) -> bool:
    """False when one of the first entries is no number: a text column is then never converted
    whole (pd.to_numeric spends microseconds on each entry that is not a number)."""
    head = col.dropna().head(64)
    return not np.isnan(to_numbers(head)).any()


def to_numbers(col: pd.Series) -> np.ndarray:
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


def first_non_number(col: pd.Series, name: str) -> str:
    head = col.head(64)  # where a text column's first text almost always is
    bad = head.notna().to_numpy() & np.isnan(to_numbers(head))
    if not bad.any():
        bad = col.notna().to_numpy() & np.isnan(to_numbers(col))
    if not bad.any():
        return f"column {name!r} is empty"
    i = int(np.flatnonzero(bad)[0])
    return f"column {name!r} holds {shown_entry(col.iloc[i])} in data row {i + 1}"


def _parses_as_dates(col: pd.Series) -> bool:
    sample = col.dropna().astype(str).head(20)
    # dates are short; dateutil's cost grows faster than the length of what it is given
    if sample.empty or (sample.str.len() > DATE_CHARS).any():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


def shown_entry(v: object) -> str:
    """An entry of the file for a message: quoted, and cut short when long."""
    s = str(v)
    if len(s) <= 40:
        return repr(s)
    return f"{s[:20]!r}… ({len(s):,} characters)"


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"
