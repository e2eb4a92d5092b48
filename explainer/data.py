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

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_SERIES = "co2_weekly.csv"
MAX_BYTES = 10 * 1024 * 1024  # uploads above 10 MiB are refused (a few hundred thousand rows)
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
        "2284 weeks with 59 gaps; trend plus a yearly cycle (the default)",
    ),
    BundledSeries(
        "elnino_monthly.csv",
        "Sea surface temperature, Nino 1+2, monthly 1950-2010 (C)",
        "sst",
        "date",
        "732 months; a strong yearly cycle with El Nino bursts",
    ),
    BundledSeries(
        "sunspots_yearly.csv",
        "Yearly sunspot activity 1700-2008",
        "sunspots",
        "year",
        "309 years with some zero years: per-window normalisation cannot be used; "
        "choose z-score or min-max",
    ),
    BundledSeries(
        "macrodata_quarterly.csv",
        "US macroeconomic data, quarterly 1959-2009",
        "realgdp",
        "date",
        "203 quarters, 12 numeric columns (real GDP by default)",
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


def read_table(source: bytes | str | Path, *, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """Read CSV bytes or a CSV path into a DataFrame, refusing what is not a usable UTF-8 CSV.

    Raises ValueError for: a file over `max_bytes`, an empty file, an Excel workbook, text that is
    not UTF-8, unparseable CSV, and a header without data rows.
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
    try:
        # blank lines inside a one-column file are gaps, not nothing; trailing ones are dropped
        text = text.rstrip(" \t\r\n") + "\n"
        df = pd.read_csv(io.StringIO(text), skipinitialspace=True, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise ValueError("the file holds no columns: expected a CSV with a header row") from None
    except (pd.errors.ParserError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"the file could not be read as CSV: {first}") from None
    if df.empty:
        raise ValueError(
            f"the file has a header ({', '.join(map(str, df.columns))}) but no data rows"
        )
    df.columns = [str(c).strip() for c in df.columns]
    return df


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns whose non-empty entries all parse as numbers."""
    out = []
    for name in df.columns:
        col = df[name]
        parsed = pd.to_numeric(col, errors="coerce")
        if parsed.notna().any() and not (col.notna() & parsed.isna()).any():
            out.append(name)
    return out


def guess_columns(df: pd.DataFrame) -> tuple[str | None, str | None]:
    """A (value column, date column) guess for a fresh upload; either may be None."""
    numeric = numeric_columns(df)
    date = next((c for c in df.columns if c.lower() in _TIME_NAMES - {"index", "unnamed: 0"}), None)
    if date is None:
        for c in df.columns:
            if c not in numeric and _parses_as_dates(df[c]):
                date = c
                break
    values = [c for c in numeric if c != date and c.lower() not in _TIME_NAMES]
    return (values[0] if values else (numeric[0] if numeric else None)), date


def _first_non_number(col: pd.Series, name: str) -> str:
    bad = col.notna() & pd.to_numeric(col, errors="coerce").isna()
    if not bad.any():
        return f"column {name!r} is empty"
    i = int(np.flatnonzero(bad.to_numpy())[0])
    return f"column {name!r} holds {str(col.iloc[i])!r} in data row {i + 1}"


def _parses_as_dates(col: pd.Series) -> bool:
    sample = col.dropna().astype(str).head(20)
    if sample.empty:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().all())


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

    def __len__(self) -> int:
        return len(self.values)


def load_series(
    source: bytes | str | Path | pd.DataFrame,
    column: str | None = None,
    *,
    date_column: str | None = None,
    reverse: bool = False,
    gaps: str = "interpolate",
    max_bytes: int = MAX_BYTES,
) -> Series:
    """Read one numeric column of a CSV (bytes, path or an already read DataFrame) as a `Series`.

    `column=None` picks the first numeric column that does not look like a time index. `reverse`
    flips the row order (for files listed newest first). Missing entries are counted, then linearly
    interpolated by position (the ends take the nearest value) or dropped, per `gaps`.
    """
    if gaps not in GAP_POLICIES:
        raise ValueError(f"unknown gap policy {gaps!r}: expected one of {GAP_POLICIES}")
    df = source if isinstance(source, pd.DataFrame) else read_table(source, max_bytes=max_bytes)
    if column is None:
        column, _ = guess_columns(df)
        if column is None:
            raise ValueError(
                "no numeric column: "
                + "; ".join(_first_non_number(df[c], c) for c in list(df.columns)[:3])
                + "; a forecast needs a column of numbers"
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
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna() & values.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        numeric = [c for c in numeric_columns(df) if c != date_column]
        hint = f"; numeric columns: {', '.join(numeric)}" if numeric else "; no column is numeric"
        raise ValueError(
            f"column {column!r} is not numeric: data row {i + 1} holds "
            f"{str(raw.iloc[i])!r} ({int(bad.sum())} such entries){hint}"
        )
    values = values.astype("float64")
    inf = np.isinf(values.to_numpy())
    if inf.any():
        rows = ", ".join(str(int(i) + 1) for i in np.flatnonzero(inf)[:5])
        raise ValueError(
            f"column {column!r} holds {int(inf.sum())} infinite value(s) "
            f"(data rows {rows}); remove or correct them"
        )

    dates = None
    descending = False
    if date_column is not None:
        dates = _parse_dates(df[date_column], date_column)
        valid = dates[~pd.isna(dates)]
        descending = len(valid) > 1 and bool(valid[0] > valid[-1])

    v = values.to_numpy()
    n_gaps = int(np.isnan(v).sum())
    if n_gaps == len(v):
        raise ValueError(f"column {column!r} holds no values, only {n_gaps} empty entries")
    if reverse:
        v = v[::-1]
        dates = None if dates is None else dates[::-1]
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
    )


def load_bundled(
    file: str = DEFAULT_SERIES, *, reverse: bool = False, gaps: str = "interpolate"
) -> Series:
    """A bundled series with its own value and date columns."""
    b = bundled(file)
    return load_series(b.path, b.column, date_column=b.date_column, reverse=reverse, gaps=gaps)


def _parse_dates(col: pd.Series, name: str) -> np.ndarray:
    """Numbers (years, ticks) stay numbers; anything else must parse as dates."""
    as_num = pd.to_numeric(col, errors="coerce")
    if not (col.notna() & as_num.isna()).any():
        return as_num.to_numpy(dtype=np.float64)
    parsed = pd.to_datetime(col, errors="coerce", format="mixed")
    bad = col.notna() & parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"date column {name!r} does not parse as dates: data row {i + 1} holds "
            f"{str(col.iloc[i])!r}; choose another date column or none"
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
