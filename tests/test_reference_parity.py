"""The NumPy reference against PyTorch in float64: outputs, gates, gradients, per-step norms.

PyTorch is the oracle. Gates are not exposed by `nn.LSTM`/`nn.GRU`, so they are recomputed with
torch's own operations from torch's own hidden states; per-step gradient norms come from a
step-by-step torch loop (`nn.LSTMCell`/`nn.GRUCell`/`nn.RNNCell` sharing the module's weights) with
`retain_grad` on every state, which is itself first checked against the fused module.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explainer import GRU, LSTM, RNN
from explainer.torch_backend import to_torch

torch.set_num_threads(1)
CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def random_case(cell: str, seed: int, batched: bool, num_layers: int | None = None, scale=2.5):
    """Weights scaled up (gates saturate), random non-zero different biases and states."""
    rng = np.random.default_rng(seed)
    D, H = int(rng.integers(1, 6)), int(rng.integers(1, 9))
    L = num_layers or int(rng.integers(1, 4))
    T = int(rng.integers(1, 13))
    B = int(rng.integers(1, 4))
    kw = {"nonlinearity": "relu" if seed % 2 else "tanh"} if cell == "rnn" else {}
    model = CELLS[cell](D, H, L, seed=seed, **kw)
    for name, p in model.params.items():
        # relu RNNs explode with large weights; keep them moderate so the comparison is meaningful
        s = 0.6 if (cell == "rnn" and kw["nonlinearity"] == "relu") else scale
        model.params[name] = s * rng.uniform(-1, 1, size=p.shape)
    shape = (B, T, D) if batched else (T, D)
    sshape = (L, B, H) if batched else (L, H)
    x = rng.standard_normal(shape)
    h0 = rng.standard_normal(sshape)
    c0 = rng.standard_normal(sshape) if cell == "lstm" else None
    w = rng.standard_normal((B, T, H) if batched else (T, H))
    return model, x, h0, c0, w


def torch_module(model, batch_first=True):
    t = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[model.cell]
    kw = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}
    m = t(
        model.input_size,
        model.hidden_size,
        model.num_layers,
        batch_first=batch_first,
        dtype=torch.float64,
        **kw,
    )
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.from_numpy(model.params[name]))
    return m


def rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def torch_gates(cell, x_l, h_prev, w_ih, w_hh, b_ih, b_hh):
    """Gate values recomputed with torch ops from torch's own states: (T, H) tensors by name."""
    gi = x_l @ w_ih.T + b_ih
    gh = h_prev @ w_hh.T + b_hh
    if cell == "lstm":
        i, f, g, o = (gi + gh).chunk(4, -1)
        return {
            "i": torch.sigmoid(i),
            "f": torch.sigmoid(f),
            "g": torch.tanh(g),
            "o": torch.sigmoid(o),
        }
    ir, iz, in_ = gi.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r = torch.sigmoid(ir + hr)
    return {"r": r, "z": torch.sigmoid(iz + hz), "n": torch.tanh(in_ + r * hn)}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_forward_and_backward_match_torch(cell, batched, seed):
    model, x, h0, c0, w = random_case(cell, seed, batched)
    tm = torch_module(model, batch_first=True)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    if cell == "lstm":
        c0t = torch.tensor(c0, requires_grad=True)
        out, (hn, cn) = tm(xt, (h0t, c0t))
    else:
        out, hn = tm(xt, h0t)
    trace = model.forward(x, h0, c0)

    assert trace.h.shape == tuple(out.shape)
    np.testing.assert_allclose(trace.h, out.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(trace.h_n, hn.detach().numpy(), rtol=0, atol=1e-12)
    if cell == "lstm":
        np.testing.assert_allclose(trace.c_n, cn.detach().numpy(), rtol=0, atol=1e-12)

    (out * torch.tensor(w)).sum().backward()
    grads = model.backward(trace, w)
    assert grads.finite
    for name, p in tm.named_parameters():
        assert rel(grads.params[name], p.grad.numpy()) < 1e-10, name
    assert rel(grads.x, xt.grad.numpy()) < 1e-10
    assert rel(grads.h0, h0t.grad.numpy()) < 1e-10
    if cell == "lstm":
        assert rel(grads.c0, c0t.grad.numpy()) < 1e-10


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("batched", [False, True])
def test_every_gate_of_every_layer_matches_torch(cell, batched):
    model, x, h0, c0, _ = random_case(cell, 11, batched, num_layers=3)
    tm = torch_module(model)
    trace = model.forward(x, h0, c0)
    with torch.no_grad():
        inp = torch.tensor(x if batched else x[None])
        h0b = torch.tensor(h0 if batched else h0[:, None])
        for k in range(model.num_layers):
            sub = torch_module(type(model)(inp.shape[-1], model.hidden_size, 1))
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(sub, f"{kind}_l0").copy_(getattr(tm, f"{kind}_l{k}"))
            if cell == "lstm":
                c0b = torch.tensor(c0 if batched else c0[:, None])
                out, _ = sub(inp, (h0b[k : k + 1], c0b[k : k + 1]))
            else:
                out, _ = sub(inp, h0b[k : k + 1])
            h_prev = torch.cat([h0b[k][:, None], out[:, :-1]], dim=1)
            gates = torch_gates(
                cell,
                inp,
                h_prev,
                *(
                    getattr(tm, f"{kind}_l{k}")
                    for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
                ),
            )
            lay = trace.layers[k]
            for name, g in gates.items():
                expect = g.numpy() if batched else g.numpy()[0]
                np.testing.assert_allclose(lay.gates[name], expect, rtol=0, atol=1e-12)
            np.testing.assert_allclose(
                lay.h, out.numpy() if batched else out.numpy()[0], atol=1e-12
            )
            if cell == "lstm":  # c_t = f ⊙ c_{t-1} + i ⊙ g from torch's gates
                c = c0b[k]
                for t in range(inp.shape[1]):
                    c = gates["f"][:, t] * c + gates["i"][:, t] * gates["g"][:, t]
                    got = lay.c[:, t] if batched else lay.c[t]
                    np.testing.assert_allclose(
                        got, c.numpy() if batched else c.numpy()[0], atol=1e-12
                    )
            inp = out


def test_gates_saturate_in_the_scaled_cases():
    """The parity cases above really do reach saturated gates (so they test the tails)."""
    model, x, h0, c0, _ = random_case("lstm", 1, True, num_layers=2, scale=2.5)
    f = model.forward(x * 3, h0, c0).layers[0].gates["f"]
    assert np.mean((f < 0.01) | (f > 0.99)) > 0.05


def step_loop_states(model, x, h0, c0):
    """Per-step torch states (retain_grad) from cells sharing the weights: (out, [h_t], [c_t])."""
    cell_cls = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[
        model.cell
    ]
    inp = torch.tensor(x)
    B, T = inp.shape[:2]
    hs_all, cs_all = [], []
    for k in range(model.num_layers):
        kw = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}
        cell = cell_cls(inp.shape[-1], model.hidden_size, dtype=torch.float64, **kw)
        with torch.no_grad():
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, kind).copy_(torch.from_numpy(model.params[f"{kind}_l{k}"]))
        h = torch.tensor(h0[k])
        c = torch.tensor(c0[k]) if c0 is not None else None
        hs, cs = [], []
        for t in range(T):
            if model.cell == "lstm":
                h, c = cell(inp[:, t], (h, c))
                c.retain_grad()
                cs.append(c)
            else:
                h = cell(inp[:, t], h)
            h.retain_grad()
            hs.append(h)
        hs_all.append(hs)
        cs_all.append(cs)
        inp = torch.stack(hs, dim=1)
    return inp, hs_all, cs_all


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_per_step_gradient_norms_match_torch_retain_grad(cell):
    model, x, h0, c0, w = random_case(cell, 5, True, num_layers=2, scale=1.0)
    out, hs, cs = step_loop_states(model, x, h0, c0)
    trace = model.forward(x, h0, c0)
    np.testing.assert_allclose(out.detach().numpy(), trace.h, atol=1e-12)  # the oracle is sound
    (out * torch.tensor(w)).sum().backward()
    grads = model.backward(trace, w)
    for k in range(model.num_layers):
        expect_h = np.array([float(torch.linalg.vector_norm(h.grad)) for h in hs[k]])
        np.testing.assert_allclose(grads.layers[k].h_norm, expect_h, rtol=1e-10)
        np.testing.assert_allclose(
            grads.layers[k].h, np.stack([h.grad.numpy() for h in hs[k]], 1), rtol=1e-9, atol=1e-13
        )
        if cell == "lstm":
            expect_c = np.array([float(torch.linalg.vector_norm(c.grad)) for c in cs[k]])
            np.testing.assert_allclose(grads.layers[k].c_norm, expect_c, rtol=1e-10)
    np.testing.assert_array_equal(grads.h_norm, grads.layers[-1].h_norm)


def test_loss_on_last_step_only_gives_a_decay_curve_that_starts_at_the_end():
    model = RNN(1, 16, seed=0)
    x = np.random.default_rng(0).standard_normal((40, 1))
    trace = model.forward(x)
    w = np.zeros_like(trace.h)
    w[-1] = 1.0
    g = model.backward(trace, w)
    assert g.h_norm[-1] == pytest.approx(4.0)  # ‖(1, ..., 1)‖ over 16 units
    assert g.h_norm[0] < 1e-3 * g.h_norm[-1]  # small weights: the gradient vanishes back in time


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_from_torch_and_to_torch_round_trip(cell):
    kw = {"nonlinearity": "relu"} if cell == "rnn" else {}
    t = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    src = t(3, 5, num_layers=2, batch_first=False, **kw)  # float32, sequence-first: both irrelevant
    model = CELLS[cell].from_torch(src)
    assert model.num_layers == 2 and model.hidden_size == 5 and model.input_size == 3
    if cell == "rnn":
        assert model.nonlinearity == "relu"
    for name, p in src.named_parameters():
        assert model.params[name].dtype == np.float64
        np.testing.assert_array_equal(model.params[name], p.detach().double().numpy())
    back = to_torch(model)
    assert back.batch_first and next(back.parameters()).dtype == torch.float64
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    with torch.no_grad():
        out = back(torch.tensor(x))[0].numpy()
        out_src = src(torch.tensor(x, dtype=torch.float32).transpose(0, 1))[0].transpose(0, 1)
    np.testing.assert_allclose(model.forward(x).h, out, atol=1e-12)
    np.testing.assert_allclose(out, out_src.double().numpy(), atol=1e-5)


def test_from_torch_refuses_what_it_cannot_run():
    with pytest.raises(ValueError, match="bidirectional"):
        LSTM.from_torch(torch.nn.LSTM(2, 3, bidirectional=True))
    with pytest.raises(ValueError, match="proj_size"):
        LSTM.from_torch(torch.nn.LSTM(2, 3, proj_size=2))
    with pytest.raises(ValueError, match="torch.nn.LSTM"):
        LSTM.from_torch(torch.nn.GRU(2, 3))


def test_from_torch_without_biases_uses_zeros():
    src = torch.nn.GRU(2, 3, bias=False, dtype=torch.float64)
    model = GRU.from_torch(src)
    assert not np.any(model.params["bias_ih_l0"]) and not np.any(model.params["bias_hh_l0"])
    x = np.random.default_rng(1).standard_normal((5, 2))
    with torch.no_grad():
        np.testing.assert_allclose(model.forward(x).h, src(torch.tensor(x))[0].numpy(), atol=1e-12)


def test_from_torch_without_biases_in_a_stack_uses_zeros():
    src = torch.nn.LSTM(2, 3, num_layers=2, bias=False, batch_first=True, dtype=torch.float64)
    model = LSTM.from_torch(src)
    for k in range(2):
        assert not np.any(model.params[f"bias_ih_l{k}"]) and not np.any(
            model.params[f"bias_hh_l{k}"]
        )
    x = np.random.default_rng(2).standard_normal((2, 5, 2))
    with torch.no_grad():
        np.testing.assert_allclose(model.forward(x).h, src(torch.tensor(x))[0].numpy(), atol=1e-12)


def test_from_torch_refuses_dropout_in_training_mode_and_copies_it_in_eval_mode():
    src = torch.nn.GRU(2, 4, num_layers=2, dropout=0.5, batch_first=True, dtype=torch.float64)
    x = torch.tensor(np.random.default_rng(3).standard_normal((1, 6, 2)))
    with torch.no_grad():
        assert not torch.equal(src(x)[0], src(x)[0])  # training mode: random masks each call
    with pytest.raises(ValueError, match=r"drops out 0\.5 .*module\.eval\(\)"):
        GRU.from_torch(src)
    model = GRU.from_torch(src.eval())
    with torch.no_grad():
        np.testing.assert_allclose(model.forward(x.numpy()).h, src(x)[0].numpy(), atol=1e-12)
    # one layer: torch applies no dropout at all (it warns), so training mode is copied as is
    with pytest.warns(UserWarning, match="dropout"):
        single = torch.nn.GRU(2, 4, dropout=0.5, batch_first=True, dtype=torch.float64)
    assert GRU.from_torch(single).num_layers == 1


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_from_torch_refuses_non_finite_weights(bad):
    src = torch.nn.LSTM(2, 3)
    with torch.no_grad():
        src.weight_hh_l0[1, 2] = bad
    with pytest.raises(ValueError, match="weight_hh_l0 contains NaN or infinite values"):
        LSTM.from_torch(src)


def test_load_params_checks_every_value_before_it_copies_any():
    model = RNN(1, 2, seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    for bad, match in [
        ({"bias_ih_l0": np.zeros(2), "weight_hh_l0": np.full((2, 2), np.nan)}, "NaN or infinite"),
        ({"bias_ih_l0": np.zeros(2), "bias_hh_l0": np.array([True, False])}, "real numbers"),
        ({"bias_ih_l0": np.array(["1", "2"])}, "real numbers"),
        ({"bias_ih_l0": np.zeros(2), "weight_ih_l0": np.zeros((1, 2))}, "shape"),
    ]:
        with pytest.raises(ValueError, match=match):
            model.load_params(bad)
        for k, v in before.items():
            np.testing.assert_array_equal(model.params[k], v)  # nothing copied
    model.load_params({"bias_ih_l0": np.array([1, 2])})  # integers are numbers
    assert model.params["bias_ih_l0"].dtype == np.float64


def test_initialisation_is_pytorchs_uniform_and_seeded():
    a, b, c = LSTM(3, 25, 2, seed=7), LSTM(3, 25, 2, seed=7), LSTM(3, 25, 2, seed=8)
    expected = dict(torch_module(a).named_parameters())
    assert list(a.params) == list(expected)  # PyTorch's names, in PyTorch's order
    bound = 1 / np.sqrt(25)
    for name, p in a.params.items():
        assert p.shape == tuple(expected[name].shape)
        assert np.all(np.abs(p) <= bound) and p.std() > bound / 3  # spread over the whole interval
        np.testing.assert_array_equal(p, b.params[name])
        assert not np.array_equal(p, c.params[name])
    assert not np.array_equal(a.params["bias_ih_l0"], a.params["bias_hh_l0"])  # two biases
