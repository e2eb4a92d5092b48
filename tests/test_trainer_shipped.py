"""The shipped trained networks (assets/trained, explainer.trained): they load, reproduce their
manifest's metric, and the documented command regenerates files of the same format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explainer import trained
from explainer.tasks import EVAL_SEED

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_KEYS = {
    "format", "name", "task", "lag", "cell", "hidden", "input_size", "seed", "steps", "max_steps",
    "batch", "lr", "clip", "fbias", "trainer", "diverged", "metric_name", "metric", "baseline",
    "solved_at", "solved", "eval_seed", "eval_batch", "reach", "command",
}  # fmt: skip


def header(path: Path) -> dict:
    """The safetensors header, read by hand (8-byte little-endian length, then JSON)."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + n])


def test_every_catalogued_network_is_shipped():
    assert trained.names(), "the catalogue is empty"
    for name in trained.names():
        assert trained.path_of(name).is_file(), name


@pytest.mark.parametrize("name", trained.names())
def test_a_shipped_network_loads_and_reproduces_its_manifest_metric(name):
    net = trained.load(name)
    m = net.manifest
    assert set(m) == MANIFEST_KEYS
    assert (m["name"], m["cell"], net.model.cell) == (name, net.cell, m["cell"])
    assert net.model.hidden_size == m["hidden"] and m["eval_seed"] == EVAL_SEED
    assert m["command"].startswith("nice -n 10 python -m explainer.trained")
    # the metric recomputed here, from the task's fixed evaluation batch, not read from the file
    x, y = net.task.make_batch(m["lag"], m["eval_batch"], np.random.default_rng(m["eval_seed"]))
    mse = float(np.mean((net.readout(net.model.forward(x).h[:, -1]) - y) ** 2))
    assert abs(mse - m["metric"]) < 1e-6
    assert m["solved"] == (mse < m["solved_at"])
    assert 0 < m["steps"] <= m["max_steps"]


def test_the_gated_cells_solve_the_adding_problem_where_the_rnn_does_not():
    """What the lesson pages say about the shipped networks, checked on the files themselves."""
    got = {n: trained.load(n).manifest for n in trained.names()}
    for hidden in {m["hidden"] for m in got.values()}:
        adding = {
            m["cell"]: m for m in got.values() if m["task"] == "adding" and m["hidden"] == hidden
        }
        assert adding["lstm"]["solved"] and adding["gru"]["solved"], hidden
        assert not adding["rnn"]["solved"], hidden


def test_load_says_which_failure_it_is(tmp_path):
    with pytest.raises(trained.TrainedNetworkError) as e:
        trained.load("no_such_net")
    assert e.value.kind == "unknown"
    with pytest.raises(trained.TrainedNetworkError) as e:
        trained.load("../etc/passwd")
    assert e.value.kind == "unknown"
    with pytest.raises(trained.TrainedNetworkError) as e:
        trained.load("adding_lstm_h8", directory=tmp_path)
    assert e.value.kind == "missing"
    (tmp_path / "adding_lstm_h8.safetensors").write_bytes(
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json"
    )
    with pytest.raises(trained.TrainedNetworkError) as e:
        trained.load("adding_lstm_h8", directory=tmp_path)
    assert e.value.kind == "corrupt" and "corrupt" in str(e.value)
    # a readable file with a wrong shape is corrupt too
    good = trained.load("adding_lstm_h8")
    bad = good.model.with_params()
    bad.params["weight_hh_l0"] = bad.params["weight_hh_l0"][:, :3]
    trained.save(tmp_path / "adding_lstm_h8.safetensors", bad, good.readout, good.manifest)
    with pytest.raises(trained.TrainedNetworkError) as e:
        trained.load("adding_lstm_h8", directory=tmp_path)
    assert e.value.kind == "corrupt" and "weight_hh_l0" in str(e.value)


def test_the_documented_command_at_a_tiny_size_writes_the_same_format(tmp_path):
    name = "sign_gru_h8"
    out = subprocess.run(
        [sys.executable, "-m", "explainer.trained", "--out", str(tmp_path), "--only", name,
         "--steps", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    new, old = tmp_path / f"{name}.safetensors", trained.path_of(name)
    h_new, h_old = header(new), header(old)
    assert {k: (v["dtype"], v["shape"]) for k, v in h_new.items() if k != "__metadata__"} == {
        k: (v["dtype"], v["shape"]) for k, v in h_old.items() if k != "__metadata__"
    }
    m = json.loads(h_new["__metadata__"]["manifest"])
    assert set(m) == MANIFEST_KEYS and m["steps"] == 3
    net = trained.load(name, directory=tmp_path)
    assert abs(net.evaluate() - m["metric"]) < 1e-6


def test_a_loaded_network_trains_on_without_touching_the_loaded_weights():
    net = trained.load("sign_lstm_h8")
    w = net.model.params["weight_hh_l0"].copy()
    tr = net.trainer(batch=4)
    tr.step(2)
    assert tr.steps == 2
    np.testing.assert_array_equal(net.model.params["weight_hh_l0"], w)
    tr.reset()
    np.testing.assert_array_equal(tr.model.params["weight_hh_l0"], w)


def test_the_untrained_network_has_the_shipped_shapes_at_pytorchs_initialisation():
    net = trained.untrained("adding", "gru", 8, lag=20, seed=3)
    shipped = trained.load("adding_gru_h8")
    assert net.manifest["untrained"] and net.lag == 20
    for name, p in shipped.model.params.items():
        assert net.model.params[name].shape == p.shape
        assert np.abs(net.model.params[name]).max() <= 1 / np.sqrt(8)  # uniform in ±1/√H
    assert net.readout.weight.shape == shipped.readout.weight.shape
    assert not net.task.is_solved(net.evaluate())
    with pytest.raises(ValueError, match="unknown cell"):
        trained.untrained("adding", "transformer", 8, lag=20)


def test_the_readme_table_has_a_row_per_network_and_says_when_a_file_is_missing(tmp_path):
    rows = trained.table(tmp_path).splitlines()[2:]
    assert len(rows) == len(trained.names())
    assert all("| missing |" in r for r in rows)
    readme = (ROOT / "assets" / "README.md").read_text(encoding="utf-8")
    for name in trained.names():
        assert f"`{name}.safetensors`" in readme


def test_the_assets_readme_table_is_what_the_files_measure_today():
    """assets/README.md quotes every shipped network's reach: its table must be what
    `python -m explainer.trained --table` prints from the files with today's code (it had kept
    the reach counted before #13 changed how steps are counted: 15 where the code says 14)."""
    readme = (Path(__file__).resolve().parents[1] / "assets" / "README.md").read_text()

    def rows(text: str) -> list[str]:  # the table's header and its one row per file
        return [
            line
            for line in text.splitlines()
            if line.startswith("| file | task, lag") or ".safetensors` |" in line
        ]

    assert len(rows(trained.table())) == 1 + len(trained.names())
    assert rows(readme) == rows(trained.table())
