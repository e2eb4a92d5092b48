"""Speed of the NumPy reference against PyTorch float64, measured in the same run, one thread each.

    python benchmarks/reference.py [--repeats 7]

For LSTM and GRU at (input, hidden, T, batch) = (8, 64, 100, 1), (16, 128, 200, 16),
(1, 256, 500, 1):
  forward ratio = our instrumented forward (every gate recorded) / torch's plain forward (no_grad)
  fwd+bwd ratio = our forward + hand-written BPTT / torch forward + autograd backward
Targets: forward <= 1.5x, forward+backward <= 1.0x. Also the peak memory of a T=1000, H=256 LSTM
trace (target < 100 MB), measured with tracemalloc (NumPy reports its buffers to it).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run from anywhere
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one thread for NumPy's BLAS too, set before NumPy is imported

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from explainer import GRU, LSTM  # noqa: E402
from explainer.torch_backend import to_torch  # noqa: E402

SIZES = [(8, 64, 100, 1), (16, 128, 200, 16), (1, 256, 500, 1)]


def best_times(fns, repeats: int) -> list[float]:
    """The fastest of `repeats` timed calls of each function (seconds), after one warm-up each.
    The functions take turns, so that a noisy neighbour slows every side alike; the minimum is
    the usual estimate of a call's own cost (timeit's advice)."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
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


def trace_peak_mb(T=1000, H=256) -> float:
    model = LSTM(1, H, seed=0)
    x = np.random.default_rng(0).standard_normal((T, 1))
    tracemalloc.start()
    trace = model.forward(x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del trace
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(
        f"torch {torch.__version__}, numpy {np.__version__}, one thread each, float64; "
        f"best of {args.repeats}, taking turns"
    )
    head = (
        f"{'cell':5} {'(D, H, T, B)':>18} {'ours fwd':>9} {'torch fwd':>9} {'ratio':>6}  "
        f"{'ours f+b':>9} {'torch f+b':>9} {'ratio':>6}"
    )
    print(head)
    print("-" * len(head))
    worst_f = worst_b = 0.0
    for cls in (LSTM, GRU):
        for D, H, T, B in SIZES:
            of, tf, ob, tb = bench(cls, D, H, T, B, args.repeats)
            worst_f, worst_b = max(worst_f, of / tf), max(worst_b, ob / tb)
            print(
                f"{cls.__name__:5} {str((D, H, T, B)):>18} {of * 1e3:7.2f}ms {tf * 1e3:7.2f}ms "
                f"{of / tf:5.2f}x  {ob * 1e3:7.2f}ms {tb * 1e3:7.2f}ms {ob / tb:5.2f}x"
            )
    print(
        f"worst forward ratio {worst_f:.2f}x (target <= 1.5x); "
        f"worst forward+backward ratio {worst_b:.2f}x (target <= 1.0x)"
    )
    print(f"peak memory of a T=1000, H=256 LSTM trace: {trace_peak_mb():.1f} MB (target < 100 MB)")


if __name__ == "__main__":
    main()
