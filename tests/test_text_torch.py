"""The text lab's trainer and its replay in NumPy. Oracles: the unigram baseline, torch's own
cross-entropy, and the trained torch model stepped over a passage one character at a time with
its gates recomputed in torch from its weights (float64)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from explainer import text as T
from explainer.__main__ import main as explainer_main
from explainer.torch_backend import text as TT

ROOT = Path(__file__).resolve().parents[1]
torch.set_num_threads(1)


def tiny_text(n: int = 250, seed: int = 0) -> str:
    """Sentences from a small grammar: a tiny corpus with structure to learn."""
    rng = np.random.default_rng(seed)
    subj = ["the cat", "a dog", "my bird", "the old fox"]
    verb = ["sat on", "ran to", "looked at", "slept by"]
    obj = ["the mat.", "a tree.", "the door.", "her hat."]
    return " ".join(f"{rng.choice(subj)} {rng.choice(verb)} {rng.choice(obj)}" for _ in range(n))


def tiny_config(**kw) -> TT.TextConfig:
    base = dict(
        hidden=32,
        embedding=16,
        seq_len=32,
        batch=8,
        lr=1e-2,
        max_steps=100,
        budget_seconds=None,
        eval_every=50,
    )
    return TT.TextConfig(**{**base, **kw})


@pytest.fixture(scope="module")
def trained():
    """One short LSTM run per module (a few seconds)."""
    return TT.train(tiny_config(), tiny_text())


def test_a_tiny_corpus_trains_below_its_unigram_baseline(trained):
    run = trained
    assert run.steps == 100 and not run.stopped
    assert run.bits_per_char < run.baselines.unigram - 1.0
    assert run.history[-1].step == 100 and len(run.history) == 2
    assert run.history[0].val_bits > run.history[-1].val_bits


def test_bits_per_char_two_ways(trained):
    run = trained
    # 1) torch's cross-entropy of the float32 model (the run's own number) against the NumPy
    # reference's -log2 p of the same weights in float64
    model = run.char_model()
    val = run.corpus.val
    numpy_bits = model.bits_per_char(val, streams=TT.EVAL_STREAMS)
    assert numpy_bits == pytest.approx(run.bits_per_char, rel=1e-5)
    # 2) the same weights in torch float64: equal to round-off
    assert numpy_bits == pytest.approx(TT.evaluate(TT.torch_model(model), val), rel=1e-12)
    # 3) the sum written out over one stream, from torch's log-softmax
    net = TT.torch_model(model)
    x = torch.from_numpy(val)[None]
    with torch.no_grad():
        logp = torch.log_softmax(net(x[:, :-1])[0], dim=-1)[0]
    by_hand = -sum(float(logp[t, val[t + 1]]) for t in range(len(val) - 1)) / (len(val) - 1)
    assert model.bits_per_char(val, streams=1) == pytest.approx(by_hand / np.log(2), rel=1e-12)


def torch_steps(net: TT.CharNet, ids: np.ndarray) -> list[dict[str, torch.Tensor]]:
    """Per layer: h, c (LSTM) and every gate, stepped one character at a time in torch, the gates
    recomputed from the module's weights; each (T, H)."""
    rnn, cell, H = net.rnn, net.cell, net.rnn.hidden_size
    with torch.no_grad():
        x = net.inputs(torch.from_numpy(ids))  # (T, E)
        state = None
        rows: list[list[dict[str, torch.Tensor]]] = [[] for _ in range(rnn.num_layers)]
        for t in range(len(ids)):
            prev = state
            _, state = rnn(x[t][None, None], state)  # one step of the torch module itself
            inp = x[t]
            for k in range(rnn.num_layers):
                w_ih, w_hh = getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")
                b_ih, b_hh = getattr(rnn, f"bias_ih_l{k}"), getattr(rnn, f"bias_hh_l{k}")
                hs = state[0] if cell == "lstm" else state
                h_prev = (
                    torch.zeros(H, dtype=x.dtype)
                    if prev is None
                    else (prev[0] if cell == "lstm" else prev)[k, 0]
                )
                gi, gh = w_ih @ inp + b_ih, w_hh @ h_prev + b_hh
                row = {"h": hs[k, 0]}
                if cell == "lstm":
                    i, f, g, o = (gi + gh).split(H)
                    row.update(
                        c=state[1][k, 0],
                        i=torch.sigmoid(i),
                        f=torch.sigmoid(f),
                        g=torch.tanh(g),
                        o=torch.sigmoid(o),
                    )
                elif cell == "gru":
                    r = torch.sigmoid(gi[:H] + gh[:H])
                    z = torch.sigmoid(gi[H : 2 * H] + gh[H : 2 * H])
                    row.update(r=r, z=z, n=torch.tanh(gi[2 * H :] + r * gh[2 * H :]))
                rows[k].append(row)
                inp = hs[k, 0]
    return [{key: torch.stack([r[key] for r in layer]) for key in layer[0]} for layer in rows]


@pytest.mark.parametrize("cell, layers", [("lstm", 1), ("gru", 2), ("rnn", 1), ("lstm", 2)])
def test_painted_values_equal_the_torch_model_stepped(cell, layers):
    run = TT.train(tiny_config(cell=cell, layers=layers, max_steps=3, hidden=12), tiny_text())
    model = run.char_model()
    passage = tiny_text(8, seed=1)
    ids = model.vocab.encode(passage)
    trace = model.trace(ids)
    want = torch_steps(run.model.double(), ids)
    for k, layer in enumerate(want):
        for kind, values in layer.items():
            for j in range(model.rnn.hidden_size):
                painted = T.unit_values(trace, T.Unit(k, kind, j))
                np.testing.assert_allclose(painted, values[:, j].numpy(), rtol=0, atol=1e-10)
        assert set(layer) == set(T.kinds_of(cell))  # every kind the page can paint was checked


def test_one_hot_input_trains_and_replays():
    run = TT.train(tiny_config(embedding=0, max_steps=10), tiny_text())
    model = run.char_model()
    assert model.one_hot and "embedding.weight" not in model.tensors()
    assert model.bits_per_char(run.corpus.val, TT.EVAL_STREAMS) == pytest.approx(
        run.bits_per_char, rel=1e-5
    )


def test_stop_keeps_the_model():
    polls = []
    seen = []

    def should_stop() -> bool:
        polls.append(1)
        return len(polls) > 7  # seven steps, then stop

    run = TT.train(tiny_config(eval_every=3), tiny_text(), seen.append, should_stop)
    assert run.stopped and run.steps == 7
    assert [p.step for p in seen] == [3, 6, 7] and seen[-1].done and seen[-1].fraction == 1.0
    before = TT.build_model(run.config, run.corpus.vocab.size)
    moved = any(
        not torch.equal(a, b)
        for a, b in zip(before.parameters(), run.model.parameters(), strict=True)
    )
    assert moved and np.isfinite(run.bits_per_char)  # the trained weights, validated


def test_a_short_text_adapts_the_batch_and_a_too_short_one_is_refused():
    run = TT.train(tiny_config(max_steps=3, seq_len=50), tiny_text(12))  # ~350 characters
    assert 1 <= run.batch < 8
    with pytest.raises(T.TextError) as e:
        TT.train(tiny_config(seq_len=200), "too short a text " * 10)
    assert e.value.code == "too_short"


@pytest.mark.parametrize(
    "field, value",
    [("hidden", 513), ("layers", 3), ("cell", "transformer"), ("lr", 0.0), ("seq_len", 0)],
)
def test_config_limits(field, value):
    with pytest.raises(ValueError, match=field if field != "cell" else "unknown cell"):
        TT.TextConfig(**{field: value}).validate()


# ------------------------------------------------------------------------------------- CLI


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "explainer", "text", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


@pytest.mark.slow  # 7 s: a training in a subprocess; python -m pytest -m slow
def test_cli_prints_one_json_object_and_saves(tmp_path):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text(tiny_text(), encoding="utf-8")
    out = tmp_path / "m.safetensors"
    r = run_cli(
        "--corpus", str(corpus), "--cell", "gru", "--hidden", "24", "--max-steps", "30",
        "--seq-len", "32", "--batch", "8", "--seed", "0", "--json", "--save", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    for key in ("bits_per_char", "unigram_bits_per_char", "steps", "seconds", "sample"):
        assert key in s
    assert s["steps"] == 30 and len(s["sample"]) >= 200
    assert s["bits_per_char"] < s["unigram_bits_per_char"]
    model = T.load(out)
    m = model.manifest
    assert m["cell"] == "gru" and m["hidden"] == 24 and m["steps"] == 30
    assert m["bits_per_char"] == pytest.approx(s["bits_per_char"])
    assert "--max-steps 30" in m["command"]
    assert model.bits_per_char(T.make_corpus(tiny_text()).val, TT.EVAL_STREAMS) == pytest.approx(
        s["bits_per_char"], rel=1e-5
    )


def cli_in_process(capsys, *args: str) -> tuple[int, str]:
    """`python -m explainer text ...` in this process: (exit status, stderr)."""
    try:
        code = explainer_main(["text", *args])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "content, word",
    [
        (b"", "empty"),
        (b"\xff\xfe\x00h\x00i", "binary"),
        ("caf\u00e9 ".encode("latin-1") * 100, "not UTF-8"),
        (b"tiny", "too short"),
    ],
    ids=["empty", "binary", "latin-1", "short"],
)
def test_cli_bad_corpus_is_one_line_and_exit_2(tmp_path, capsys, content, word):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(content)
    code, err = cli_in_process(capsys, "--corpus", str(corpus), "--max-steps", "1")
    assert code == 2 and word in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_missing_file_and_bad_option(capsys):
    code, err = cli_in_process(capsys, "--corpus", "/nonexistent/file.txt", "--max-steps", "1")
    assert code == 2 and "cannot read" in err
    code, err = cli_in_process(capsys, "--corpus", "python", "--hidden", "4096")
    assert code == 2 and "hidden" in err and "Traceback" not in err


@pytest.mark.parametrize("cell, layers", [("rnn", 1), ("lstm", 1), ("gru", 1), ("lstm", 2)])
def test_connectivity_equals_torch_autograd(cell, layers):
    run = TT.train(tiny_config(cell=cell, layers=layers, max_steps=3, hidden=12), tiny_text())
    model = run.char_model()
    passage = tiny_text(3, seed=2)
    ids, target = model.vocab.encode(passage[:-1]), int(model.vocab.encode(passage[-1])[0])
    norms = model.connectivity(ids, target)
    # torch: the gradient of log p(target | passage) with respect to the input vectors x_t
    net = TT.torch_model(model)
    x = net.inputs(torch.from_numpy(ids))[None].detach().requires_grad_(True)  # (1, T, E)
    out, _ = net.rnn(x)
    torch.log_softmax(net.head(out[0, -1]), dim=-1)[target].backward()
    want = x.grad[0].norm(dim=1).numpy()
    np.testing.assert_allclose(norms, want, rtol=1e-10, atol=1e-14)
    assert norms.shape == (len(ids),) and norms[-1] > 0
