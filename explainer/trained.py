"""The shipped trained networks: RNN, LSTM and GRU trained by `explainer.trainer` (Adam on the NumPy
reference's exact gradients) on the lesson's tasks, stored in `assets/trained/` and loaded into the
NumPy reference. No torch here: the lesson pages load these without waiting for torch.

    from explainer import trained
    trained.names()                          # the catalogue: "<task>_<cell>_h<hidden>", for
                                             # task adding|sign, cell rnn|lstm|gru, hidden 8|16
    net = trained.load("adding_lstm_h8")     # TrainedNetwork, or TrainedNetworkError
    net.model, net.readout, net.task         # explainer.LSTM, trainer.Readout, tasks.Task
    net.manifest["metric"]                   # held-out MSE the file was shipped with
    trained.untrained("adding", "lstm", 8, lag=100)   # the same shapes at PyTorch's initialisation
    x, y = net.example(seed=0)               # one sequence of the task at the training length
    net.predict(x)                           # ŷ = W_out h_{T-1} + b_out
    net.trainer()                            # a Trainer that continues from these weights

File format (`<name>.safetensors`): float64 tensors under PyTorch's names (`weight_ih_l0`,
`weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`) plus `readout.weight` (O, H) and `readout.bias` (O,);
the safetensors header's `__metadata__` holds one key, "manifest", whose value is a JSON object:

    format 1, name, task, lag (= T, the training sequence length), cell, hidden, input_size, seed,
    steps, batch, lr, clip, fbias, trainer, metric_name, metric (on the eval batch), baseline,
    solved_at, solved, eval_seed, eval_batch, reach (measured, see below), command.

`reach` (as measured when the file was made; `measure_reach` measures it again): on the task's
example sequence (seed 0, length `lag`), the norms ‖∂ŷ/∂h_t‖ of the trained network (`norm_first`
at t = 0, `norm_last` at t = T − 1), `norms.steps_of_signal` of them, and the connectivity
‖∂ŷ/∂x_t‖ at the marked steps (`connectivity_at_markers`).

Errors: `load` raises `TrainedNetworkError` (a ValueError) with `kind` "unknown" (no such name in
the catalogue), "missing" (catalogued, file absent) or "corrupt" (unreadable, bad manifest, wrong
shapes), and `name`, so a page can say which in the student's language.

Making them (one seeded command; a few minutes of one core):

    nice -n 10 python -m explainer.trained --out assets/trained

`--only NAME` remakes one network, `--steps N` caps every run (the tests use a tiny cap), `--table`
prints the table of assets/README.md from the files' manifests. Each
network trains with a fresh batch per step until its held-out metric counts as solved both on the
128 sequences checked every 10 steps and on the manifest's `eval_batch` = 512 sequences of seed
`tasks.EVAL_SEED` (checked only once the first says so), or up to its step budget.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explainer.cells import CELL_NAMES
from explainer.models import MODELS, Model
from explainer.norms import steps_of_signal
from explainer.tasks import EVAL_SEED, Task, get_task
from explainer.trainer import READOUT_NAMES, Readout, TrainConfig, Trainer

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "trained"
FORMAT = 1
EVAL_BATCH = 512
COMMAND = "nice -n 10 python -m explainer.trained --out assets/trained"
TRAINER = "explainer.trainer (NumPy reference, exact BPTT, Adam, global-norm clip)"
_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_REQUIRED = ("format", "task", "lag", "cell", "hidden", "metric", "metric_name", "eval_seed")


@dataclass(frozen=True)
class Spec:
    """One shipped network: what to train and its step budget."""

    task: str
    cell: str
    hidden: int
    lag: int
    max_steps: int
    seed: int = 0
    batch: int = 32
    lr: float = 1e-2

    @property
    def name(self) -> str:
        return f"{self.task}_{self.cell}_h{self.hidden}"


SPECS: tuple[Spec, ...] = tuple(
    Spec(task, cell, hidden, lag, steps)
    for task, lag in (("adding", 100), ("sign", 100))
    for hidden in (8, 16)
    for cell, steps in (("rnn", 3000), ("lstm", 3000), ("gru", 3000))
)


class TrainedNetworkError(ValueError):
    """A shipped network that cannot be loaded; `kind` is "unknown", "missing" or "corrupt"."""

    def __init__(self, name: str, kind: str, detail: str):
        self.name, self.kind, self.detail = name, kind, detail
        super().__init__(f"trained network {name!r}: {detail}")


@dataclass(frozen=True)
class TrainedNetwork:
    """A shipped network in the NumPy reference (see the module docstring)."""

    name: str
    model: Model
    readout: Readout
    task: Task
    manifest: dict[str, Any]

    @property
    def cell(self) -> str:
        return self.model.cell

    @property
    def lag(self) -> int:
        return int(self.manifest["lag"])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """ŷ for x (T, D) -> (O,) or (B, T, D) -> (B, O)."""
        trace = self.model.forward(x)
        return self.readout(trace.h[..., -1, :])

    def example(self, seed: int = 0, T: int | None = None) -> tuple[np.ndarray, float]:
        """One sequence of the task, x (T, D), and its target; T defaults to the training lag."""
        return self.task.example(self.lag if T is None else T, seed)

    def evaluate(self) -> float:
        """The metric on the manifest's evaluation batch (what `manifest["metric"]` records)."""
        m = self.manifest
        x, y = self.task.eval_batch(m["lag"], m.get("eval_batch", EVAL_BATCH), m["eval_seed"])
        return self.task.metric(self.predict(x), y)

    def trainer(self, **overrides: Any) -> Trainer:
        """A Trainer that starts from these weights with the manifest's settings (overridable);
        `reset()` returns to the shipped state."""
        m = self.manifest
        kw = dict(T=m["lag"], batch=m.get("batch", 32), lr=m.get("lr", 1e-2), seed=m.get("seed", 0))
        kw.update(overrides)
        return Trainer(self.model, self.readout, self.task, **kw)


def untrained(task: str, cell: str, hidden: int, lag: int, seed: int = 0) -> TrainedNetwork:
    """The same network at PyTorch's initialisation (uniform ±1/√H from `seed`, no forget bias),
    with a readout initialised as nn.Linear: what the chooser calls *untrained*. Its manifest has
    `"untrained": True`, no metric."""
    t = get_task(task)
    if cell not in MODELS:
        raise ValueError(f"unknown cell {cell!r}: expected one of {', '.join(MODELS)}")
    model = MODELS[cell](t.input_size, hidden, seed=seed)
    readout = Readout.init(hidden, t.output_size, np.random.default_rng((seed, 1)))
    manifest = {"name": "untrained", "untrained": True, "task": t.name, "lag": lag, "cell": cell,
                "hidden": hidden, "seed": seed, "steps": 0, "eval_seed": EVAL_SEED,
                "eval_batch": EVAL_BATCH}  # fmt: skip
    return TrainedNetwork("untrained", model, readout, t, manifest)


def names() -> list[str]:
    """Every shipped network's name, in the catalogue's order (task, hidden size, cell)."""
    return [s.name for s in SPECS]


def path_of(name: str, directory: Path | str | None = None) -> Path:
    return Path(directory or ASSETS) / f"{name}.safetensors"


def load(name: str, directory: Path | str | None = None) -> TrainedNetwork:
    """Load `name` from `directory` (default `assets/trained`); TrainedNetworkError if it cannot."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise TrainedNetworkError(str(name), "unknown", "not a network name")
    if directory is None and name not in names():
        raise TrainedNetworkError(name, "unknown", f"no such network; expected one of {names()}")
    path = path_of(name, directory)
    if not path.is_file():
        raise TrainedNetworkError(name, "missing", f"the file {path} is missing")
    try:
        return _read(name, path)
    except TrainedNetworkError:
        raise
    except Exception as e:  # any unreadable header, tensor or manifest: the file is corrupt
        raise TrainedNetworkError(name, "corrupt", f"the file {path} is corrupt ({e})") from None


def _read(name: str, path: Path) -> TrainedNetwork:
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if "manifest" not in meta:
        raise ValueError("no manifest in the header's __metadata__")
    manifest = json.loads(meta["manifest"])
    if not isinstance(manifest, dict):
        raise ValueError("the manifest is not a JSON object")
    missing = [k for k in _REQUIRED if k not in manifest]
    if missing:
        raise ValueError(f"the manifest lacks {missing}")
    if manifest["format"] != FORMAT:
        raise ValueError(f"format {manifest['format']!r}, expected {FORMAT}")
    task = get_task(manifest["task"])
    cell = manifest["cell"]
    if cell not in MODELS:
        raise ValueError(f"unknown cell {cell!r}")
    model = MODELS[cell](task.input_size, int(manifest["hidden"]))
    for k in READOUT_NAMES:
        if k not in tensors:
            raise ValueError(f"no tensor {k!r}")
    params = {k: v for k, v in tensors.items() if k not in READOUT_NAMES}
    if set(params) != set(model.params):
        raise ValueError(f"tensors {sorted(params)}, expected {sorted(model.params)}")
    model.load_params(params)  # checks every shape
    readout = Readout(
        np.array(tensors["readout.weight"], dtype=np.float64),
        np.array(tensors["readout.bias"], dtype=np.float64),
    )
    H, O = model.hidden_size, task.output_size
    if readout.weight.shape != (O, H) or readout.bias.shape != (O,):
        raise ValueError(f"readout shapes {readout.weight.shape}, {readout.bias.shape}")
    arrays = [*model.params.values(), readout.weight, readout.bias]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("non-finite weights")
    return TrainedNetwork(name, model, readout, task, manifest)


def save(path: Path | str, model: Model, readout: Readout, manifest: dict[str, Any]) -> None:
    """Write a network in the format above."""
    from safetensors.numpy import save_file

    tensors = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in model.params.items()}
    tensors["readout.weight"] = np.ascontiguousarray(readout.weight, dtype=np.float64)
    tensors["readout.bias"] = np.ascontiguousarray(readout.bias, dtype=np.float64)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"manifest": json.dumps(manifest, sort_keys=True)})


def measure_reach(model: Model, readout: Readout, task: Task, T: int) -> dict[str, Any]:
    """Gradient reach of a network on the task's example (seed 0, length T): see the docstring."""
    x, _ = task.example(T, seed=0)
    trace = model.forward(x)
    grad_h = np.zeros(trace.h.shape)
    grad_h[-1] = readout.weight.sum(axis=0)  # ∂(Σ_o ŷ_o)/∂h_{T-1}; O = 1 for both tasks
    norms = np.asarray(model.backward(trace, grad_h).h_norm)
    conn = model.connectivity(trace, grad_h[-1])
    marked = np.flatnonzero(task.markers(x))
    return {
        "input": "task example, seed 0",
        "steps_of_signal": steps_of_signal(norms),
        "norm_first": float(norms[0]),
        "norm_last": float(norms[-1]),
        "markers": [int(t) for t in marked],
        "connectivity_at_markers": [float(conn[t]) for t in marked],
    }


def build(
    spec: Spec,
    out: Path | str,
    max_steps: int | None = None,
    log: Callable[[str], object] = print,
) -> dict[str, Any]:
    """Train `spec` with the NumPy trainer and write `out/<name>.safetensors`; its manifest."""
    task = get_task(spec.task)
    config = TrainConfig(
        task=spec.task,
        cell=spec.cell,
        hidden=spec.hidden,
        T=spec.lag,
        batch=spec.batch,
        lr=spec.lr,
        seed=spec.seed,
    )
    trainer = Trainer.from_config(config)
    budget = spec.max_steps if max_steps is None else min(spec.max_steps, max_steps)
    t0 = time.perf_counter()
    net = TrainedNetwork(spec.name, trainer.model, trainer.readout, task, {"lag": spec.lag})
    net.manifest.update(eval_seed=EVAL_SEED, eval_batch=EVAL_BATCH)
    while trainer.steps < budget and not trainer.diverged:
        trainer.step(min(config.snapshot_every, budget - trainer.steps))
        last = trainer.snapshots[-1]  # taken every 10 steps, with the metric on 128 sequences
        metric = last.metric if last.step == trainer.steps else trainer.evaluate()
        if task.is_solved(metric) and task.is_solved(net.evaluate()):  # and on the 512 shipped
            break
    seconds = time.perf_counter() - t0
    manifest = {
        "format": FORMAT,
        "name": spec.name,
        "task": spec.task,
        "lag": spec.lag,
        "cell": spec.cell,
        "hidden": spec.hidden,
        "input_size": task.input_size,
        "seed": spec.seed,
        "steps": trainer.steps,
        "max_steps": budget,
        "batch": spec.batch,
        "lr": spec.lr,
        "clip": config.clip,
        "fbias": config.fbias if spec.cell == "lstm" else 0.0,
        "trainer": TRAINER,
        "diverged": trainer.diverged,
        "metric_name": task.metric_name,
        "baseline": task.baseline,
        "solved_at": task.solved_at,
        "eval_seed": EVAL_SEED,
        "eval_batch": EVAL_BATCH,
        "command": COMMAND,
    }
    net = TrainedNetwork(spec.name, trainer.model, trainer.readout, task, manifest)
    manifest["metric"] = net.evaluate()
    manifest["solved"] = task.is_solved(manifest["metric"])
    manifest["reach"] = measure_reach(trainer.model, trainer.readout, task, spec.lag)
    save(path_of(spec.name, out), trainer.model, trainer.readout, manifest)
    log(
        f"{spec.name}: {trainer.steps} steps, {seconds:.1f} s, {task.metric_name} "
        f"{manifest['metric']:.4g} (baseline {task.baseline:.4g}, solved {manifest['solved']}), "
        f"reach {manifest['reach']['steps_of_signal']}"
    )
    return manifest


def table(directory: Path | str | None = None) -> str:
    """The Markdown table of assets/README.md, from the shipped files: their manifests, and their
    reach measured again by today's `measure_reach` (the manifest keeps the value at build time)."""
    rows = [
        "| file | task, lag | cell | steps | held-out MSE (baseline) | solved | reach (steps) "
        "| ‖∂ŷ/∂h_0‖ / ‖∂ŷ/∂h_{T-1}‖ | ‖∂ŷ/∂x_t‖ at the markers |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names():
        try:
            net = load(name, directory)
        except TrainedNetworkError as e:
            rows.append(f"| `{name}.safetensors` | {e.kind} | | | | | | | |")
            continue
        m = net.manifest
        r = measure_reach(net.model, net.readout, net.task, m["lag"])  # by today's code
        reach = f"all {m['lag']}" if r["steps_of_signal"] is None else str(r["steps_of_signal"])
        conn = ", ".join(
            f"t={t}: {v:.2g}"
            for t, v in zip(r["markers"], r["connectivity_at_markers"], strict=True)
        )
        rows.append(
            f"| `{name}.safetensors` | {m['task']}, {m['lag']} | {CELL_NAMES[m['cell']]} | "
            f"{m['steps']} | {m['metric']:.4f} ({m['baseline']:.3g}) | "
            f"{'yes' if m['solved'] else 'no'} | {reach} | "
            f"{r['norm_first']:.2g} / {r['norm_last']:.2g} | {conn} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m explainer.trained", description="Train and write the shipped networks."
    )
    ap.add_argument("--out", default=str(ASSETS), help="directory for the .safetensors files")
    ap.add_argument("--only", action="append", help="a network name (repeatable); default all")
    ap.add_argument("--steps", type=int, default=None, help="cap every run's steps (tests)")
    ap.add_argument("--table", action="store_true", help="print the README's table; train nothing")
    args = ap.parse_args(argv)
    if args.table:
        print(table(None if args.out == str(ASSETS) else args.out))
        return 0
    specs = [s for s in SPECS if not args.only or s.name in args.only]
    unknown = set(args.only or ()) - {s.name for s in SPECS}
    if unknown:
        ap.error(f"unknown network(s) {sorted(unknown)}; expected {names()}")
    if args.steps is not None and args.steps < 1:
        ap.error("--steps must be >= 1")
    for spec in specs:
        build(spec, args.out, args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
