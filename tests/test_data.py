"""Series loading, validation, windowing, normalisation and splits (`explainer.data`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from explainer.data import (
    DEFAULT_SERIES,
    MAX_BYTES,
    MAX_COLUMNS,
    NORMALISATIONS,
    Scaler,
    bundled_series,
    load_bundled,
    load_series,
    make_windows,
    prepare,
    read_table,
)

# ----------------------------------------------------------------------------- windows


def test_make_windows_aligns_targets_with_the_values_after_each_window():
    s = np.arange(10.0) * 3  # s_t = 3 t, so every value names its own position
    x, y = make_windows(s, window=4, horizon=2)
    assert x.shape == (5, 4) and y.shape == (5, 2)  # N = 10 - 4 - 2 + 1
    for k in range(5):
        assert list(x[k]) == [3.0 * t for t in range(k, k + 4)]
        assert list(y[k]) == [3.0 * (k + 4), 3.0 * (k + 5)]


def test_make_windows_returns_writable_copies():
    s = np.arange(8.0)
    x, _ = make_windows(s, 3)
    x[0, 0] = 99
    assert s[0] == 0


@pytest.mark.parametrize("horizon", [1, 3])
def test_split_keeps_every_test_target_out_of_every_training_window(horizon):
    n, W = 200, 10
    fd = prepare(np.arange(1.0, n + 1), window=W, horizon=horizon, normalise="none")
    train_starts = np.concatenate([fd.train.start, fd.val.start])
    covered = {int(i) for s in train_starts for i in range(s, s + W + horizon)}  # inputs + targets
    test_targets = {int(s) + W + j for s in fd.test.start for j in range(horizon)}
    assert covered.isdisjoint(test_targets)
    assert max(covered) + 1 == fd.train_end
    # with the series 1..n, each normalised ("none") value is its own position + 1
    assert fd.test.y[0, 0] == fd.test_target_start + 1
    # the recipe's split: round(0.9 N) training windows, the last 5% of them (floor) validating
    N = n - W - horizon + 1
    assert len(fd.train) + len(fd.val) == round(0.9 * N)
    assert len(fd.train) == math.floor(round(0.9 * N) * 0.95)
    assert len(fd.test) == N - round(0.9 * N) - (horizon - 1)


def test_validation_windows_are_the_last_training_windows_in_time_order():
    fd = prepare(np.arange(1.0, 301), window=5, normalise="none")
    assert (np.diff(fd.train.start) == 1).all() and (np.diff(fd.val.start) == 1).all()
    assert fd.val.start[0] == fd.train.start[-1] + 1
    assert fd.test.start[0] == fd.val.start[-1] + 1  # horizon 1: no gap needed


@pytest.mark.parametrize("kind", ["minmax", "zscore"])
def test_scalers_are_fitted_on_the_training_part_only(kind):
    # the test part lives on a scale 1000 times larger: a scaler that saw it would squash the rest
    rng = np.random.default_rng(0)
    s = np.concatenate([10 + rng.normal(size=400), 10_000 + 100 * rng.normal(size=40)])
    fd = prepare(s, window=10, normalise=kind)
    seen = s[: fd.train_end]
    assert fd.train_end <= 400  # the training windows end before the jump
    if kind == "minmax":
        assert (fd.scaler.shift, fd.scaler.scale) == (seen.min(), seen.max() - seen.min())
        assert fd.train.x.min() >= 0 and fd.train.x.max() <= 1
        assert fd.test.y[fd.test.start + 10 >= 400].min() > 100  # far outside [0, 1]
    else:
        assert fd.scaler.shift == pytest.approx(seen.mean()) and fd.scaler.scale == pytest.approx(
            seen.std()
        )
        assert abs(fd.train.x.mean()) < 0.2 and fd.test.y[fd.test.start + 10 >= 400].min() > 1000


def test_a_given_scaler_is_used_instead_of_refitting():
    # a model trained on one series, applied to another: its inputs in the units it learnt
    s = 50 + 5 * np.sin(np.arange(300) / 7)
    saved = Scaler("zscore", 10.0, 4.0)
    fd = prepare(s, window=8, normalise="zscore", scaler=saved)
    assert fd.scaler == saved
    np.testing.assert_allclose(fd.train.x[0], (s[:8] - 10.0) / 4.0, rtol=1e-15)
    np.testing.assert_allclose(
        fd.to_original(fd.test.y, fd.test.base)[:, 0], s[fd.test.start + 8], rtol=1e-14
    )
    refit = prepare(s, window=8, normalise="zscore")
    assert refit.scaler != saved  # without it, the series' own training part is fitted
    with pytest.raises(ValueError, match="minmax scaler cannot apply zscore"):
        prepare(s, window=8, normalise="zscore", scaler=Scaler("minmax", 0.0, 1.0))
    with pytest.raises(ValueError, match="cannot apply window"):
        prepare(s, window=8, normalise="window", scaler=saved)


def test_per_window_normalisation_divides_by_each_windows_first_input():
    s = np.array([2.0, 4.0, 8.0, 4.0, 1.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0])
    fd = prepare(s, window=3, horizon=1, normalise="window", split=0.5, val=0.0)
    # window 1 is (4, 8, 4) -> target 1: p / 4 - 1
    k = list(fd.train.start).index(1)
    np.testing.assert_allclose(fd.train.x[k], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(fd.train.y[k], [1 / 4 - 1])
    assert fd.scaler is None


@pytest.mark.parametrize("kind", NORMALISATIONS)
def test_each_normalisation_inverts_exactly(kind):
    rng = np.random.default_rng(1)
    s = 50 + np.cumsum(rng.normal(size=400))
    fd = prepare(s, window=20, horizon=2, normalise=kind)
    for w in (fd.train, fd.val, fd.test):
        back_x = fd.to_original(w.x, w.base)
        back_y = fd.to_original(w.y, w.base)
        for k in (0, len(w) - 1):
            np.testing.assert_allclose(back_x[k], s[w.start[k] : w.start[k] + 20], rtol=1e-12)
            np.testing.assert_allclose(back_y[k], s[w.start[k] + 20 : w.start[k] + 22], rtol=1e-12)
        np.testing.assert_allclose(fd.normalise_windows(back_x, w.base), w.x, atol=1e-12)


def test_split_counts_reject_too_few_windows():
    with pytest.raises(ValueError, match="too few"):
        prepare(np.arange(1.0, 13), window=10, normalise="none")  # 2 windows: no test part


# ----------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    "values, match",
    [
        ([1.0, 2.0, np.nan] + [1.0] * 60, "NaN"),
        ([1.0, np.inf] + [2.0] * 60, "infinite"),
        ([3.0] * 80, "constant"),
        (list(range(1, 40)), "needs at least 51"),
        ([[1.0, 2.0]] * 60, "1-D"),
    ],
)
def test_bad_series_give_clear_messages(values, match):
    with pytest.raises(ValueError, match=match):
        prepare(np.array(values, dtype=float), window=50, normalise="zscore")


@pytest.mark.parametrize(
    "values, why",
    [
        (np.r_[np.arange(1.0, 70), 0.0, np.arange(1.0, 30)], "zero"),
        (np.sin(np.arange(120) / 5.0) + 0.5, "changes sign"),
    ],
)
def test_per_window_normalisation_refuses_zeros_and_sign_changes_and_offers_another(values, why):
    with pytest.raises(ValueError, match=why) as e:
        prepare(values, window=10, normalise="window")
    assert "zscore" in str(e.value) and "minmax" in str(e.value)
    prepare(values, window=10, normalise="zscore")  # the offered alternative works


def test_unknown_normalisation_is_refused():
    with pytest.raises(ValueError, match="unknown normalisation 'log'"):
        prepare(np.arange(1.0, 100), window=5, normalise="log")


# ----------------------------------------------------------------------------- CSV files


def csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_load_series_picks_value_and_date_columns_and_counts_gaps():
    raw = csv("date,price\n2020-01-01,1\n2020-01-02,\n2020-01-03,3\n2020-01-04,NaN\n2020-01-05,7\n")
    s = load_series(raw)
    assert s.name == "price" and s.gaps == 2
    np.testing.assert_array_equal(s.values, [1, 2, 3, 5, 7])  # linear interpolation
    dropped = load_series(raw, "price", date_column="date", gaps="drop")
    np.testing.assert_array_equal(dropped.values, [1, 3, 7])
    assert dropped.dates.astype("datetime64[D]").astype(str).tolist() == [
        "2020-01-01",
        "2020-01-03",
        "2020-01-05",
    ]


def test_reverse_flips_a_newest_first_file_and_says_so():
    raw = csv("date,v\n2020-01-03,30\n2020-01-02,20\n2020-01-01,10\n")
    s = load_series(raw, "v", date_column="date")
    assert s.dates_descending
    r = load_series(raw, "v", date_column="date", reverse=True)
    np.testing.assert_array_equal(r.values, [10, 20, 30])
    assert str(r.dates[0].astype("datetime64[D]")) == "2020-01-01"


def test_interpolation_fills_the_ends_with_the_nearest_value():
    s = load_series(csv("t,v\n1,\n2,2\n3,4\n4,\n"), "v")
    np.testing.assert_array_equal(s.values, [2, 2, 4, 4])
    # a blank line in a one-column file is a gap too
    s = load_series(csv("v\n1\n\n3\n"), "v")
    assert s.gaps == 1 and list(s.values) == [1, 2, 3]


def test_load_series_from_a_path_and_excel_like_utf8_bom(tmp_path):
    p = tmp_path / "s.csv"
    p.write_bytes(b"\xef\xbb\xbfyear,level\n2001,5\n2002,6\n")
    s = load_series(p)
    assert s.name == "level" and list(s.values) == [5, 6]  # "year" is not taken as the value


@pytest.mark.parametrize(
    "raw, match",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"date,value\n", "no data rows"),
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-zip", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest-of-ole", "xls workbook"),
        ("v\n1\n2\ncaf\u00e9\n".encode("latin-1"), "not UTF-8"),
        (b"name,city\nann,paris\nbob,rome\n", "no numeric column: column 'name' holds 'ann'"),
        (b"v\n1\n2\nabc\n4\n", "column 'v' holds 'abc' in data row 3"),
        (b"v\n1\ninf\n3\n", "infinite"),
        (b"t,v\n1,\n2,\n", "no values"),
    ],
)
def test_bad_files_give_clear_messages(raw, match):
    column = "v" if raw.startswith(b"t,v") else None
    with pytest.raises(ValueError, match=match):
        load_series(raw, column)


def test_non_numeric_column_message_lists_the_numeric_ones():
    raw = csv("label,v\na,1\nb,2\n")
    with pytest.raises(
        ValueError, match="column 'label' is not numeric: data row 1 holds 'a'.*numeric columns: v"
    ):
        load_series(raw, "label")


def test_bad_column_choices_are_named():
    raw = csv("d,v\n2020-01-01,1\nsoon,2\n")
    with pytest.raises(ValueError, match="no column 'x'"):
        load_series(raw, "x")
    with pytest.raises(ValueError, match="does not parse as dates: data row 2 holds 'soon'"):
        load_series(raw, "v", date_column="d")
    with pytest.raises(ValueError, match="unknown gap policy"):
        load_series(raw, "v", gaps="zero")


def test_file_over_the_size_limit_is_refused(tmp_path):
    raw = csv("v\n" + "1\n" * 600)
    with pytest.raises(ValueError, match="over the 0.0 MiB limit"):
        load_series(raw, max_bytes=1000)
    p = tmp_path / "big.csv"
    p.write_bytes(raw)
    with pytest.raises(ValueError, match="limit"):
        load_series(p, max_bytes=1000)
    assert len(load_series(raw, max_bytes=2000)) == 600


def test_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        load_series(tmp_path / "nope.csv")


# ----------------------------------------------------------------------------- bundled series


def test_bundled_series_load_and_are_small():
    listing = bundled_series()
    assert listing[0].file == DEFAULT_SERIES and 2 <= len(listing) <= 4
    for b in listing:
        assert b.path.stat().st_size < 300_000
        s = load_bundled(b.file)
        assert len(s) > 150 and np.isfinite(s.values).all()
        assert pd.read_csv(b.path).shape[0] == len(s)


def test_default_series_suits_the_recipe():
    s = load_bundled()
    assert len(s) > 2000 and s.gaps == 59 and s.dates is not None
    fd = prepare(s.values)  # the recipe's defaults: window 50, per-window normalisation
    assert len(fd.test) > 100


def test_sunspots_needs_another_normalisation():
    s = load_bundled("sunspots_yearly")
    with pytest.raises(ValueError, match="zero"):
        prepare(s.values)
    prepare(s.values, normalise="zscore")


# ----------------------------------------------------------------------------- fuzzed files (#14)


def test_a_csv_the_server_lets_in_is_refused_over_its_own_limit():
    import tomllib

    from tests.conftest import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert MAX_BYTES < config["server"]["maxUploadSize"] * 2**20  # Streamlit's MB are MiB
    with pytest.raises(ValueError, match="over the 5.0 MiB limit"):
        read_table(b"y\n" + b"1\n" * (MAX_BYTES // 2 + 1))


def test_a_2_mb_field_is_never_handed_to_the_date_parser(monkeypatch):
    # dateutil's cost grows faster than the length of what it parses: a 2,000,000-digit field
    # used to stall the column guess (pd.to_datetime(format="mixed")) for hours
    longest = []
    real = pd.to_datetime

    def spy(arg, *a, **kw):
        longest.append(max((len(str(v)) for v in getattr(arg, "values", [arg])), default=0))
        return real(arg, *a, **kw)

    monkeypatch.setattr(pd, "to_datetime", spy)
    digits = b"d,y\n" + b"1" * 2_000_000 + b",1\n2,3\n"
    with pytest.raises(ValueError, match=r"column 'd' holds 1 number\(s\) beyond float64's range"):
        load_series(digits)
    text = b"d,y\n" + b"x" * 2_000_000 + b",1\n2,3\n"
    assert list(load_series(text).values) == [1, 3]
    with pytest.raises(ValueError, match=r"'xxxxxxxxxxxxxxxxxxxx'… \(2,000,000 characters\)"):
        load_series(text, "y", date_column="d")
    assert max(longest, default=0) <= 40


def test_a_file_of_50000_columns_is_refused_before_it_is_parsed(monkeypatch):
    wide = (",".join(f"c{i}" for i in range(50_000)) + "\n" + "1," * 49_999 + "1\n").encode()
    monkeypatch.setattr(pd, "read_csv", None)  # refused before pandas sees it
    with pytest.raises(ValueError, match=r"50,000 columns \(with ',' between fields\)"):
        read_table(wide)


def test_a_file_of_1000_columns_reads_and_guesses_the_first_value_column():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(30, MAX_COLUMNS - 1)).round(3)
    rows = "".join(f"{t}," + ",".join(map(str, r)) + "\n" for t, r in enumerate(v))
    table = read_table(("t," + ",".join(f"c{i}" for i in range(v.shape[1])) + "\n" + rows).encode())
    assert (table.value, table.date) == ("c0", "t")
    np.testing.assert_array_equal(load_series(table).values, v[:, 0])


@pytest.mark.parametrize("digits", [309, 310, 400, 5000])
def test_integers_beyond_float64_are_a_message_not_an_overflow(digits):
    raw = b"y\n" + b"9" * digits + b"\n2\n3\n"  # 309 nines are 1e309; pandas keeps Python ints
    with pytest.raises(ValueError, match=r"holds 1 number\(s\) beyond float64's range.*row.* 1"):
        load_series(raw)
    assert read_table(raw).value == "y"
    ok = load_series(b"y\n" + b"1" * 300 + b"\n2\n3\n")  # 1.1e299 is a float64
    assert ok.values[0] == pytest.approx(float("1" * 300))


def test_literal_infinities_are_still_called_infinite():
    with pytest.raises(ValueError, match=r"2 infinite value\(s\) \(data rows 2, 3\)"):
        load_series(b"v\n1\ninf\n-Infinity\n")


@pytest.mark.parametrize("big", [1.7e308, 1e308, 1e200])
def test_values_whose_squares_overflow_are_refused(big):
    s = 10 + np.sin(np.arange(200) / 5)
    s[57] = big
    for norm in NORMALISATIONS:
        with pytest.raises(ValueError, match=r"1 value\(s\) beyond ±1e\+150 .*at position 57"):
            prepare(s, window=10, normalise=norm)
    # a whole series at that scale: every normalisation would give an infinite RMSE
    with pytest.raises(ValueError, match="beyond ±1e\\+150"):
        prepare(big / 2 * (1 + 0.1 * np.sin(np.arange(200) / 5)), window=10)


def test_normalised_values_beyond_float32_training_are_refused():
    s = 1e20 * (1 + 0.1 * np.sin(np.arange(200) / 5))
    with pytest.raises(
        ValueError, match=r"no normalisation the model would see values up to 1\.1e\+20"
    ):
        prepare(s, window=10, normalise="none")
    prepare(s, window=10, normalise="zscore")  # what the message offers works
    near_zero = np.r_[1e-18, np.ones(199) + np.sin(np.arange(199)) / 9]
    with pytest.raises(ValueError, match="per-window normalisation .* float32"):
        prepare(near_zero, window=10, normalise="window")


@pytest.mark.parametrize(
    "text, delimiter, decimal",
    [
        ("t;y\n0;1,5\n1;2,25\n2;-3,75\n3;4e-1\n", ";", ","),
        ("t;y\n0;1.5\n1;2.25\n2;-3.75\n3;0.4\n", ";", "."),
        ("t\ty\n0\t1.5\n1\t2.25\n2\t-3.75\n3\t0.4\n", "\t", "."),
        ("t\ty\n0\t1,5\n1\t2,25\n2\t-3,75\n3\t0,4\n", "\t", ","),
        ("t|y\n0|1.5\n1|2.25\n2|-3.75\n3|0.4\n", "|", "."),
        ('t,y\n0,"1.5"\n1,2.25\n2,-3.75\n3,0.4\n', ",", "."),
    ],
)
def test_delimiters_and_decimal_commas_are_detected(text, delimiter, decimal):
    table = read_table(text.encode())
    assert (table.delimiter, table.decimal, table.columns) == (delimiter, decimal, ["t", "y"])
    s = load_series(table)
    assert s.name == "y" and list(s.values) == [1.5, 2.25, -3.75, 0.4]


def test_decimal_commas_between_comma_separated_fields_are_named():
    # "t,y / 0,1,5": once read as index 0 with value 5 (pandas' implicit index), now refused
    with pytest.raises(
        ValueError, match=r"data row 1 has 3 fields but the header has 2 \(with ','"
    ):
        read_table(b"t,y\n0,1,5\n1,2,5\n2,3,25\n")


def test_a_column_that_is_not_numeric_names_how_the_file_was_read():
    with pytest.raises(ValueError, match=r"read with ';' between fields and ',' as the decimal"):
        load_series(b"t;y\n0;1,5\n1;abc\n2;3,5\n", "y")
    with pytest.raises(ValueError, match=r"read with tabs between fields"):
        load_series(b"a\tb\nx\ty\nz\tw\n")


def test_shuffled_dates_are_sorted_and_said_so():
    dates = pd.date_range("2020-01-01", periods=12, freq="D")
    order = np.random.default_rng(3).permutation(12)
    rows = "".join(f"{dates[i].date()},{10 * i}\n" for i in order)
    s = load_series(("date,v\n" + rows).encode(), "v", date_column="date")
    assert s.sorted_by_date and not s.dates_descending
    assert list(s.values) == [10.0 * i for i in range(12)]
    assert (np.diff(s.dates) > np.timedelta64(0)).all()
    # in order, or newest first (the Reverse box's job): nothing is sorted
    ordered = load_series(("date,v\n" + rows).encode(), "v")  # no date column: file order
    assert not ordered.sorted_by_date and list(ordered.values) == [10.0 * i for i in order]
    newest = "".join(f"{dates[i].date()},{i}\n" for i in range(11, -1, -1))
    s = load_series(("date,v\n" + newest).encode(), "v", date_column="date")
    assert s.dates_descending and not s.sorted_by_date


def test_numeric_shuffled_years_are_sorted_too():
    s = load_series(b"year,v\n2003,3\n2001,1\n2002,2\n2004,4\n", "v", date_column="year")
    assert (
        s.sorted_by_date
        and list(s.values) == [1, 2, 3, 4]
        and list(s.dates) == [2001, 2002, 2003, 2004]
    )


@pytest.mark.parametrize(
    "text, columns",
    [
        ("1.5\n2.25\n-3\n4e2\n", ["column 1"]),
        ("0,1.5\n1,2.25\n2,-3\n3,4e2\n", ["column 1", "column 2"]),
        ("0;1,5\n1;2,25\n2;-3\n3;4e2\n", ["column 1", "column 2"]),
    ],
)
def test_a_file_without_a_header_row_is_detected(text, columns):
    table = read_table(text.encode())
    assert not table.header and table.columns == columns and "no header row" in table.how
    assert table.value == columns[-1]  # the first of two columns counts 0, 1, 2, ...
    assert list(load_series(table).values) == [1.5, 2.25, -3, 400]  # the first line is data


@pytest.mark.parametrize("index", ["t", "step", "k", "Unnamed: 0", "n"])
def test_an_index_column_is_not_taken_as_the_value(index):
    y = np.round(5 + np.sin(np.arange(30)), 4)
    rows = "".join(f"{i},{v}\n" for i, v in enumerate(y))
    table = read_table(f"{index},y\n{rows}".encode())
    assert table.value == "y"
    assert table.date == (index if index in ("t", "step") else None)
    np.testing.assert_array_equal(load_series(table).values, y)


def test_a_linear_series_alone_is_still_its_own_value():
    assert read_table(b"v\n1\n2\n3\n4\n").value == "v"
    assert read_table(b"year,v\n2001,1\n2002,2\n2003,3\n").value == "v"
