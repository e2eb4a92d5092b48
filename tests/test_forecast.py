"""The forecast backend: model, optimiser, training loop, weights, CLI and DDP (the prediction
modes: test_prediction.py)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from explainer.data import ForecastData, prepare
from explainer.torch_backend import available_devices, set_threads
from explainer.torch_backend import forecast as fc
from explainer.torch_backend.forecast import model as fc_model
from explainer.torch_backend.forecast import weights as fc_weights
from tests.test_prediction import series

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parent.parent
TINY = dict(window=10, hidden=(8, 6), batch_size=16, epochs=2, device="cpu")


# ----------------------------------------------------------------------------- model


def test_default_model_is_the_seeds_recipe():
    c = fc.ForecastConfig()
    assert (c.window, c.horizon, c.normalise, c.split, c.val) == (50, 1, "window", 0.9, 0.05)
    assert (c.hidden, c.dropout, c.cell, c.optimiser, c.lr, c.rho) == (
        (50, 100),
        0.2,
        "lstm",
        "rmsprop",
        1e-3,
        0.9,
    )
    assert (c.batch_size, c.epochs, c.eps) == (50, 20, 1e-7)
    m = fc.build_model(c)
    assert [type(r) for r in m.rnns] == [nn.LSTM, nn.LSTM]
    assert [(r.input_size, r.hidden_size, r.batch_first) for r in m.rnns] == [
        (1, 50, True),
        (50, 100, True),
    ]
    assert m.drop.p == 0.2 and (m.head.in_features, m.head.out_features) == (100, 1)
    # Keras counts one bias per gate: 10400 + 60400 + 101 = 70901; torch adds a second bias set
    keras_count = 70_901 + 4 * 50 + 4 * 100
    assert sum(p.numel() for p in m.parameters()) == keras_count
    assert m(torch.zeros(3, 50, 1)).shape == (3, 1)


@pytest.mark.parametrize(
    "cell, kind, window", [("lstm", nn.LSTM, 1000), ("gru", nn.GRU, 100), ("rnn", nn.RNN, 100)]
)
def test_model_scales_to_1024_units_4_layers_1000_steps(cell, kind, window):
    # one real forward pass at full size for the LSTM (~3 s on one core); shorter for the others
    torch.manual_seed(0)
    m = fc.Forecaster(cell, (1024,) * 4, 0.2, horizon=3).eval()
    with torch.no_grad():
        out = m(torch.randn(1, window, 1))
    assert all(type(r) is kind for r in m.rnns) and len(m.rnns) == 4
    assert out.shape == (1, 3) and torch.isfinite(out).all()


def test_keras_initialisation():
    torch.manual_seed(0)
    m = fc.keras_init_(fc.Forecaster("lstm", (5, 7), 0.0, 2))
    for r in m.rnns:
        H = r.hidden_size
        w = r.weight_hh_l0.detach()  # (4H, H)
        torch.testing.assert_close(w.T @ w, torch.eye(H), atol=1e-5, rtol=0)
        bound = math.sqrt(6 / (r.input_size + 4 * H))  # Glorot-uniform
        assert r.weight_ih_l0.abs().max() <= bound
        expected = torch.zeros(4 * H)
        expected[H : 2 * H] = 1  # forget gate
        assert torch.equal(r.bias_ih_l0.detach(), expected)
        assert torch.equal(r.bias_hh_l0.detach(), torch.zeros(4 * H))
    assert torch.equal(m.head.bias.detach(), torch.zeros(2))


def test_keras_rmsprop_matches_the_keras_formula_not_torchs():
    w0 = np.array([0.5, -1.0, 2.0])
    grads = [np.array([0.1, -0.2, 0.0]), np.array([0.3, 0.1, -0.05])]
    p = torch.tensor(w0, requires_grad=True)
    opt = fc.KerasRMSprop([p], lr=0.01, rho=0.9, eps=1e-7)
    w, v = w0.copy(), np.zeros(3)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        v = 0.9 * v + 0.1 * g**2
        w = w - 0.01 * g / np.sqrt(v + 1e-7)
    np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12)
    q = torch.tensor(w0, requires_grad=True)
    t = torch.optim.RMSprop([q], lr=0.01)
    for g in grads:
        q.grad = torch.tensor(g)
        t.step()
    assert not np.allclose(q.detach().numpy(), w, rtol=1e-6)


def test_one_bias_per_gate_as_keras():
    data = prepare(series(), window=10, normalise="window")
    result = fc.train(fc.ForecastConfig(**{**TINY, "epochs": 1}), data)
    for rnn in result.model.rnns:
        assert not rnn.bias_hh_l0.requires_grad and not rnn.bias_hh_l0.any()
        assert rnn.bias_ih_l0.requires_grad
    gru = fc.build_model(fc.ForecastConfig(cell="gru"))  # Keras' GRU keeps both biases
    assert all(r.bias_hh_l0.requires_grad for r in gru.rnns)
    two = fc.build_model(fc.ForecastConfig(one_bias=False))
    assert all(r.bias_hh_l0.requires_grad for r in two.rnns)


KERAS_PARITY = """
import os; os.environ["KERAS_BACKEND"] = "torch"
import numpy as np, torch, keras
from keras import layers
from explainer.torch_backend import forecast as fc
torch.set_num_threads(1)
keras.utils.set_random_seed(0)
km = keras.Sequential([keras.Input((None, 1)), layers.LSTM(6, return_sequences=True),
                       layers.LSTM(5), layers.Dense(1)])
km.compile(loss="mse", optimizer="rmsprop")
m = fc.build_model(fc.ForecastConfig(hidden=(6, 5), dropout=0.0))
w = [np.asarray(v) for v in km.get_weights()]
with torch.no_grad():
    for rnn, (k, rk, b) in zip(m.rnns, (w[0:3], w[3:6])):
        rnn.weight_ih_l0.copy_(torch.tensor(k.T)); rnn.weight_hh_l0.copy_(torch.tensor(rk.T))
        rnn.bias_ih_l0.copy_(torch.tensor(b))
    m.head.weight.copy_(torch.tensor(w[6].T)); m.head.bias.copy_(torch.tensor(w[7]))
rng = np.random.default_rng(0)
x = (0.01 * rng.normal(size=(200, 12, 1))).astype("float32")
y = (0.01 * rng.normal(size=(200, 1))).astype("float32")
km.fit(x, y, batch_size=50, epochs=3, shuffle=False, verbose=0)
opt = fc.make_optimiser(fc.ForecastConfig(), m.parameters())
for _ in range(3):
    for i in range(0, 200, 50):
        loss = ((m(torch.tensor(x[i:i + 50])) - torch.tensor(y[i:i + 50])) ** 2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
ours = m(torch.tensor(x)).detach().numpy()
theirs = np.asarray(km.predict(x, verbose=0))
print(float(np.abs(ours - theirs).max()), float(np.abs(theirs).max()))
"""


def test_training_matches_keras_step_for_step():
    """Same weights, same batches, no dropout: 12 RMSprop steps agree with Keras 3 on torch.
    (keras comes with requirements-dev.txt: this test never skips.)"""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", KERAS_PARITY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    diff, scale = map(float, r.stdout.split())
    assert scale > 1e-3 and diff < 1e-5 * scale


# ----------------------------------------------------------------------------- settings


def test_settings_json_round_trip_and_bad_settings():
    c = fc.ForecastConfig(cell="gru", hidden=(16, 8, 4), normalise="zscore", epochs=3)
    back = fc.ForecastConfig.from_json(c.to_json())
    assert back == c and back.hidden == (16, 8, 4)
    for text, match in [
        ('{"cell": "lstmx"}', "unknown cell 'lstmx'"),
        ('{"dropout": 1.5}', "dropout"),
        ('{"hidden": []}', "hidden"),
        ('{"window": 0}', "window must be an integer from 2 to 1000"),
        ('{"window": 1001}', "window must be an integer from 2 to 1000"),
        ('{"epochs": 201}', "epochs must be an integer from 1 to 200"),
        ('{"seed": 100000}', "seed must be an integer from 0 to 99999"),
        ('{"hidden": [1025]}', "1 to 4 whole numbers from 1 to 1024"),
        ('{"hidden": [8, 8, 8, 8, 8]}', "1 to 4 whole numbers from 1 to 1024"),
        ('{"hidden": [1.5]}', "whole numbers"),
        ('{"dropout": 0.95}', r"dropout must lie in \[0, 0.9\]"),
        ('{"lr": "fast"}', "learning rate"),
        ('{"lr": 1e999}', "learning rate"),
        ('{"split": 1.0}', "train fraction"),
        ('{"colour": 1}', "unknown setting"),
        ("[1, 2]", "JSON object"),
        ("{nope", "not valid JSON"),
    ]:
        with pytest.raises(ValueError, match=match):
            fc.ForecastConfig.from_json(text)


# ----------------------------------------------------------------------------- training


def test_training_reports_progress_and_lowers_the_loss():
    data = prepare(series(), window=10, normalise="window")
    config = fc.ForecastConfig(**{**TINY, "epochs": 4})
    seen: list[fc.Progress] = []
    torch.manual_seed(1)
    before = fc.build_model(config)
    x_val = torch.tensor(data.val.x, dtype=torch.float32).unsqueeze(-1)
    y_val = torch.tensor(data.val.y, dtype=torch.float32)
    loss0 = fc.evaluate_loss(before, x_val, y_val)
    result = fc.train(config, data, callback=seen.append, report_every=3)
    ends = [p for p in seen if p.end_of_epoch]
    mids = [p for p in seen if not p.end_of_epoch]
    batches = math.ceil(len(data.train) / 16)
    assert [p.epoch for p in ends] == [1, 2, 3, 4] and all(p.batch == batches for p in ends)
    assert mids and all(p.batch % 3 == 0 and p.val_loss is None for p in mids)
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4]
    assert [h["val_loss"] for h in result.history] == [p.val_loss for p in ends]
    assert result.history[-1]["val_loss"] < loss0 and result.history[-1]["loss"] < ends[0].loss
    assert result.train_seconds > 0 and not result.stopped and not result.model.training


def test_same_seed_same_run():
    data = prepare(series(), window=10, normalise="minmax")
    config = fc.ForecastConfig(**TINY, normalise="minmax")
    a, b = fc.train(config, data), fc.train(config, data)
    assert a.history[-1]["loss"] == b.history[-1]["loss"]
    c = fc.train(fc.ForecastConfig(**{**TINY, "seed": 1, "normalise": "minmax"}), data)
    assert c.history[-1]["loss"] != a.history[-1]["loss"]


def test_should_stop_ends_training_early():
    data = prepare(series(), window=10, normalise="none")
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3  # three batches run, the fourth is refused

    config = fc.ForecastConfig(**{**TINY, "epochs": 50, "normalise": "none"})
    result = fc.train(config, data, should_stop=stop)
    assert result.stopped and result.epochs == 1 and len(calls) == 4


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_other_cells_train(cell):
    data = prepare(series(), window=10, horizon=2, normalise="zscore")
    config = fc.ForecastConfig(
        **{
            **TINY,
            "cell": cell,
            "epochs": 1,
            "optimiser": "adam",
            "horizon": 2,
            "normalise": "zscore",
        }
    )
    result = fc.train(config, data)
    assert isinstance(result.model.rnns[0], {"gru": nn.GRU, "rnn": nn.RNN}[cell])
    assert np.isfinite(result.history[0]["loss"])
    assert fc.predictor(result.model)(data.test.x).shape == (len(data.test), 2)


def test_training_refuses_windows_cut_for_other_settings():
    data = prepare(series(), window=10, horizon=2, normalise="zscore")
    with pytest.raises(ValueError, match="horizon"):
        fc.train(fc.ForecastConfig(**TINY, normalise="zscore"), data)
    with pytest.raises(ValueError, match="window"):
        fc.train(
            fc.ForecastConfig(**{**TINY, "window": 12, "horizon": 2, "normalise": "zscore"}), data
        )
    with pytest.raises(ValueError, match="normalise"):
        fc.train(fc.ForecastConfig(**TINY, horizon=2), data)


# ----------------------------------------------------------------------------- weights


def trained(normalise: str = "window") -> tuple[fc.ForecastConfig, ForecastData, fc.TrainResult]:
    config = fc.ForecastConfig(**{**TINY, "epochs": 1, "normalise": normalise})
    data = prepare(series(), window=10, normalise=normalise)
    return config, data, fc.train(config, data)


def test_safetensors_round_trip(tmp_path):
    config, data, result = trained()
    path = tmp_path / "w.safetensors"
    fc.save_weights(path, result.model, config, data)
    assert not path.read_bytes().startswith(b"\x80")  # not a pickle
    model, back = fc.load_weights(path)
    assert back == config
    x = torch.tensor(data.test.x[:5], dtype=torch.float32).unsqueeze(-1)
    torch.testing.assert_close(model(x), result.model(x), rtol=0, atol=0)
    model2, _ = fc.load_weights(fc.weights_bytes(result.model, config))
    torch.testing.assert_close(model2(x), result.model(x), rtol=0, atol=0)


def test_the_saved_scaling_comes_back_with_the_weights():
    config, data, result = trained("minmax")
    raw = fc.weights_bytes(result.model, config, data)
    assert fc.saved_scaler(raw) == data.scaler
    assert data.scaler.kind == "minmax" and data.scaler.scale > 0
    assert fc.saved_scaler(fc.weights_bytes(result.model, config)) is None  # saved without data
    config_w, data_w, result_w = trained("window")
    assert fc.saved_scaler(fc.weights_bytes(result_w.model, config_w, data_w)) is None
    # applied to another series, the saved scaler maps the model's outputs back to this series
    other = 3 * series(seed=1) + 40
    moved = prepare(other, window=10, normalise="minmax", scaler=fc.saved_scaler(raw))
    np.testing.assert_allclose(
        moved.train.x[0], (other[:10] - data.scaler.shift) / data.scaler.scale, rtol=1e-14
    )


def test_a_malformed_saved_scaling_is_a_value_error():
    from safetensors.torch import save

    config, data, result = trained("zscore")
    tensors = {k: v.contiguous() for k, v in result.model.state_dict().items()}
    for norm in [
        "not json",
        json.dumps({"kind": "zscore"}),
        json.dumps({"kind": "zscore", "scaler": {"kind": "zscore", "shift": 1.0}}),
        json.dumps({"kind": "zscore", "scaler": {"kind": "zscore", "shift": "x", "scale": 1.0}}),
        json.dumps({"kind": "zscore", "scaler": {"kind": "zscore", "shift": 0.0, "scale": -1.0}}),
        json.dumps({"kind": "zscore", "scaler": {"kind": "log", "shift": 0.0, "scale": 1.0}}),
    ]:
        raw = save(
            tensors,
            metadata={
                "format": "explainer.forecast",
                "config": config.to_json(),
                "normalise": norm,
            },
        )
        fc.load_weights(raw)  # the weights themselves are fine
        with pytest.raises(ValueError, match="saved normalisation is malformed"):
            fc.saved_scaler(raw)
    with pytest.raises(ValueError, match="no forecaster settings"):
        fc.saved_scaler(save(tensors))


def test_malformed_weights_give_value_errors(tmp_path):
    from safetensors.torch import save

    config, data, result = trained()
    good = fc.weights_bytes(result.model, config)
    bad_shape = fc.ForecastConfig(**{**TINY, "hidden": (9, 6)})
    tampered = save(
        {k: v.contiguous() for k, v in result.model.state_dict().items()},
        metadata={"format": "explainer.forecast", "config": bad_shape.to_json()},
    )
    for raw, match in [
        (b"", "not a valid safetensors"),
        (b"garbage that is not safetensors", "not a valid safetensors"),
        (good[: len(good) // 2], "not a valid safetensors"),
        (save({"w": torch.zeros(2)}), "no forecaster settings"),
        (tampered, "shape"),
    ]:
        with pytest.raises(ValueError, match=match):
            fc.load_weights(raw)
    with pytest.raises(ValueError, match="cannot read"):
        fc.load_weights(tmp_path / "missing.safetensors")


def forecaster_file(config: dict, tensors: dict[str, torch.Tensor]) -> bytes:
    from safetensors.torch import save

    meta = {"format": "explainer.forecast", "config": json.dumps(config)}
    return save({k: v.contiguous() for k, v in tensors.items()}, metadata=meta)


@pytest.fixture
def nothing_is_built(monkeypatch):
    """Fails the test if a Forecaster is built anywhere but on torch's meta device (no memory,
    no initialisation): what a file is checked with before its weights are read."""
    built = fc.Forecaster

    def forecaster(*args, **kw):
        assert torch.get_default_device().type == "meta", "a model was built before the checks"
        return built(*args, **kw)

    monkeypatch.setattr(fc_model, "Forecaster", forecaster)  # what `architecture` builds


@pytest.mark.parametrize("hidden", [[4096] * 8, [1024], [1024] * 4])
def test_a_tiny_file_declaring_a_huge_model_is_refused_before_anything_is_built(
    nothing_is_built, hidden
):
    config = {**fc.ForecastConfig().to_dict(), "hidden": hidden}
    raw = forecaster_file(config, {"rnns.0.weight_ih_l0": torch.zeros(4, 1)})
    assert len(raw) < 1000
    match = "this page trains 1 to 4 layers" if len(hidden) > 4 else "do not match their settings"
    with pytest.raises(fc.WeightsError, match=match):
        fc.load_weights(raw)
    with pytest.raises(fc.WeightsError, match=match) as caught:
        fc.weights_header(raw)
    assert caught.value.code == ("too_big" if len(hidden) > 4 else "mismatch")


def test_the_header_is_checked_entry_by_entry():
    config, data, result = trained()
    state = dict(result.model.state_dict())
    settings = config.to_dict()
    good = forecaster_file(settings, state)
    header, data_bytes = fc_weights._header(good)
    name = "rnns.0.bias_ih_l0"  # (4 H,) = (32,) float32: 128 bytes
    entry = header[name]
    begin = entry["data_offsets"][0]

    def patched(**changes) -> bytes:
        text = json.dumps({**header, name: {**entry, **changes}}).encode()
        return len(text).to_bytes(8, "little") + text + good[len(good) - data_bytes :]

    assert fc.load_weights(patched())[1] == config  # the patching itself keeps a good file good
    cases = [
        (patched(shape=[33]), rf"{name} has shape \[33\], expected \[32\]", "shape"),
        (patched(shape="32"), "has shape", "shape"),
        (patched(dtype="I64"), rf"{name} is stored as I64: weights are floating-point", "dtype"),
        (patched(dtype="BOOL"), "stored as BOOL", "dtype"),
        (patched(data_offsets=[begin, begin + 64]), "takes 64 bytes", "damaged"),
        (patched(data_offsets=[begin, data_bytes + 128]), "beyond its end", "damaged"),
        (patched(data_offsets="all"), "beyond its end", "damaged"),
        (good[:-8], "beyond its end", "damaged"),  # cut short
        (forecaster_file(settings, {**state, "extra": torch.zeros(1)}), "unexpected", "mismatch"),
        (forecaster_file({**settings, "hidden": "big"}, state), "whole numbers", "settings"),
        (forecaster_file({**settings, "window": 10**400}, state), "401 digits", "out_of_range"),
        (forecaster_file({**settings, "horizon": 101}, state), "horizon is 101", "out_of_range"),
        (forecaster_file({**settings, "cell": "tcn"}, state), "unknown cell", "settings"),
        (b"\xff" * 8 + b"{}", "hold no header", "not_safetensors"),
    ]
    for raw, match, code in cases:
        with pytest.raises(fc.WeightsError, match=match) as caught:
            fc.load_weights(raw)
        assert caught.value.code == code


def test_half_and_double_precision_weights_are_converted_and_said_so():
    config, data, result = trained()
    x = torch.tensor(data.test.x[:5], dtype=torch.float32).unsqueeze(-1)
    expected = result.model(x)
    for dtype, code, atol in [
        (torch.float16, "F16", 1e-2),
        (torch.bfloat16, "BF16", 5e-2),
        (torch.float64, "F64", 0),
    ]:
        state = {k: v.to(dtype) for k, v in result.model.state_dict().items()}
        raw = forecaster_file(config.to_dict(), state)
        assert fc.weights_header(raw).converted == (code,)
        model, _ = fc.load_weights(raw)
        assert all(p.dtype == torch.float32 for p in model.parameters())
        # every float16 and bfloat16 value is a float32 value: the conversion loses nothing
        for k, v in state.items():
            torch.testing.assert_close(model.state_dict()[k], v.float(), rtol=0, atol=0)
        torch.testing.assert_close(model(x), expected, rtol=0, atol=atol)
    assert fc.weights_header(fc.weights_bytes(result.model, config)).converted == ()


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool, torch.uint8])
def test_integer_and_boolean_weights_are_refused(dtype):
    config, data, result = trained()
    state = dict(result.model.state_dict())
    state["head.weight"] = state["head.weight"].round().to(dtype)
    with pytest.raises(ValueError, match="head.weight is stored as .*floating-point numbers"):
        fc.load_weights(forecaster_file(config.to_dict(), state))


@pytest.mark.parametrize(
    "value, dtype, match",
    [
        (float("nan"), torch.float32, "NaN or infinite"),
        (float("inf"), torch.float32, "NaN or infinite"),
        (-1e38, torch.float32, "as large as -?1e\\+38"),
        (1e38, torch.float32, "diverged"),
        (1e300, torch.float64, "as large as 1e\\+300"),  # beyond float32 before any cast
    ],
)
def test_non_finite_or_huge_weights_are_refused(value, dtype, match):
    config, data, result = trained()
    state = {k: v.to(dtype) for k, v in result.model.state_dict().items()}
    state["rnns.1.weight_hh_l0"][2, 3] = value
    with pytest.raises(ValueError, match=match):
        fc.load_weights(forecaster_file(config.to_dict(), state))


def test_weights_trained_on_a_gpu_load_on_a_cpu():
    config, data, result = trained()
    settings = {**config.to_dict(), "device": "cuda"}
    model, back = fc.load_weights(forecaster_file(settings, result.model.state_dict()))
    assert back.device == "cpu" and next(model.parameters()).device.type == "cpu"


GATES = {"lstm": 4, "gru": 3, "rnn": 1}  # row blocks per weight matrix (STYLE.md's table)


def parameters(cell: str, hidden: tuple[int, ...], horizon: int, inputs: int = 1) -> int:
    """Parameters of a forecaster, by formula: G H (D + H + 2) per recurrent layer (W_ih, W_hh and
    both biases, torch stores both), then the head's H_L horizon weights and horizon biases."""
    sizes = (inputs, *hidden)
    layers = sum(GATES[cell] * H * (D + H + 2) for D, H in zip(sizes[:-1], sizes[1:], strict=True))
    return layers + hidden[-1] * horizon + horizon


def test_the_upload_limit_lets_the_largest_trainable_model_back_in():
    """The page trains any model within LIMITS and offers its weights (float32 safetensors) for
    download; the server's one upload limit must let the largest of them back in (issue 14)."""
    import tomllib

    # the file format: 8 bytes of header length, the JSON header, then 4 bytes per parameter
    config = fc.ForecastConfig(cell="lstm", hidden=(3, 5, 2, 4), horizon=7, device="cpu")
    data = prepare(series(), window=10, horizon=7, normalise="zscore")
    raw = fc.weights_bytes(fc.build_model(config), config, data)
    header = 8 + int.from_bytes(raw[:8], "little")
    assert len(raw) - header == 4 * parameters("lstm", (3, 5, 2, 4), 7)

    lim = fc.LIMITS
    largest = max(
        parameters(cell, (lim.units[1],) * lim.layers[1], lim.horizon[1]) for cell in GATES
    )
    assert largest == parameters("lstm", (1024,) * 4, 100) == 29_499_492  # 112.5 MiB
    limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    # the largest file's header: this one's, and room for longer numbers (offsets, sizes)
    assert 4 * largest + header + 4096 <= limit["maxUploadSize"] * 2**20  # Streamlit's MB: MiB


def test_the_shapes_read_from_the_settings_are_the_models():
    for config in [
        fc.ForecastConfig(),
        fc.ForecastConfig(cell="gru", hidden=(3, 5, 2), horizon=4),
        fc.ForecastConfig(cell="rnn", hidden=(7,), one_bias=False),
    ]:
        built = fc.build_model(config).state_dict()
        assert fc.state_shapes(config) == {k: tuple(v.shape) for k, v in built.items()}


def test_first_layer_loads_into_the_numpy_reference():
    from explainer import LSTM

    config, data, result = trained()
    layer = fc.first_layer(result.model)
    assert type(layer) is nn.LSTM and layer.batch_first and layer.hidden_size == 8
    assert layer.weight_hh_l0 is not result.model.rnns[0].weight_hh_l0  # a copy
    ref = LSTM.from_torch(layer)
    x = data.test.x[0][:, None]  # (W, 1)
    with torch.no_grad():
        out, _ = layer.double()(torch.tensor(x[None]))  # (1, W, 8)
    np.testing.assert_allclose(ref.forward(x).layers[0].h, out[0].numpy(), rtol=1e-10, atol=1e-12)


def test_the_reference_layer_replays_the_trained_layer_and_its_parity_can_fail():
    from explainer import GRU

    config = fc.ForecastConfig(**{**TINY, "epochs": 1, "cell": "gru"})
    data = prepare(series(), window=10)
    model = fc.train(config, data).model
    replay = fc.reference_layer(model)
    assert type(replay.reference) is GRU and replay.reference.hidden_size == 8
    x = data.test.x[0][:, None]  # (W, 1)
    h = replay.reference.forward(x).h
    with torch.no_grad():
        out, _ = model.rnns[0].double()(torch.tensor(x[None]))  # the trained layer itself
    np.testing.assert_allclose(h, out[0].numpy(), rtol=0, atol=1e-12)
    assert replay.parity(x, h) < 1e-12
    assert replay.parity(x, h + 1e-3) == pytest.approx(1e-3, rel=1e-6)  # a difference shows


def test_devices_and_threads_come_from_the_backend():
    assert available_devices() == (["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"])
    before = torch.get_num_threads()
    try:
        set_threads(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="thread count"):
            set_threads(bad)


# ----------------------------------------------------------------------------- command line


def write_csv(path: Path, values: np.ndarray) -> Path:
    pd.DataFrame({"day": np.arange(len(values)), "level": values}).to_csv(path, index=False)
    return path


def run_cli(*args: str, launcher: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, *launcher, "-m", "explainer", "forecast", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SMALL = (
    "--window",
    "10",
    "--hidden",
    "8,6",
    "--batch-size",
    "16",
    "--threads",
    "1",
    "--device",
    "cpu",
)


@pytest.mark.slow  # 8 s: a training in a subprocess; python -m pytest -m slow
def test_cli_json(tmp_path):
    s = series()
    csv = write_csv(tmp_path / "s.csv", s)
    weights = tmp_path / "w.safetensors"
    r = run_cli(
        "--csv",
        str(csv),
        "--column",
        "level",
        "--epochs",
        "2",
        "--normalise",
        "none",
        "--save-weights",
        str(weights),
        "--json",
        *SMALL,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["epochs"] == 2 and len(out["history"]) == 2
    assert set(out["history"][0]) >= {"epoch", "loss", "val_loss"}
    assert out["train_seconds"] > 0 and out["world_size"] == 1
    # with normalise "none" both units agree; persistence from the documented 90/10 split
    N = len(s) - 10
    t0 = round(0.9 * N) + 10
    pers = np.sqrt(np.mean((s[t0 - 1 : -1] - s[t0:]) ** 2))
    assert out["persistence_rmse"] == pytest.approx(pers, rel=1e-9)
    assert out["test_rmse"] == pytest.approx(out["test_rmse_original"], rel=1e-9)
    assert fc.load_weights(weights)[1].hidden == (8, 6)


def test_cli_bad_input_exits_2_with_one_line():
    r = run_cli("--csv", "/nonexistent.csv", "--epochs", "1", "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == "error: no such file: '/nonexistent.csv'"


@pytest.mark.parametrize(
    "args, match",
    [
        (("--hidden", "5,x"), "--hidden takes comma-separated integers"),
        (("--dropout", "1.5"), "dropout must lie in [0, 0.9]"),
        (("--hidden", "2048"), "1 to 4 whole numbers from 1 to 1024"),
        (("--window", "1001"), "window must be an integer from 2 to 1000"),
        (("--csv", "CONSTANT"), "constant"),
        (("--csv", "SUNSPOTS"), "per-window normalisation"),
        (("--csv", "SUNSPOTS", "--window", "400", "--normalise", "zscore"), "needs at least 401"),
    ],
)
def test_cli_bad_inputs_in_process(tmp_path, capsys, args, match):
    from explainer.__main__ import main

    if "CONSTANT" in args:
        args = ("--csv", str(write_csv(tmp_path / "c.csv", np.full(80, 4.0))))
    if "SUNSPOTS" in args:
        args = (
            "--csv",
            str(ROOT / "assets" / "sunspots_yearly.csv"),
            "--column",
            "sunspots",
            *args[2:],
        )
    assert main(["forecast", *args, "--epochs", "1", "--json", "--threads", "1"]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("error: "), err
    assert match in lines[0]


def test_cli_names_the_column_and_the_dates_it_used(tmp_path, capsys):
    from explainer.__main__ import main

    s = series(80)
    shuffled = np.random.default_rng(1).permutation(80)
    frame = pd.DataFrame({"t": np.arange(80), "y": s}).iloc[shuffled]
    frame.to_csv(tmp_path / "s.csv", index=False, sep=";", decimal=",")
    args = ["forecast", "--csv", str(tmp_path / "s.csv"), "--epochs", "1", "--threads", "1"]
    assert main([*args, *SMALL]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"series: column 'y' of {tmp_path / 's.csv'}, 80 values")
    assert "dates from 't', rows sorted by date" in first
    assert "';' between fields and ',' as the decimal mark" in first
    assert main([*args, "--json", *SMALL]) == 0
    out = json.loads(capsys.readouterr().out)["series"]
    assert (out["column"], out["date_column"], out["sorted_by_date"]) == ("y", "t", True)
    # an error after the column was chosen says which column it was
    pd.DataFrame({"t": np.arange(80), "y": 4.0}).to_csv(tmp_path / "c.csv", index=False)
    assert main(["forecast", "--csv", str(tmp_path / "c.csv"), "--epochs", "1", "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: column 'y' of {tmp_path / 'c.csv'}: the series is constant")


def test_cli_integer_beyond_float64_is_one_line_not_an_overflow(tmp_path, capsys):
    from explainer.__main__ import main

    (tmp_path / "big.csv").write_text("y\n" + "9" * 400 + "\n" + "2\n" * 80)
    assert main(["forecast", "--csv", str(tmp_path / "big.csv"), "--epochs", "1", "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "column 'y' holds 1 number(s) beyond float64's range" in err[0]


@pytest.mark.slow  # 12 s: two torchrun processes; python -m pytest -m slow
def test_cli_under_torchrun_with_two_processes(tmp_path):
    csv = write_csv(tmp_path / "s.csv", series())
    r = run_cli(
        "--csv",
        str(csv),
        "--column",
        "level",
        "--epochs",
        "1",
        "--json",
        *SMALL,
        launcher=("-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert len(lines) == 1  # only rank 0 prints
    out = json.loads(lines[0])
    assert out["world_size"] == 2 and out["epochs"] == 1 and math.isfinite(out["test_rmse"])
