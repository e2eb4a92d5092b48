"""Memory lab benchmark: training speed of each cell, and whether the adding-problem preset shows
the lesson's contrast (gated cells solve it in the budget on every seed, the plain RNN does not).

    PYTHONPATH=. python benchmarks/memory.py                 # speed at lags 100, 200; preset, 3 seeds
    PYTHONPATH=. python benchmarks/memory.py --speed-only    # a few seconds
    PYTHONPATH=. python benchmarks/memory.py --json          # one JSON object at the end
    PYTHONPATH=. python benchmarks/memory.py --race          # the page's default race: wall and CPU seconds

Everything runs with 1 torch thread by default (`--threads`), one run at a time. Seconds are wall
clock on a shared machine: expect them to move with its load, and read the steps too.

Run it from the repository root with `PYTHONPATH=. python benchmarks/memory.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import torch

from explainer.torch_backend import memory as mem

RNN_AT_BASELINE = 0.8  # the plain RNN "stays at the baseline": final MSE >= 0.8 x 1/6


def steps_per_second(cell: str, lag: int, ablation: str = "standard", steps: int = 30) -> float:
    """Training steps per second (forward, backward, clip, Adam) after 3 warm-up steps."""
    preset = mem.PRESETS["adding"]
    model = mem.build_model("adding", cell, preset.hidden, ablation=ablation)
    opt = torch.optim.Adam(model.parameters(), lr=preset.lr)
    gen = torch.Generator().manual_seed(0)
    t0 = 0.0
    for k in range(steps + 3):
        if k == 3:
            t0 = time.perf_counter()
        x, y = mem.adding_batch(preset.batch, lag, gen)
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x), y).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), preset.clip)
        opt.step()
    return steps / (time.perf_counter() - t0)


def race(preset: mem.MemoryConfig, seeds: list[int]) -> list[dict]:
    """The default race, as one training job runs it: wall and CPU seconds, per cell steps."""
    rows = []
    for seed in seeds:
        load = [round(v, 2) for v in os.getloadavg()]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        results = mem.train_cells(replace(preset, seed=seed))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        cells = {
            c: {
                "lr": r.config.lr,
                "steps": r.steps,
                "solved_at_step": r.solved_at_step,
                "time_capped": r.time_capped,
            }
            for c, r in results.items()
        }
        print(
            f"seed {seed}: {wall:.1f} s wall, {cpu:.1f} s CPU, load average {load} at the "
            "start; "
            + "; ".join(
                f"{c} lr {v['lr']:g} {v['steps']} steps, solved at {v['solved_at_step']}"
                + (" (time cap)" if v["time_capped"] else "")
                for c, v in cells.items()
            ),
            flush=True,
        )
        rows.append(dict(seed=seed, wall=wall, cpu=cpu, load_average=load, cells=cells))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0,1,2", help="seeds for the preset check")
    p.add_argument("--budget-seconds", type=float, help="default: the preset's budget")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--speed-only", action="store_true")
    p.add_argument(
        "--race",
        action="store_true",
        help="time the default three-cell race (train_cells with the preset, one job, as the "
        "page's training queue runs it) on each seed, and nothing else",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    preset = replace(mem.PRESETS["adding"], threads=args.threads)
    if args.budget_seconds is not None:
        preset = replace(preset, budget_seconds=args.budget_seconds)
    report: dict = {"machine": mem.machine_note(args.threads), "speed": [], "preset": None}
    if args.race:
        report["race"] = race(preset, [int(v) for v in args.seeds.split(",")])
        if args.json:
            print(json.dumps(report))
        return 0

    print(
        f"steps/s (adding, hidden {preset.hidden}, batch {preset.batch}, {args.threads} thread(s))"
    )
    print(f"{'cell':18s} {'lag 100':>8s} {'lag 200':>8s}")
    for cell, ablation in (
        ("rnn", "standard"),
        ("lstm", "standard"),
        ("gru", "standard"),
        ("lstm", "forget_one"),
    ):
        row = {"cell": cell, "ablation": ablation}
        steps = 30 if ablation == "standard" else 8  # the hand-written loop is slower
        for lag in (100, 200):
            row[f"lag_{lag}"] = steps_per_second(cell, lag, ablation, steps)
        name = cell if ablation == "standard" else f"{cell} ({ablation})"
        print(f"{name:18s} {row['lag_100']:8.1f} {row['lag_200']:8.1f}", flush=True)
        report["speed"].append(row)

    if not args.speed_only:
        seeds = [int(s) for s in args.seeds.split(",")]
        b = mem.baseline("adding")
        print(
            f"\nadding problem, preset lag {preset.lag}, hidden {preset.hidden}, lr "
            f"{', '.join(f'{c} {preset.lr_of(c):g}' for c in mem.CELLS)}, forget bias "
            f"{preset.forget_bias}, {preset.max_steps} steps per run (cap {preset.budget_seconds} s)"
        )
        print(
            f"{'cell':5s} {'seed':>4s} {'final MSE':>10s} {'solved':>6s} {'time to solve':>14s} "
            f"{'steps':>6s}"
        )
        runs = []
        for seed in seeds:
            for cell in mem.CELLS:
                r = mem.train(replace(preset, cell=cell, seed=seed))
                t = "-" if r.solved_at_seconds is None else f"{r.solved_at_seconds:.1f} s"
                print(
                    f"{cell:5s} {seed:4d} {r.final_metric:10.4f} {str(r.solved):>6s} {t:>14s} "
                    f"{r.steps:6d}",
                    flush=True,
                )
                runs.append(
                    {
                        "cell": cell,
                        "seed": seed,
                        "final_mse": r.final_metric,
                        "solved": r.solved,
                        "solved_at_seconds": r.solved_at_seconds,
                        "steps": r.steps,
                        "seconds": r.seconds,
                    }
                )
        gated_ok = all(x["solved"] for x in runs if x["cell"] != "rnn")
        rnn_flat = all(
            x["final_mse"] >= RNN_AT_BASELINE * b.value for x in runs if x["cell"] == "rnn"
        )
        for cell in mem.CELLS:
            times = [x["solved_at_seconds"] for x in runs if x["cell"] == cell]
            solved = [t for t in times if t is not None]
            worst = f", slowest {max(solved):.1f} s" if len(solved) == len(times) else ""
            print(f"{cell}: solved on {len(solved)}/{len(times)} seeds{worst}")
        print(
            f"target (gated cells solve on every seed, plain RNN MSE >= {RNN_AT_BASELINE} x "
            f"baseline {b.value:.3f}): {'met' if gated_ok and rnn_flat else 'NOT met'}"
        )
        report["preset"] = {
            "config": preset.__dict__,
            "runs": runs,
            "gated_solved_every_seed": gated_ok,
            "rnn_at_baseline": rnn_flat,
        }
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
