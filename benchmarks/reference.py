"""Speed of the NumPy reference against PyTorch float64, measured in the same run, one thread each.

    PYTHONPATH=. python benchmarks/reference.py [--repeats 7] [--quick]

For RNN, LSTM and GRU at (input, hidden, T, batch) = (8, 64, 100, 1), (16, 128, 200, 16),
(1, 256, 500, 1), the lesson's training shapes (2, 16, 50, 32), (2, 16, 100, 64), (2, 32, 100, 64)
and every shipped network's training shape (`explainer.trained.SPECS`):
  forward ratio = our instrumented forward (every gate recorded) / torch's plain forward (no_grad)
  fwd+bwd ratio = our forward + hand-written BPTT / torch forward + autograd backward
Targets: forward <= 1.0x, forward+backward <= 1.0x (issue #12).

The trainer's step at every shipped network's shape: `Trainer.train_on` (forward, backward, the
readout, global-norm clipping, Adam; `explainer.trainer`) against the same step in torch float64
(module + nn.Linear, MSE, autograd, clip_grad_norm_, torch.optim.Adam) on the same batch.
Target: <= 0.5x. Also the peak memory of a T=1000, H=256 LSTM trace (target < 100 MB), measured with
tracemalloc (NumPy reports its buffers to it). `--quick` runs the trainer step and the lesson's
shapes only. The run ends with a met/missed table: the worst ratio of each measure and cell, and
the shape it was measured at.

Run it from the repository root with `PYTHONPATH=. python benchmarks/reference.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one thread for NumPy's BLAS too, set before NumPy is imported

import argparse  # noqa: E402 -- after the thread settings
import time  # noqa: E402 -- after the thread settings
import tracemalloc  # noqa: E402 -- after the thread settings

import numpy as np  # noqa: E402 -- after the thread settings
import torch  # noqa: E402 -- after the thread settings

from explainer import GRU, LSTM, RNN  # noqa: E402 -- after the thread settings
from explainer.tasks import get_task  # noqa: E402 -- after the thread settings
from explainer.torch_backend import to_torch  # noqa: E402 -- after the thread settings
from explainer.trained import SPECS  # noqa: E402 -- after the thread settings
from explainer.trainer import Readout, Trainer  # noqa: E402 -- after the thread settings

CLOCK = time.process_time  # CPU time: one thread each, so it is the work done
SIZES = [(8, 64, 100, 1), (16, 128, 200, 16), (1, 256, 500, 1)]
LESSON_SIZES = [(2, 16, 50, 32), (2, 16, 100, 64), (2, 32, 100, 64)]
SHIPPED = sorted({(get_task(s.task).input_size, s.hidden, s.lag, s.batch) for s in SPECS})


def best_times(fns, repeats: int) -> list[float]:
    """The fastest of `repeats` timed calls of each function (seconds of this process's CPU time,
    so that other jobs on a shared machine are not counted), after one warm-up each. The
    functions take turns, so that a noisy neighbour slows every side alike; the minimum is the
    usual estimate of a call's own cost (timeit's advice)."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0 = CLOCK()
            fn()
            best[k] = min(best[k], CLOCK() - t0)
    return best


def bench(cls, D, H, T, B, repeats):
    model = cls(D, H, seed=0)
    module = to_torch(model)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, D))
    w = rng.standard_normal((B, T, H))
    xt, wt = torch.tensor(x), torch.tensor(w)

    def ours_fwd():
        model.forward(x)

    def torch_fwd():
        with torch.no_grad():
            module(xt)

    def ours_both():
        model.backward(model.forward(x), w)

    def torch_both():
        module.zero_grad(set_to_none=True)
        xg = xt.clone().requires_grad_(True)  # dL/dx too, as ours computes it
        out, _ = module(xg)
        (out * wt).sum().backward()

    return tuple(best_times([ours_fwd, torch_fwd, ours_both, torch_both], repeats))


def bench_step(cls, D, H, T, B, repeats, task="adding"):
    """One training step, ours (Trainer.train_on) and torch's, on the same batch."""
    task = get_task(task)
    model = cls(D, H, seed=0)
    readout = Readout.init(H, task.output_size, np.random.default_rng(1))
    trainer = Trainer(model, readout, task, T=T, batch=B, eval_batch=0, snapshot_every=10_000)
    module = to_torch(model)
    lin = torch.nn.Linear(H, task.output_size, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(readout.weight))
        lin.bias.copy_(torch.from_numpy(readout.bias))
    params = [*module.parameters(), *lin.parameters()]
    opt = torch.optim.Adam(params, lr=trainer.lr)
    x, y = task.make_batch(T, B, np.random.default_rng(2))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def ours():
        trainer.train_on(x, y)

    def theirs():
        opt.zero_grad(set_to_none=True)
        out, _ = module(xt)
        torch.nn.functional.mse_loss(lin(out[:, -1]), yt).backward()
        torch.nn.utils.clip_grad_norm_(params, trainer.clip)
        opt.step()

    return tuple(best_times([ours, theirs], repeats))


def trace_peak_mb(T=1000, H=256) -> float:
    model = LSTM(1, H, seed=0)
    x = np.random.default_rng(0).standard_normal((T, 1))
    tracemalloc.start()
    trace = model.forward(x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del trace
    return peak / 2**20


TARGETS = {"trainer step": 0.5, "forward": 1.0, "forward+backward": 1.0}  # issue #12, item 6


def summary(worst: dict[tuple[str, str], tuple[float, tuple]], quick: bool) -> list[str]:
    """The met/missed table: for every (measure, cell), the worst ratio, its shape, the target."""
    head = f"{'measure':17} {'cell':5} {'worst':>6} {'at (D, H, T, B)':>18} {'target':>7}  result"
    lines = [head, "-" * len(head)]
    for (measure, cell), (ratio, shape) in worst.items():
        target = TARGETS[measure]
        verdict = "met" if ratio <= target else "MISSED"
        lines.append(
            f"{measure:17} {cell:5} {ratio:5.2f}x {str(shape):>18} {'<= ' + str(target):>6}x  "
            f"{verdict}"
        )
    if quick:
        lines.append("(--quick: the three large shapes were not measured)")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="trainer step and lesson shapes only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    load = os.getloadavg()
    print(
        f"torch {torch.__version__}, numpy {np.__version__}, one thread each, float64; "
        f"best of {args.repeats}, taking turns, CPU time; load average {load[0]:.2f} at start"
    )
    cells = (RNN, LSTM, GRU)
    worst: dict[tuple[str, str], tuple[float, tuple]] = {}

    def record(measure: str, cls, shape: tuple, ratio: float) -> None:
        key = (measure, cls.__name__)
        if key not in worst or ratio > worst[key][0]:
            worst[key] = (ratio, shape)

    head = f"{'cell':5} {'(D, H, T, B)':>18} {'ours step':>10} {'torch step':>10} {'ratio':>6}"
    print("\ntrainer step (forward, backward, clip, Adam) at the shipped networks' shapes")
    print(head)
    print("-" * len(head))
    for cls in cells:
        for D, H, T, B in SHIPPED:
            ours, theirs = bench_step(cls, D, H, T, B, args.repeats)
            record("trainer step", cls, (D, H, T, B), ours / theirs)
            print(
                f"{cls.__name__:5} {str((D, H, T, B)):>18} {ours * 1e3:8.2f}ms "
                f"{theirs * 1e3:8.2f}ms {ours / theirs:5.2f}x"
            )
    head = (
        f"{'cell':5} {'(D, H, T, B)':>18} {'ours fwd':>9} {'torch fwd':>9} {'ratio':>6}  "
        f"{'ours f+b':>9} {'torch f+b':>9} {'ratio':>6}"
    )
    print("\nreference forward and forward+backward")
    print(head)
    print("-" * len(head))
    sizes = LESSON_SIZES + [s for s in SHIPPED if s not in LESSON_SIZES]
    if not args.quick:
        sizes = SIZES + sizes
    for cls in cells:
        for D, H, T, B in sizes:
            of, tf, ob, tb = bench(cls, D, H, T, B, args.repeats)
            record("forward", cls, (D, H, T, B), of / tf)
            record("forward+backward", cls, (D, H, T, B), ob / tb)
            print(
                f"{cls.__name__:5} {str((D, H, T, B)):>18} {of * 1e3:7.2f}ms {tf * 1e3:7.2f}ms "
                f"{of / tf:5.2f}x  {ob * 1e3:7.2f}ms {tb * 1e3:7.2f}ms {ob / tb:5.2f}x"
            )
    if not args.quick:
        mb = trace_peak_mb()
        print(f"\npeak memory of a T=1000, H=256 LSTM trace: {mb:.1f} MB (target < 100 MB)")
    print(f"\ntargets (issue #12, item 6); load average {os.getloadavg()[0]:.2f} at the end")
    print("\n".join(summary(dict(sorted(worst.items(), key=_order)), args.quick)))


def _order(item):
    (measure, cell), _ = item
    return list(TARGETS).index(measure), ["RNN", "LSTM", "GRU"].index(cell)


if __name__ == "__main__":
    main()
