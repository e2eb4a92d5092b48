"""The forecasting page driven with Streamlit's AppTest: the recipe's defaults, a short training
with its charts, metrics and downloads, every bad input as a clear message, the weights round trip,
a stopped run, the trained layer replayed by the NumPy reference, and the Chinese page."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import explainer.data.table
from explainer.data import MAX_BYTES, prepare
from explainer.torch_backend import forecast as fc
from tests.conftest import charts, decode, open_app

pytestmark = pytest.mark.usefixtures("fresh_caches")
PAGE = "app_pages/forecast.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_page(**query: str) -> AppTest:
    return open_app(PAGE, **query)


def csv_of(values, header: str = "year,y", start: int = 1900) -> bytes:
    rows = "".join(f"{start + i},{v}\n" for i, v in enumerate(values))
    return (header + "\n" + rows).encode()


SERIES = 10 + np.sin(np.arange(120) / 4) + 0.02 * np.arange(120)  # positive: per-window works
TINY = csv_of(f"{v:.6f}" for v in SERIES)


def upload(at: AppTest, raw: bytes, name: str = "d.csv") -> AppTest:
    if at.radio(key="fc_source").value != "upload":
        at.radio(key="fc_source").set_value("upload").run()
    at.file_uploader(key="csv").set_value((name, raw, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def train_tiny(at: AppTest, epochs: int = 2, **settings) -> AppTest:
    upload(at, TINY)
    at.text_input(key="fc_hidden").set_value(settings.get("hidden", "3"))
    at.number_input(key="fc_window").set_value(settings.get("window", 10))
    at.number_input(key="fc_epochs").set_value(epochs)
    at.number_input(key="fc_batch").set_value(16)
    if "norm" in settings:
        at.selectbox(key="fc_norm").set_value(settings["norm"])
    at.button(key="fc_train").click().run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    """The error boxes' text, Markdown escapes removed."""
    return [e.value.replace("\\", "") for e in at.error]


def titled(at: AppTest, text: str) -> list[dict]:
    return [c for c in charts(at) if text in c["layout"].get("title", {}).get("text", "")]


def test_page_opens_with_the_recipe_as_defaults():
    at = open_page()
    assert at.title[0].value.startswith("Forecasting")
    assert len(at.get("plotly_chart")) == 1  # the bundled default series with its split
    assert at.text_input(key="fc_hidden").value == "50, 100"
    assert at.number_input(key="fc_window").value == 50
    assert at.number_input(key="fc_horizon").value == 1
    assert at.selectbox(key="fc_norm").value == "window"
    assert at.selectbox(key="fc_opt").value == "rmsprop"
    assert at.select_slider(key="fc_lr").value == pytest.approx(1e-3)
    assert at.number_input(key="fc_epochs").value == 20
    assert at.number_input(key="fc_batch").value == 50
    assert at.slider(key="fc_dropout").value == pytest.approx(0.2)
    assert not at.error


def test_presentation_mode_shows_the_metrics_as_a_table_that_fits_the_page():
    # a scrolling dataframe hid its last columns on a projector; a static table wraps instead
    at = train_tiny(open_page(pres="true"))
    assert not at.error and not at.dataframe
    (table,) = at.table
    cols = list(table.value.columns)
    assert cols[0] == "Mode" and len(cols) == 7 and len(table.value) == 3, cols
    assert np.isfinite(table.value["RMSE"].to_numpy(dtype=float)).all()


def test_a_short_training_shows_predictions_metrics_downloads_and_the_trained_gates():
    at = train_tiny(open_page())
    assert not at.error
    assert any("Epochs trained: 2," in s.value for s in at.success)
    result = at.session_state["fc_result"]
    data = result["data"]
    # series, loss, three prediction modes, then the inspector's heatmaps, cell and gradient decay
    assert len(at.get("plotly_chart")) == 8
    loss = titled(at, "Loss per epoch")[0]
    assert len(decode(loss["data"][0]["y"])) == 2
    for title, mode in (
        ("Point-by-point", "point"),
        ("Full sequence", "full"),
        ("Multi-sequence", "multi"),
    ):
        (fig,) = titled(at, title)
        real = decode(fig["data"][0]["y"])
        np.testing.assert_allclose(real, SERIES, atol=1e-6)  # the real series, original units
        n_pred = sum(
            len(decode(tr["y"]) if isinstance(tr["y"], dict) else tr["y"]) for tr in fig["data"][1:]
        )
        assert n_pred >= len(data.test), mode
    table = at.dataframe[0].value
    assert len(table) == 3 and {"RMSE", "persistence RMSE", "MAE"} <= set(table.columns)
    assert np.isfinite(table["RMSE"].to_numpy(dtype=float)).all()
    assert len(at.get("download_button")) == 3

    # the reference's gates are the trained network's: its h equals torch's first layer (float64)
    layer = fc.first_layer(result["model"], torch.float64)
    for k in (0, len(data.test) - 1):
        if k:
            at.slider(key="fc_k").set_value(k).run()
            assert not at.exception
        heat = next(c for c in charts(at) if any(t.get("type") == "heatmap" for t in c["data"]))
        h_chart = decode(next(t for t in heat["data"] if t.get("name") == "h")["z"]).T  # (W, H)
        with torch.no_grad():
            h_torch, _ = layer(torch.from_numpy(data.test.x[k][None, :, None]))
        np.testing.assert_allclose(h_chart, h_torch[0].numpy(), rtol=0, atol=1e-12)
        assert any("reproduces the trained layer" in c.value for c in at.caption)
    assert titled(at, "LSTM cell") and titled(at, "How far back")


def test_weights_round_trip_gives_the_same_predictions():
    at = train_tiny(open_page(), hidden="3, 2")
    trained = at.session_state["fc_result"]
    # what the weights download button serves
    raw = fc.weights_bytes(trained["model"], trained["config"], trained["data"])
    fresh = upload(open_page(), TINY)
    fresh.file_uploader(key="weights").set_value(
        ("w.safetensors", raw, "application/octet-stream")
    ).run()
    assert not fresh.exception and not fresh.error
    assert any("Weights loaded" in s.value for s in fresh.success)
    loaded = fresh.session_state["fc_result"]
    assert loaded["config"] == trained["config"]
    for mode in ("point", "full", "multi"):
        np.testing.assert_array_equal(
            loaded["predictions"][mode].predicted, trained["predictions"][mode].predicted
        )
    # weights whose window does not fit the chosen series: a message, not a traceback
    short = upload(open_page(), csv_of(f"{v:.6f}" for v in SERIES[:12]))
    short.file_uploader(key="weights").set_value(
        ("w.safetensors", raw, "application/octet-stream")
    ).run()
    assert not short.exception
    assert any("cannot be used" in e and "longer series" in e for e in errors(short))
    # a malformed weights file is a message, not a traceback
    fresh.file_uploader(key="weights").set_value(
        ("bad.safetensors", b"\x10\x00garbage", "application/octet-stream")
    ).run()
    assert not fresh.exception
    assert any("not a valid safetensors" in e for e in errors(fresh))


def weights_file(settings: dict, state: dict) -> bytes:
    """A forecaster's safetensors file as this page saves it, from any settings and tensors."""
    import json

    from safetensors.torch import save

    meta = {"format": "explainer.forecast", "config": json.dumps(settings)}
    return save({k: v.contiguous() for k, v in state.items()}, metadata=meta)


@pytest.fixture(scope="module")
def small_model() -> tuple[dict, dict]:
    """Settings and weights of a small model that fits `TINY` (trained headless: quicker)."""
    config = fc.ForecastConfig(window=10, hidden=(3,), batch_size=16, epochs=1, device="cpu")
    data = prepare(SERIES, window=10)
    return config.to_dict(), dict(fc.train(config, data).model.state_dict())


def load_file(raw: bytes, lang: str = "en") -> AppTest:
    at = upload(open_page(lang=lang), TINY)
    at.file_uploader(key="weights").set_value(("w.safetensors", raw, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    return at


def test_bad_weights_files_are_explained_in_the_readers_language(small_model):
    settings, state = small_model
    nan = {**state, "head.weight": torch.full_like(state["head.weight"], float("nan"))}
    cases = [
        # a 556-byte file whose header declares 8 layers of 4096 units: refused at once
        (
            weights_file({**settings, "hidden": [4096] * 8}, {"w": torch.zeros(1)}),
            "its model's layer sizes are 4096, 4096",
            "本页最多训练 4 层",
        ),
        (weights_file(settings, nan), "head.weight holds NaN or infinite", "含有 NaN"),
        (
            weights_file(settings, {**state, "head.bias": state["head.bias"].long()}),
            "head.bias is stored as I64",
            "以 I64 存储",
        ),
        (
            weights_file(settings, {**state, "head.bias": 1e38 * torch.ones(1)}),
            "values as large as 1e+38",
            "大到 1e+38",
        ),
        (weights_file(settings, {"w": torch.zeros(1)}), "do not match", "不符"),
    ]
    for raw, en, zh in cases:
        at = load_file(raw)
        assert any(en in e for e in errors(at)), errors(at)
        assert not at.get("tabs")  # nothing loaded
        at = load_file(raw, lang="zh")
        assert any(zh in e and CJK.search(e.split("：", 1)[1]) for e in errors(at)), errors(at)


def test_half_precision_weights_load_with_a_note(small_model):
    settings, state = small_model
    at = load_file(weights_file(settings, {k: v.half() for k, v in state.items()}))
    assert not at.error and any("Weights loaded" in s.value for s in at.success)
    assert any("stores its weights as F16" in c.value for c in at.caption)
    model = at.session_state["fc_result"]["model"]
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_the_forms_limits_are_the_backends():
    at = open_page()
    lim = fc.LIMITS
    for key, (lo, hi) in [
        ("fc_window", lim.window),
        ("fc_horizon", lim.horizon),
        ("fc_epochs", lim.epochs),
        ("fc_batch", lim.batch_size),
        ("fc_seed", lim.seed),
    ]:
        widget = at.number_input(key=key)
        assert (widget.min, widget.max) == (lo, hi), key
    dropout = at.slider(key="fc_dropout")
    assert (dropout.min, dropout.max) == lim.dropout


def test_the_page_trains_exactly_what_the_command_line_trains():
    """Same settings and seed: the page's weights are the backend's (one seeded stream for the
    initial weights, the dropout masks and the shuffling), so a lesson run can be reproduced
    headless."""
    at = train_tiny(open_page(), hidden="3, 2")
    result = at.session_state["fc_result"]
    config = result["config"]
    assert config.seed == 0 and config.hidden == (3, 2) and config.dropout > 0
    headless = fc.train(config, result["data"]).model.state_dict()
    page = result["model"].state_dict()
    assert set(page) == set(headless)
    for k, v in headless.items():
        torch.testing.assert_close(page[k].cpu(), v.cpu(), rtol=0, atol=0, msg=k)
    # and a different seed trains different weights (the comparison can fail)
    other = fc.train(fc.ForecastConfig.from_dict({**config.to_dict(), "seed": 1}), result["data"])
    assert not torch.equal(other.model.rnns[0].weight_hh_l0, page["rnns.0.weight_hh_l0"])


def test_loaded_weights_keep_the_scaling_they_were_trained_with():
    at = train_tiny(open_page(), norm="zscore")
    trained = at.session_state["fc_result"]
    saved = trained["data"].scaler
    assert saved.kind == "zscore"
    raw = fc.weights_bytes(trained["model"], trained["config"], trained["data"])
    # the same weights on a series with another level and spread: not refitted on it
    other = 3 * SERIES + 40
    fresh = upload(open_page(), csv_of(f"{v:.6f}" for v in other))
    fresh.file_uploader(key="weights").set_value(
        ("w.safetensors", raw, "application/octet-stream")
    ).run()
    assert not fresh.exception and not fresh.error
    loaded = fresh.session_state["fc_result"]
    assert loaded["data"].scaler == saved
    assert prepare(other, window=10, normalise="zscore").scaler != saved
    assert any("not refitted on this series" in c.value for c in fresh.caption)
    assert any("extrapolation" in w.value for w in fresh.warning)  # 3x the level: far outside
    same = upload(open_page(), TINY)  # on the series it was trained on: no such warning
    same.file_uploader(key="weights").set_value(
        ("w.safetensors", raw, "application/octet-stream")
    ).run()
    assert same.session_state["fc_result"]["data"].scaler == saved
    assert any("not refitted" in c.value for c in same.caption)
    assert not any("extrapolation" in w.value for w in same.warning)
    # the point predictions are the model's outputs on (x - shift) / scale, mapped back alike
    data = loaded["data"]
    x = (data.series[data.test.start[:, None] + np.arange(10)] - saved.shift) / saved.scale
    with torch.no_grad():
        z = trained["model"](torch.tensor(x[..., None], dtype=torch.float32)).double().numpy()
    np.testing.assert_allclose(
        loaded["predictions"]["point"].predicted, z[:, 0] * saved.scale + saved.shift, rtol=1e-6
    )


def test_the_submitted_settings_go_into_the_url_and_a_shared_url_trains_them():
    at = train_tiny(open_page(), hidden="3,2", norm="minmax")
    url = dict(at.query_params)
    # only what differs from the recipe; hidden sizes written in the form's own spelling
    assert {k: url[k] for k in url if k.startswith("fc_") and k != "fc_source"} == {
        "fc_hidden": "3, 2",
        "fc_window": "10",
        "fc_epochs": "2",
        "fc_batch": "16",
        "fc_norm": "minmax",
    }
    shared = open_page(**url)
    assert shared.text_input(key="fc_hidden").value == "3, 2"
    assert shared.number_input(key="fc_window").value == 10
    assert shared.selectbox(key="fc_norm").value == "minmax"
    upload(shared, TINY).button(key="fc_train").click().run()
    assert not shared.exception and not shared.error
    config = shared.session_state["fc_result"]["config"]
    assert config == at.session_state["fc_result"]["config"]
    assert (config.hidden, config.window, config.epochs, config.batch_size, config.normalise) == (
        (3, 2),
        10,
        2,
        16,
        "minmax",
    )


def test_bad_settings_in_the_url_fall_back_to_the_recipe():
    at = open_page(
        fc_hidden="0",
        fc_epochs="abc",
        fc_norm="log",
        fc_lr="0.5",
        fc_cell="xyz",
        fc_dropout="2",
        fc_window="2.5",
        fc_batch="-1",
        fc_opt="lbfgs",
        fc_seed="1e9",
        fc_horizon="3",
    )
    assert not at.exception and not at.error
    assert at.text_input(key="fc_hidden").value == "50, 100"
    assert at.number_input(key="fc_epochs").value == 20
    assert at.selectbox(key="fc_norm").value == "window"
    assert at.select_slider(key="fc_lr").value == pytest.approx(1e-3)
    assert at.selectbox(key="fc_cell").value == "lstm"
    assert at.slider(key="fc_dropout").value == pytest.approx(0.2)
    assert at.number_input(key="fc_window").value == 50
    assert at.number_input(key="fc_batch").value == 50
    assert at.selectbox(key="fc_opt").value == "rmsprop"
    assert at.number_input(key="fc_seed").value == 0
    assert at.number_input(key="fc_horizon").value == 3  # the one good value is kept
    assert dict(at.query_params) == {"fc_horizon": "3"}  # the rest are gone from the URL


@pytest.mark.parametrize("hidden", ["1025", "1, 2, 3, 4, 5", "0", "fifty"])
def test_layer_sizes_beyond_the_page_limits_are_a_message(hidden):
    at = upload(open_page(), TINY)
    at.text_input(key="fc_hidden").set_value(hidden)
    at.button(key="fc_train").click().run()
    assert not at.exception and not at.get("tabs")  # nothing trained
    assert any("1 to 4 whole numbers from 1 to 1024" in e for e in errors(at))


BAD_UPLOADS = [
    ("text.csv", b"name,city\na,b\nc,d\n", "is not numeric"),
    ("empty.csv", b"", "the file is empty"),
    ("header.csv", b"year,y\n", "no data rows"),
    ("short.csv", csv_of(range(1, 21)), "needs at least 51"),
    ("constant.csv", csv_of([5.0] * 80), "constant"),
    ("inf.csv", csv_of([1.0, 2.0, "inf"] * 30), "infinite"),
    ("latin1.csv", "year,température\n1,2\n".encode("latin-1"), "not UTF-8"),
    ("book.csv", b"PK\x03\x04" + bytes(200), "Excel"),
    ("big.csv", b"y\n" + b"1\n" * (MAX_BYTES // 2 + 1), "over the 5.0 MiB limit"),
    # the fuzzed files of #14: huge numbers, decimal commas between commas, a wide file
    ("digits.csv", b"y\n" + b"9" * 400 + b"\n2\n", "beyond float64's range"),
    ("field.csv", b"d,y\n" + b"1" * 2_000_000 + b",1\n2,3\n", "beyond float64's range"),
    ("e308.csv", csv_of([*SERIES[:60], 1.7e308, *SERIES[60:]]), "beyond ±1e+150"),
    ("commas.csv", b"t,y\n0,1,5\n1,2,5\n", "has 3 fields but the header has 2"),
    ("wide.csv", ("c," * 49_999 + "c\n" + "1," * 49_999 + "1\n").encode(), "50,000 columns"),
]


def test_every_bad_upload_shows_a_clear_message_and_no_traceback():
    at = open_page()
    for name, raw, expected in BAD_UPLOADS:
        upload(at, raw, name)
        assert any(expected in e for e in errors(at)), (name, errors(at))
    # zeros or sign changes under per-window normalisation: say so, and offer another one
    upload(at, csv_of(np.round(np.sin(np.arange(90) / 3), 3)), "sine.csv")
    assert any("per-window normalisation" in e for e in errors(at))
    at.button(key="fc_use_zscore").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="fc_norm").value == "zscore"
    # NaN entries are gaps: counted, then interpolated or dropped
    upload(at, csv_of([1.0, "nan", 3.0, ""] * 20 + [2.0]), "gaps.csv")
    assert not at.error
    assert any("40 missing in the file" in c.value for c in at.caption)
    # Train with a series that cannot be used, or with bad layer sizes: a message
    at.text_input(key="fc_hidden").set_value("50, lots")
    at.button(key="fc_train").click().run()
    assert not at.exception
    assert any("Layer sizes must be" in e for e in errors(at))


def test_semicolons_decimal_commas_and_a_missing_header_are_read_and_said():
    at = open_page()
    rows = "".join(f"{i};{v:.4f}\n".replace(".", ",") for i, v in enumerate(SERIES))
    upload(at, ("t;y\n" + rows).encode(), "semi.csv")
    assert not at.error
    assert at.selectbox(key=next(k for k in _keys(at) if k.startswith("fc_col_"))).value == "y"
    assert any(
        "Read with “;” between fields and “,” as the decimal mark" in c.value for c in at.caption
    )
    (series,) = titled(at, "")[:1]
    np.testing.assert_allclose(decode(series["data"][0]["y"]), SERIES, atol=1e-4)
    upload(at, "".join(f"{v:.6f}\n" for v in SERIES).encode(), "bare.csv")
    assert not at.error and any("read as data, not as a header" in c.value for c in at.caption)
    assert any(f"{len(SERIES)} values" in c.value for c in at.caption)  # the first line counts


def _keys(at: AppTest) -> list[str]:
    return [w.key for w in at.selectbox]


def test_shuffled_dates_are_sorted_with_a_note():
    dates = np.datetime64("2001-01-01") + np.arange(len(SERIES))
    order = np.random.default_rng(0).permutation(len(SERIES))
    rows = "".join(f"{dates[i]},{SERIES[i]:.6f}\n" for i in order)
    at = upload(open_page(), ("date,level\n" + rows).encode(), "shuffled.csv")
    assert not at.error
    assert any("sorted by “date”" in i.value.replace("\\", "") for i in at.info)
    (series,) = titled(at, "")[:1]
    np.testing.assert_allclose(decode(series["data"][0]["y"]), SERIES, atol=1e-6)


def test_the_column_guess_is_made_once_per_file(monkeypatch):
    calls = []
    real = explainer.data.table.guess_columns
    monkeypatch.setattr(
        explainer.data.table, "guess_columns", lambda df: calls.append(list(df.columns)) or real(df)
    )
    at = upload(open_page(), TINY)
    at.number_input(key="fc_window").set_value(12).run()
    at.radio(key="fc_gaps").set_value("drop").run()
    assert not at.exception
    assert calls.count(["year", "y"]) == 1  # once for this file, not on every rerun


def test_a_training_whose_loss_is_nan_says_so_without_an_error(monkeypatch):
    # a loss that is NaN from epoch 1 drew the same empty loss chart twice: DuplicateElementId
    import dataclasses

    real = fc.train

    def nan_train(config, data, *, callback=None, **kw):
        def nan(p):
            return callback(dataclasses.replace(p, loss=float("nan"), val_loss=float("nan")))

        return real(config, data, callback=nan, **kw)

    monkeypatch.setattr(fc, "train", nan_train)
    at = train_tiny(open_page(), epochs=3)
    assert not at.exception
    assert any("not a number from epoch 1 on" in e for e in errors(at))


def test_user_text_is_shown_literally():
    at = open_page()
    upload(at, b"<b>*x*</b>,:red[y]\nfoo,a\nbar,b\n", "<i>name</i>.csv")
    assert not at.exception
    (msg,) = at.error
    assert "\\<b\\>\\*x\\*\\</b\\>" in msg.value  # escaped: no bold, no HTML
    elements = [*at.markdown, *at.caption, *at.error, *at.info, *at.success]
    assert not any(
        e.proto.allow_html
        for e in elements
        if hasattr(e.proto, "allow_html") and not e.value.startswith("<style")
    )


def test_a_stopped_run_keeps_what_it_learnt():
    at = train_tiny(open_page())
    # what a stopped training leaves behind: its last finished epoch, not yet turned into a result
    board = at.session_state["fc_board"]
    board.record.history, board.record.model = board.record.history[:1], None
    board.status = "stopped"
    at.session_state["fc_shown"] = None
    at.run()
    assert not at.exception
    assert any("Stopped at epoch 1 of 2" in w.value for w in at.warning)
    assert titled(at, "Point-by-point") and titled(at, "LSTM gates")
    assert at.session_state["fc_shown"] == board.id  # turned into a result once


def test_chinese_page_and_figures():
    at = train_tiny(open_page(lang="zh"), epochs=1)
    assert CJK.search(at.title[0].value)
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert len(titles) == 8 and all(CJK.search(t) for t in titles), titles
    texts = [m.value for m in at.markdown] + [s.value for s in at.subheader]
    prose = [t for t in texts if len(t) > 40 and not t.startswith("<style")]
    assert prose and all(CJK.search(t) for t in prose)


def test_a_training_that_fails_is_a_message_not_a_traceback(monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(fc, "train", out_of_memory)  # the job calls it in its thread
    at = train_tiny(open_page())
    assert errors(at) == ["Training failed: out of memory"]
    assert at.session_state["fc_result"] is None and not titled(at, "Point-by-point")


def lstm_gate_moves(layer: torch.nn.Module, x: np.ndarray) -> dict[str, float]:
    """The oracle for the page's "gates barely move" numbers: PyTorch's float64 first layer runs
    the window, and its gates are recomputed from its weights and its own h (rows i|f|g|o)."""
    xt = torch.from_numpy(x[None, :, None])  # (1, W, 1)
    with torch.no_grad():
        h, _ = layer(xt)
        h_prev = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)  # (1, W, H)
        a = (
            xt @ layer.weight_ih_l0.T
            + layer.bias_ih_l0
            + h_prev @ layer.weight_hh_l0.T
            + layer.bias_hh_l0
        )[0]  # (W, 4H)
    i, f, g, o = a.chunk(4, dim=1)
    gates = {"i": i.sigmoid(), "f": f.sigmoid(), "g": g.tanh(), "o": o.sigmoid()}
    return {n: float((v.max(0).values - v.min(0).values).max()) for n, v in gates.items()}


@pytest.mark.parametrize(
    ("series", "norm"),
    [
        (1000 + 0.5 * np.sin(np.arange(120) / 4), "window"),  # inputs within +-0.001: flat
        (SERIES, "zscore"),  # inputs of size about 1
    ],
)
def test_the_inspector_says_when_and_why_the_gates_are_flat(series, norm):
    at = open_page()
    upload(at, csv_of(f"{v:.6f}" for v in series))
    at.text_input(key="fc_hidden").set_value("3")
    at.number_input(key="fc_window").set_value(10)
    at.number_input(key="fc_epochs").set_value(2)
    at.number_input(key="fc_batch").set_value(16)
    at.selectbox(key="fc_norm").set_value(norm)
    at.button(key="fc_train").click().run()
    assert not at.exception, at.exception
    result = at.session_state["fc_result"]
    x = result["data"].test.x[0]
    moves = lstm_gate_moves(fc.first_layer(result["model"], torch.float64), x)
    flat = [i.value for i in at.info if i.value.startswith("On this window the gates barely move")]
    if max(moves.values()) < 0.05:
        (text,) = flat
        expected = ", ".join(f"{n} {v:.2g}" for n, v in moves.items())
        assert f"the largest change of any unit is {expected}," in text, (text, expected)
        assert f"span {float(x.min()):.2g} to {float(x.max()):.2g}" in text
    else:
        assert not flat
    if norm == "window":
        assert flat  # this series' windows barely change: the page must say why
        assert any("per-window normalisation" in c.value for c in at.caption)
