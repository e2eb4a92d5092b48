"""Finite differences, Jacobians, variants, overflow and bad input for the NumPy reference."""

from __future__ import annotations

import platform
import warnings

import numpy as np
import pytest
import torch

from explainer import GRU, LSTM, RNN, gradcheck, gradcheck_table
from explainer.cells import gate_rows
from explainer.gradcheck import _loss
from explainer.torch_backend import to_torch

torch.set_num_threads(1)


def _randomise(model, rng, scale=1.5):
    for name, p in model.params.items():
        model.params[name] = scale * rng.uniform(-1, 1, size=p.shape)
    return model


CASES = [
    (RNN, {"nonlinearity": "tanh"}),
    (RNN, {"nonlinearity": "relu"}),
    (LSTM, {}),
    (LSTM, {"variant": "forget_one"}),
    (LSTM, {"variant": "no_output"}),
    (LSTM, {"variant": "coupled"}),
    (GRU, {}),
    (GRU, {"variant": "textbook"}),
]


@pytest.mark.parametrize(("cls", "kw"), CASES, ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("batched", [False, True])
def test_finite_differences_of_every_parameter_x_h0_c0(cls, kw, batched):
    rng = np.random.default_rng(3)
    model = _randomise(
        cls(2, 3, 2, seed=1, **kw), rng, scale=0.8 if kw.get("nonlinearity") == "relu" else 1.5
    )
    shape = (2, 5, 2) if batched else (5, 2)
    sshape = (2, 2, 3) if batched else (2, 3)
    x = rng.standard_normal(shape)
    h0 = rng.standard_normal(sshape)
    c0 = rng.standard_normal(sshape) if cls is LSTM else None
    table = gradcheck_table(model, x, h0, c0)
    expected = set(model.params) | {"x", "h0"} | ({"c0"} if cls is LSTM else set())
    assert set(table) == expected
    assert max(table.values()) < 1e-6, table


def test_gradcheck_catches_a_wrong_backward(monkeypatch):
    """The check is able to fail: a backward with one wrong sign is reported as a large error."""
    import explainer.bptt as bptt

    model = LSTM(2, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((4, 2))
    assert gradcheck(model, x) < 1e-6
    original = bptt.lstm_layer_backward

    def broken(*args, **kwargs):
        grads, *rest = original(*args, **kwargs)
        grads["w_hh"] = -grads["w_hh"]
        return (grads, *rest)

    monkeypatch.setattr(bptt, "lstm_layer_backward", broken)
    assert gradcheck(model, x) > 0.5


def test_gradcheck_with_sampled_entries_is_consistent_and_leaves_the_model_untouched():
    model = GRU(3, 4, seed=2)
    before = {k: v.copy() for k, v in model.params.items()}
    x = np.random.default_rng(2).standard_normal((6, 3))
    assert gradcheck(model, x, max_entries=5) < 1e-6
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


def _torch_cell(model, k=0):
    """Layer k as a torch cell sharing the weights, for the Jacobian oracle."""
    cls = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[model.cell]
    in_size = model.input_size if k == 0 else model.hidden_size
    cell = cls(in_size, model.hidden_size, dtype=torch.float64)
    with torch.no_grad():
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, kind).copy_(torch.from_numpy(model.params[f"{kind}_l{k}"]))
    if model.cell == "lstm":
        return cell
    return lambda x_t, state: (cell(x_t, state[0]), None)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_jacobian_norms_match_torch_autograd(cls):
    rng = np.random.default_rng(4)
    model = _randomise(cls(2, 4, seed=0), rng, scale=1.2)
    T = 7
    x = rng.standard_normal((T, 2))
    trace = model.forward(x)
    jac = model.jacobian_norms(trace)
    xt = torch.tensor(x)
    step = _torch_cell(model)
    for t in range(T):
        h_t = torch.tensor(trace.h[t])
        c_t = torch.tensor(trace.c[t]) if cls is LSTM else None

        def run(h, c, t=t):
            for s in range(t + 1, T):
                h, c = step(xt[s], (h, c))
            return h, c

        Jh = torch.autograd.functional.jacobian(lambda h, c_t=c_t: run(h, c_t)[0], h_t).numpy()
        assert jac.h[t] == pytest.approx(np.linalg.norm(Jh, 2), rel=1e-10)
        if cls is LSTM:
            Jc = torch.autograd.functional.jacobian(lambda c, h_t=h_t: run(h_t, c)[1], c_t).numpy()
            assert jac.c[t] == pytest.approx(np.linalg.norm(Jc, 2), rel=1e-10)
    assert jac.h[-1] == pytest.approx(1.0)
    assert (jac.c is None) == (cls is not LSTM)
    fro = model.jacobian_norms(trace, ord="fro")
    assert fro.h[-1] == pytest.approx(2.0)  # ‖I_4‖_F


def test_jacobian_norms_need_an_unbatched_trace():
    model = RNN(1, 3)
    with pytest.raises(ValueError, match="unbatched"):
        model.jacobian_norms(model.forward(np.zeros((2, 4, 1))))


def test_variants_do_what_their_names_say():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((9, 2))
    base = LSTM(2, 3, seed=1)
    f1 = base.with_params(variant="forget_one").forward(x).layers[0]
    assert np.all(f1.gates["f"] == 1.0)
    np.testing.assert_allclose(f1.c, np.cumsum(f1.gates["i"] * f1.gates["g"], axis=0), atol=1e-12)
    no = base.with_params(variant="no_output").forward(x).layers[0]
    np.testing.assert_allclose(no.h, np.tanh(no.c), atol=1e-15)
    co = base.with_params(variant="coupled").forward(x).layers[0]
    np.testing.assert_allclose(co.gates["i"], 1.0 - co.gates["f"], atol=1e-15)
    # the standard model is untouched by making variants of it
    assert base.variant == "standard"
    std = base.forward(x).layers[0]
    assert not np.allclose(std.gates["f"], 1.0)


def test_textbook_gru_applies_the_reset_gate_before_the_product():
    """Oracle: the textbook equations written out in torch, step by step."""
    rng = np.random.default_rng(6)
    model = _randomise(GRU(2, 3, seed=0, variant="textbook"), rng)
    x = rng.standard_normal((6, 2))
    p = {n: torch.from_numpy(v) for n, v in model.params.items()}
    W_ir, W_iz, W_in = p["weight_ih_l0"].chunk(3)
    W_hr, W_hz, W_hn = p["weight_hh_l0"].chunk(3)
    b_ir, b_iz, b_in = p["bias_ih_l0"].chunk(3)
    b_hr, b_hz, b_hn = p["bias_hh_l0"].chunk(3)
    h = torch.zeros(3, dtype=torch.float64)
    outs = []
    for t in range(6):
        xt = torch.tensor(x[t])
        r = torch.sigmoid(W_ir @ xt + b_ir + W_hr @ h + b_hr)
        z = torch.sigmoid(W_iz @ xt + b_iz + W_hz @ h + b_hz)
        n = torch.tanh(W_in @ xt + b_in + W_hn @ (r * h) + b_hn)
        h = (1 - z) * n + z * h
        outs.append(h.numpy())
    np.testing.assert_allclose(model.forward(x).h, np.stack(outs), atol=1e-12)
    std = model.with_params(variant="standard").forward(x).h
    assert not np.allclose(std, np.stack(outs))


def test_large_weights_give_no_overflow_warning_in_the_forward_pass():
    model = LSTM(1, 4, seed=0)
    for name in model.params:
        model.params[name] = model.params[name] * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = model.forward(np.full((20, 1), 50.0))
    assert np.all(np.isfinite(trace.h))
    assert set(
        np.unique(
            np.round(
                trace.gates["f"] if hasattr(trace, "gates") else trace.layers[0].gates["f"], 12
            )
        )
    ) <= {0.0, 1.0}


def test_exploding_gradients_give_inf_and_a_flag_not_an_exception():
    model = RNN(1, 8, seed=0, nonlinearity="relu")
    rng = np.random.default_rng(0)
    model.params["weight_hh_l0"] = 30.0 * np.eye(8) + rng.uniform(0, 1, (8, 8))
    x = np.ones((400, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = model.forward(x)
        w = np.zeros_like(trace.h)
        w[-1] = 1.0
        grads = model.backward(trace, w)
    assert not grads.finite
    assert not np.all(np.isfinite(grads.h_norm))
    tanh_rnn = RNN(1, 8, seed=0)
    tanh_rnn.params["weight_hh_l0"] = 40.0 * np.eye(8)
    tanh_rnn.params["bias_hh_l0"] = np.zeros(8)
    tanh_rnn.params["bias_ih_l0"] = np.zeros(8)
    tanh_rnn.params["weight_ih_l0"] = np.full((8, 1), 1e-3)
    tr = tanh_rnn.forward(np.zeros((300, 1)))  # h stays exactly 0, where tanh' = 1
    wz = np.zeros_like(tr.h)
    wz[-1] = 1.0
    g = tanh_rnn.backward(tr, wz)  # each step back multiplies the gradient by 40: 40^299 overflows
    assert g.h_norm[-100] == pytest.approx(np.sqrt(8) * 40.0**99, rel=1e-12)
    assert not np.isfinite(g.h_norm[0]) and not g.finite  # inf, then inf·0 = nan in the product


def test_trace_and_grads_are_read_only():
    model = GRU(1, 2)
    trace = model.forward(np.zeros((3, 1)))
    grads = model.backward(trace, np.ones_like(trace.h))
    for a in (
        trace.h,
        trace.layers[0].gates["z"],
        trace.layers[0].aux["hn"],
        grads.h_norm,
        grads.params["weight_hh_l0"],
    ):
        with pytest.raises(ValueError):
            a[...] = 0
    with pytest.raises(TypeError):
        trace.layers[0].gates["z"] = None


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros(5), r"\(T, 2\) or batch-first \(B, T, 2\)"),
        (np.zeros((1, 2, 3, 2)), r"expected \(T, 2\)"),
        (np.zeros((4, 3)), "3 features per step"),
        (np.zeros((0, 2)), "at least one step"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.array([[1.0, np.inf]]), "infinite"),
        (np.array([["a", "b"]]), "numeric"),
        ([[1, 2], [3]], "numeric"),
        (np.array([[1 + 1j, 2]]), "numeric"),
    ],
)
def test_bad_x_is_a_value_error_naming_the_expected_shape(x, message):
    with pytest.raises(ValueError, match=message):
        LSTM(2, 3).forward(x)


def test_bad_states_and_bad_grad_h():
    model = LSTM(2, 3, num_layers=2)
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"expected \(2, 3\)"):
        model.forward(x, h0=np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"expected \(2, 5, 3\)"):
        model.forward(np.zeros((5, 4, 2)), c0=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        model.forward(x, h0=np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="no cell state"):
        GRU(2, 3).forward(x, c0=np.zeros((1, 3)))
    trace = model.forward(x)
    with pytest.raises(ValueError, match=r"expected \(4, 3\)"):
        model.backward(trace, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="GRU"):
        model.backward(GRU(2, 3, 2).forward(x), np.zeros((4, 3)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="hidden_size"):
        LSTM(1, 0)
    with pytest.raises(ValueError, match="num_layers"):
        GRU(1, 2, num_layers=1.5)
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(1, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="variant"):
        GRU(1, 2, variant="coupled")
    with pytest.raises(ValueError, match=r"weight_hh_l0 has shape \(3, 3\), expected \(12, 3\)"):
        LSTM(1, 3).load_params({"weight_hh_l0": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="no torch.nn equivalent"):
        to_torch(LSTM(1, 3, variant="coupled"))


def test_loss_helper_is_the_projection_of_the_output():
    model = RNN(1, 2)
    x = np.ones((3, 1))
    w = np.arange(6.0).reshape(3, 2)
    assert _loss(model, w, x, None, None) == pytest.approx(float(np.sum(w * model.forward(x).h)))


def test_step_norms_survive_squares_that_overflow_or_underflow():
    from explainer.norms import step_norms

    d = np.zeros((5, 2, 3))
    d[0], d[1], d[2] = 1e-200, 1e200, 3.0
    d[3, 0, 0] = np.inf
    norms = step_norms(d)
    np.testing.assert_allclose(norms[:3], np.sqrt(6) * np.array([1e-200, 1e200, 3.0]), rtol=1e-14)
    assert norms[3] == np.inf and norms[4] == 0.0


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc tuning is glibc's (mallopt)")
def test_a_repeated_forward_and_backward_reuse_their_memory():
    """Each forward+backward here allocates and frees about 7 MB of traces and gradients; with
    glibc's default thresholds all of it was handed back to the OS and faulted in again at the
    next call (about 1,800 page faults a call, a third to half of the time)."""
    import resource

    from explainer import recurrent

    assert recurrent.keep_freed_memory()
    model = LSTM(2, 16, seed=0)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((32, 100, 2)), rng.standard_normal((32, 100, 16))
    for _ in range(3):
        model.backward(model.forward(x), w)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        model.backward(model.forward(x), w)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
    assert faults < 100, f"{faults:.0f} page faults per call"


def test_gate_rows_are_pytorchs_blocks():
    # PyTorch stacks the LSTM's rows i|f|g|o and the GRU's r|z|n (torch/nn/modules/rnn.py)
    assert gate_rows("lstm", "f", 4) == slice(4, 8) and gate_rows("lstm", "o", 4) == slice(12, 16)
    assert gate_rows("gru", "n", 3) == slice(6, 9) and gate_rows("rnn", "h", 5) == slice(0, 5)
    with pytest.raises(ValueError, match="no gate 'f'"):
        gate_rows("gru", "f", 3)
