"""Build time and JSON size of every figure builder, against the targets of the figures issue.

    PYTHONPATH=. python benchmarks/figures.py

Sizes: T=100, H=64 (targets: < 50 ms to build, < 1 MB of JSON) and T=500, H=256 (< 5 MB), LSTM and
GRU, one layer, input_size 1, loss on the last step. Time is the best of 5 builds (the machine is
shared); size is `len(fig.to_json())`, what Streamlit sends to the browser.

Run it from the repository root with `PYTHONPATH=. python benchmarks/figures.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from explainer import GRU, LSTM
from explainer.figures import (
    cell_figure,
    forget_product_figure,
    gate_heatmaps_figure,
    gradient_decay_figure,
    saturation_figure,
    unrolled_figure,
)

SIZES = [(100, 64, 50.0, 1.0), (500, 256, None, 5.0)]  # T, H, ms target, MB target


def best_of(fn, n: int = 5) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3, out


def main() -> int:
    rows, failed = [], 0
    for T, H, ms_target, mb_target in SIZES:
        x = np.sin(np.linspace(0, 12, T))[:, None]
        for cls in (LSTM, GRU):
            m = cls(1, H, seed=0)
            tr = m.forward(x)
            gh = np.zeros_like(tr.h)
            gh[-1] = 1.0
            g = m.backward(tr, gh)
            J = m.jacobian_norms(tr) if H <= 64 else None
            builders = {
                "unrolled_figure": lambda tr=tr, g=g: unrolled_figure(tr, g),
                "cell_figure": lambda tr=tr, T=T: cell_figure(tr, T // 2),
                "gate_heatmaps_figure": lambda tr=tr: gate_heatmaps_figure(tr),
                "gradient_decay_figure": lambda tr=tr, g=g, J=J, c=cls.__name__: (
                    gradient_decay_figure({c: (tr, g)}, jacobians={c: J} if J else None)
                ),
                "saturation_figure": lambda tr=tr: saturation_figure(tr),
            }
            if cls is LSTM:
                builders["forget_product_figure"] = lambda tr=tr: forget_product_figure(tr)
            for name, build in builders.items():
                ms, fig = best_of(build)
                mb = len(fig.to_json()) / 1e6
                ok_ms = ms_target is None or ms < ms_target
                ok_mb = mb < mb_target
                failed += not (ok_ms and ok_mb)
                target = f"<{ms_target:.0f} ms, " if ms_target else ""
                rows.append(
                    (
                        f"{cls.__name__} T={T} H={H}",
                        name,
                        ms,
                        mb,
                        target + f"<{mb_target:.0f} MB",
                        "ok" if ok_ms and ok_mb else "MISSED",
                    )
                )
    print(f"{'case':<20} {'builder':<23} {'build ms':>9} {'JSON MB':>8}  {'target':<16} result")
    for case, name, ms, mb, target, res in rows:
        print(f"{case:<20} {name:<23} {ms:9.1f} {mb:8.3f}  {target:<16} {res}")
    print(f"\n{len(rows) - failed} of {len(rows)} within target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
