"""Series for the forecast lesson: loading, validation, windowing, normalisation and splits.

NumPy and pandas only (no torch), so the app can check an upload before the backend is imported.
Three modules, in the order a series passes through them:

    table.py     a CSV file -> `Table` (format checks, delimiter and header detection, column guess)
    series.py    one column of a `Table` -> `Series` (numbers, dates, gaps); the bundled CSVs
    windows.py   a series' values -> `ForecastData` (validation, windows, normalisation, splits)
"""

from explainer.data.series import (
    ASSETS,
    BUNDLED,
    DEFAULT_SERIES,
    GAP_POLICIES,
    BundledSeries,
    Series,
    bundled,
    bundled_series,
    load_bundled,
    load_series,
)
from explainer.data.table import (
    DELIMITERS,
    MAX_BYTES,
    MAX_COLUMNS,
    Table,
    guess_columns,
    numeric_columns,
    read_table,
)
from explainer.data.windows import (
    MAX_MAGNITUDE,
    MAX_NORMALISED,
    NORMALISATIONS,
    ForecastData,
    Scaler,
    Windows,
    check_values,
    denormalise_values,
    fit_scaler,
    make_windows,
    normalise_values,
    prepare,
    split_counts,
)

__all__ = [
    "ASSETS",
    "BUNDLED",
    "DEFAULT_SERIES",
    "DELIMITERS",
    "GAP_POLICIES",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_MAGNITUDE",
    "MAX_NORMALISED",
    "NORMALISATIONS",
    "BundledSeries",
    "ForecastData",
    "Scaler",
    "Series",
    "Table",
    "Windows",
    "bundled",
    "bundled_series",
    "check_values",
    "denormalise_values",
    "fit_scaler",
    "guess_columns",
    "load_bundled",
    "load_series",
    "make_windows",
    "normalise_values",
    "numeric_columns",
    "prepare",
    "read_table",
    "split_counts",
]
