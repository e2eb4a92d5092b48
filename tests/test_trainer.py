"""The NumPy trainer (explainer.trainer), the tasks (explainer.tasks) and connectivity, against torch
autograd and torch.optim.Adam in float64 as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explainer import GRU, LSTM, RNN
from explainer.cells import CELLS
from explainer.tasks import TASKS, get_task
from explainer.torch_backend import to_torch
from explainer.trainer import Readout, TrainConfig, Trainer, loss_and_grads

torch.set_num_threads(1)


def torch_net(model, readout):
    module = to_torch(model)
    lin = torch.nn.Linear(model.hidden_size, readout.weight.shape[0], dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(readout.weight))
        lin.bias.copy_(torch.from_numpy(readout.bias))
    return module, lin


def torch_loss(module, lin, x, y):
    out, _ = module(x)
    return torch.nn.functional.mse_loss(lin(out[:, -1]), y)


def small(cell, seed=0, hidden=5, T=9):
    return Trainer.from_config(
        TrainConfig(cell=cell, hidden=hidden, T=T, batch=6, seed=seed, eval_batch=16)
    )


# --- tasks
def test_adding_batch_has_a_marker_in_each_half_and_the_sum_as_target():
    x, y = TASKS["adding"].make_batch(20, 300, np.random.default_rng(1))
    assert x.shape == (300, 20, 2) and y.shape == (300, 1)
    m = x[..., 1]
    assert np.all(m[:, :10].sum(axis=1) == 1) and np.all(m[:, 10:].sum(axis=1) == 1)
    assert np.allclose(y[:, 0], (x[..., 0] * m).sum(axis=1))
    assert np.all((x[..., 0] >= 0) & (x[..., 0] < 1))
    np.testing.assert_array_equal(TASKS["adding"].markers(x), m == 1)


def test_adding_baseline_is_the_variance_of_the_target():
    task = get_task("adding")
    _, y = task.make_batch(10, 4000, np.random.default_rng(2))
    assert abs(task.metric(np.ones_like(y), y) - task.baseline) < 0.01  # 1/6 ≈ 0.167


def test_sign_batch_target_is_the_marked_value_among_distractors():
    x, y = TASKS["sign"].make_batch(30, 400, np.random.default_rng(3))
    m = x[..., 1]
    assert np.all(m.sum(axis=1) == 1)
    np.testing.assert_array_equal(y[:, 0], (x[..., 0] * m).sum(axis=1))
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert np.all(np.abs(x[..., 0]) <= 1) and np.abs(x[..., 0][m == 0]).mean() < 0.6
    assert abs(TASKS["sign"].metric(np.zeros_like(y), y) - TASKS["sign"].baseline) < 1e-12


def test_batches_are_seeded_and_bad_arguments_say_so():
    a = TASKS["adding"].make_batch(8, 4, np.random.default_rng(5))
    b = TASKS["adding"].make_batch(8, 4, np.random.default_rng(5))
    c = TASKS["adding"].make_batch(8, 4, np.random.default_rng(6))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    with pytest.raises(ValueError, match="T must be"):
        TASKS["adding"].make_batch(1, 4, np.random.default_rng())
    with pytest.raises(TypeError, match="Generator"):
        TASKS["adding"].make_batch(8, 4, 0)
    with pytest.raises(ValueError, match="unknown task"):
        get_task("copy")


# --- gradients and steps against torch
@pytest.mark.parametrize("cell", CELLS)
def test_gradients_including_the_readout_equal_torch_autograd(cell):
    tr = small(cell, seed=3)
    x, y = tr.task.make_batch(9, 6, np.random.default_rng(7))
    loss, grads, _ = loss_and_grads(tr.model, tr.readout, tr.task, x, y)
    module, lin = torch_net(tr.model, tr.readout)
    tl = torch_loss(module, lin, torch.from_numpy(x), torch.from_numpy(y))
    tl.backward()
    assert abs(loss - tl.item()) < 1e-12
    theirs = {n: p.grad.numpy() for n, p in module.named_parameters()}
    theirs["readout.weight"], theirs["readout.bias"] = (
        lin.weight.grad.numpy(),
        lin.bias.grad.numpy(),
    )
    assert set(grads) == set(theirs)
    for name, g in theirs.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("cell", CELLS)
def test_steps_equal_torch_clip_grad_norm_and_adam(cell):
    tr = Trainer.from_config(
        TrainConfig(cell=cell, hidden=4, T=7, batch=5, seed=1, lr=0.05, clip=0.5, eval_batch=0)
    )
    module, lin = torch_net(tr.model, tr.readout)
    params = [*module.parameters(), *lin.parameters()]
    opt = torch.optim.Adam(params, lr=0.05)
    data = np.random.default_rng((1, 2))  # the trainer's data stream (see Trainer.reset)
    for _ in range(3):  # three steps: Adam's bias corrections change with the step count
        x, y = tr.task.make_batch(7, 5, data)
        opt.zero_grad()
        torch_loss(module, lin, torch.from_numpy(x), torch.from_numpy(y)).backward()
        torch.nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()
    tr.step(3)
    theirs = {n: p.detach().numpy() for n, p in module.named_parameters()}
    theirs["readout.weight"], theirs["readout.bias"] = lin.weight.detach(), lin.bias.detach()
    for name, p in theirs.items():
        np.testing.assert_allclose(tr.params[name], np.asarray(p), rtol=1e-10, atol=1e-12)


def test_the_trainer_lowers_the_loss_on_a_fixed_seed():
    tr = Trainer.from_config(
        TrainConfig(task="sign", cell="lstm", hidden=6, T=10, batch=16, eval_batch=64)
    )
    before = tr.evaluate()
    losses = tr.step(120)
    assert len(losses) == 120 and tr.steps == 120
    assert before > 0.5 * tr.task.baseline  # it starts near the memoryless score (MSE 1)...
    assert tr.evaluate() < tr.task.solved_at  # ...and ends below "solved" (0.05)
    assert losses[-20:].mean() < 0.1 * losses[:20].mean()


# --- snapshots, reset, divergence
def test_a_restored_snapshot_equals_its_stored_arrays_and_continues_the_same_run():
    tr = small("gru")
    tr.step(25)  # snapshots at 0, 10, 20
    assert [s.step for s in tr.snapshots] == [0, 10, 20]
    snap = tr.snapshots[1]
    later = tr.step(10)  # steps 26..35, from step 25
    tr.restore(1)
    assert tr.steps == 10 and len(tr.losses) == 10
    for name, a in snap.params.items():
        np.testing.assert_array_equal(tr.params[name], a)
        assert tr.params[name] is not a  # a copy: training on cannot change the snapshot
    model, readout = tr.network_at(1)
    np.testing.assert_array_equal(model.params["weight_hh_l0"], snap.params["weight_hh_l0"])
    tr.step(25)  # the same steps 11..35 as the run that was not interrupted
    np.testing.assert_array_equal(tr.losses[25:], later)


def test_reset_returns_to_the_starting_weights_and_snapshots_thin_out():
    tr = Trainer.from_config(TrainConfig(hidden=3, T=5, batch=2, eval_batch=0, max_snapshots=4))
    start = {k: v.copy() for k, v in tr.params.items()}
    tr.step(60)
    assert [s.step for s in tr.snapshots] == [0, 20, 40, 60]  # 6 kept at 10 apart is over 4
    first = tr.losses[:5]
    tr.reset()
    assert tr.steps == 0 and tr.losses == [] and len(tr.snapshots) == 1
    for k, v in start.items():
        np.testing.assert_array_equal(tr.params[k], v)
    np.testing.assert_array_equal(tr.step(5), first)


def test_divergence_stops_training_and_keeps_the_finite_history():
    tr = small("rnn")
    tr.step(3)
    tr.model.params["weight_hh_l0"][0, 0] = np.inf
    assert len(tr.step(5)) == 0
    assert tr.diverged and "step 4" in tr.diverged
    assert tr.steps == 3 and len(tr.losses) == 3 and np.all(np.isfinite(tr.losses))
    assert len(tr.step(5)) == 0  # stays stopped


def test_the_trainer_never_changes_the_callers_model_and_checks_its_limits():
    model = LSTM(2, 4, seed=0)
    readout = Readout.init(4, 1, np.random.default_rng(0))
    w = model.params["weight_hh_l0"].copy()
    Trainer(model, readout, "adding", T=6, batch=3).step(2)
    np.testing.assert_array_equal(model.params["weight_hh_l0"], w)
    with pytest.raises(ValueError, match="k must be"):
        Trainer(model, readout, "adding", T=6, batch=3).step(10_000)
    with pytest.raises(ValueError, match="T must be"):
        Trainer(model, readout, "adding", T=5000)
    with pytest.raises(ValueError, match="input channels"):
        Trainer(LSTM(3, 4), readout, "adding")


# --- connectivity
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("batched", [False, True])
def test_connectivity_equals_autograd(cls, batched):
    rng = np.random.default_rng(11)
    model = cls(3, 5, seed=4)
    x = rng.standard_normal((2, 12, 3) if batched else (12, 3))
    g = rng.standard_normal((2, 5) if batched else 5)
    conn = model.connectivity(model.forward(x), g)
    module = to_torch(model)
    xt = torch.from_numpy(x if batched else x[None]).requires_grad_(True)
    out, _ = module(xt)
    gt = torch.from_numpy(g if batched else g[None])
    (out[:, -1] * gt).sum().backward()
    expected = xt.grad.norm(dim=-1).numpy()
    np.testing.assert_allclose(conn, expected if batched else expected[0], rtol=1e-10)
    with pytest.raises(ValueError, match="grad_h_last"):
        model.connectivity(model.forward(x), np.ones(4))
