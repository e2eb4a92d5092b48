"""Memory lab sweep: at which learning rate does each cell solve which lag, within a step budget?

Every (cell, lag, learning rate, seed) point trains one network from scratch on the adding
problem with `explainer.torch_backend.memory.train`, stopping as soon as the held-out MSE is
below 0.01 or after `--max-steps` training steps (no wall-clock budget: a loaded machine changes
the seconds, never the verdict; a seed gives the same run everywhere). Each point's record has
`solved_at_step`, so the verdict for any smaller step budget N is `solved_at_step <= N`.

    nice -n 5 python benchmarks/memory_sweep.py --jobs 2            # the shipped sweep
    python benchmarks/memory_sweep.py --table                       # print its table again
    python benchmarks/memory_sweep.py --lags 10 --lrs 0.01 --seeds 0 --max-steps 50 \
        --out /tmp/tiny.json                                        # a few seconds

The shipped sweep is `assets/memory_sweep.json`, which the memory page draws. Points are
appended to `<out>.partial.jsonl` as they finish, and a rerun skips the points already there
(delete it to start over). The file records each point's own CPU seconds and the whole run's
CPU seconds (all worker processes), so its cost is known.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime
import json
import os
import resource
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explainer.torch_backend import memory as mem  # noqa: E402

LAGS = (10, 25, 50, 100, 200)
LRS = (1e-3, 3e-3, 1e-2)
SEEDS = (0, 1, 2)
MAX_STEPS = 2000
HIDDEN, BATCH = 32, 64


def base_config(args: argparse.Namespace) -> mem.MemoryConfig:
    """The settings every point shares: the adding preset with the sweep's size and step budget."""
    return replace(
        mem.PRESETS["adding"],
        hidden=args.hidden,
        batch=args.batch,
        max_steps=args.max_steps,
        budget_seconds=None,
        stop_when_solved=True,
        ablation="none",
        threads=1,
    ).validate()


def run_point(config: dict[str, Any]) -> dict[str, Any]:
    """Train one point (in a worker process); its verdict, steps and own CPU seconds."""
    c = mem.MemoryConfig(**config).validate()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    r = mem.train(c)
    metrics = [p.metric for p in r.history]
    return {
        "cell": c.cell,
        "lag": c.lag,
        "lr": c.lr,
        "seed": c.seed,
        "solved": r.solved,
        "solved_at_step": r.solved_at_step,
        "steps": r.steps,
        "metric": r.final_metric,
        "best_metric": min(metrics) if metrics else float("nan"),
        "seconds": round(r.seconds, 3),
        "wall_seconds": round(time.perf_counter() - wall0, 3),
        "cpu_seconds": round(time.process_time() - cpu0, 3),
    }


def _key(p: dict[str, Any]) -> tuple:
    return (p["cell"], p["lag"], float(p["lr"]), p["seed"])


def summarise(points: list[dict[str, Any]], cells, lags, lrs, seeds) -> dict[str, Any]:
    """Per (cell, lag, lr): seeds solved and steps to solve; per cell and lag the best lr (most
    seeds solved, then the fewest steps, then the lowest median final MSE); per cell and lr the
    longest lag solved on every seed."""
    by = {_key(p): p for p in points}
    table, best, longest = [], {}, {}
    for cell in cells:
        best[cell], longest[cell] = {}, {}
        for lr in lrs:
            ok = [
                lag
                for lag in lags
                if all(by.get((cell, lag, lr, s), {}).get("solved") for s in seeds)
            ]
            longest[cell][f"{lr:g}"] = max(ok) if ok else None
        for lag in lags:
            rows = []
            for lr in lrs:
                ps = [by[(cell, lag, lr, s)] for s in seeds if (cell, lag, lr, s) in by]
                steps = [p["solved_at_step"] for p in ps if p["solved"]]
                finals = sorted(p["metric"] for p in ps)
                row = {
                    "cell": cell,
                    "lag": lag,
                    "lr": lr,
                    "seeds": len(ps),
                    "solved": len(steps),
                    "steps_to_solve": steps,
                    "worst_steps": max(steps) if len(steps) == len(ps) and ps else None,
                    "median_final": finals[len(finals) // 2] if finals else None,
                }
                rows.append(row)
                table.append(row)
            done = [r for r in rows if r["seeds"]]
            if done:
                top = min(
                    done,
                    key=lambda r: (
                        -r["solved"],
                        r["worst_steps"] if r["worst_steps"] is not None else float("inf"),
                        r["median_final"],
                    ),
                )
                best[cell][str(lag)] = top["lr"]
    return {"table": table, "best_lr": best, "longest_lag_solved_by_lr": longest}


def print_table(sweep: dict[str, Any]) -> None:
    s = sweep["summary"]
    n = sweep["max_steps"]
    print(f"adding problem, hidden {sweep['config']['hidden']}, batch {sweep['config']['batch']},")
    print(f"within {n} steps; cell: seeds solved / {len(sweep['seeds'])}, steps to solve")
    print(
        f"{'cell':5s} {'lag':>4s} "
        + " ".join(f"{'lr ' + format(lr, 'g'):>22s}" for lr in sweep["lrs"])
    )
    for cell in sweep["cells"]:
        for lag in sweep["lags"]:
            cols = []
            for lr in sweep["lrs"]:
                row = next(
                    (r for r in s["table"] if (r["cell"], r["lag"], r["lr"]) == (cell, lag, lr)),
                    None,
                )
                if row is None or not row["seeds"]:
                    cols.append(f"{'-':>22s}")
                    continue
                steps = ",".join(str(v) for v in row["steps_to_solve"]) or "-"
                cols.append(f"{row['solved']}/{row['seeds']} {steps:>18s}")
            print(f"{cell:5s} {lag:4d} " + " ".join(cols))
    print("best lr (cell, lag):", json.dumps(s["best_lr"]))
    print("longest lag solved on every seed, per lr:", json.dumps(s["longest_lag_solved_by_lr"]))
    cost = sweep.get("cost", {})
    if cost:
        print(
            f"cost: {cost['cpu_minutes']:.1f} CPU minutes ({cost['points']} points), "
            f"{cost['wall_minutes']:.1f} min wall with {cost['jobs']} job(s), "
            f"load average {cost['load_average_start']} at the start, "
            f"{cost['load_average_end']} at the end"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a = p.add_argument
    a("--lags", default=",".join(map(str, LAGS)), help="adding: sequence lengths T")
    a("--lrs", default=",".join(f"{v:g}" for v in LRS), help="Adam learning rates")
    a("--seeds", default=",".join(map(str, SEEDS)))
    a("--cells", default=",".join(mem.CELLS))
    a("--max-steps", type=int, default=MAX_STEPS, help="step budget per point")
    a("--hidden", type=int, default=HIDDEN)
    a("--batch", type=int, default=BATCH)
    a("--jobs", type=int, default=1, help="worker processes (one torch thread each)")
    a("--out", type=Path, default=mem.SWEEP_PATH)
    a("--table", action="store_true", help="print the table of --out and exit")
    args = p.parse_args(argv)
    if args.table:
        print_table(json.loads(args.out.read_text()))
        return 0
    lags = sorted({int(v) for v in args.lags.split(",")})
    lrs = sorted({float(v) for v in args.lrs.split(",")})
    seeds = sorted({int(v) for v in args.seeds.split(",")})
    cells = [c for c in mem.CELLS if c in args.cells.split(",")]
    base = base_config(args)
    partial = args.out.with_name(args.out.name + ".partial.jsonl")
    done = {}
    if partial.exists():
        for line in partial.read_text().splitlines():
            if line.strip():
                q = json.loads(line)
                done[_key(q)] = q
    todo = [
        asdict(replace(base, cell=cell, lag=lag, lr=lr, seed=seed))
        for lag in sorted(lags, reverse=True)  # the long (slow) points first, for balance
        for cell in ("gru", "lstm", "rnn")
        if cell in cells
        for lr in lrs
        for seed in seeds
        if (cell, lag, lr, seed) not in done
    ]
    load0 = [round(v, 2) for v in os.getloadavg()]
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    cpu_before = sum(q["cpu_seconds"] for q in done.values())
    print(f"{len(todo)} points to train, {len(done)} already in {partial}", file=sys.stderr)
    partial.parent.mkdir(parents=True, exist_ok=True)
    with cf.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool, partial.open("a") as log:
        futures = [pool.submit(run_point, c) for c in todo]
        for f in cf.as_completed(futures):
            q = f.result()
            done[_key(q)] = q
            log.write(json.dumps(q) + "\n")
            log.flush()
            print(
                f"{q['cell']:4s} lag {q['lag']:3d} lr {q['lr']:g} seed {q['seed']}: "
                f"{'solved at ' + str(q['solved_at_step']) if q['solved'] else 'not solved'} "
                f"(MSE {q['metric']:.4f}, {q['steps']} steps, {q['cpu_seconds']:.1f} CPU s)",
                file=sys.stderr,
                flush=True,
            )
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    points = [done[k] for k in sorted(done) if k[0] in cells and k[1] in lags]
    b = mem.baseline("adding")
    summary = summarise(points, cells, lags, lrs, seeds)
    sweep = {
        "task": "adding",
        "metric": b.metric,
        "baseline": b.value,
        "solved_threshold": b.solved_at,
        "lags": lags,
        "lrs": lrs,
        "cells": cells,
        "seeds": seeds,
        "budget_seconds": None,
        "max_steps": args.max_steps,
        "config": {k: v for k, v in asdict(base).items() if k not in ("cell", "lag", "lr", "seed")},
        "machine": {**mem.machine_note(1), "started": started},
        "longest_lag_solved": {
            cell: max(
                (v for v in summary["longest_lag_solved_by_lr"][cell].values() if v), default=None
            )
            for cell in cells
        },
        "summary": summary,
        "cost": {
            "points": len(points),
            "jobs": args.jobs,
            # the points' own CPU seconds (those resumed from the partial file included)
            "cpu_minutes": round(sum(q["cpu_seconds"] for q in points) / 60, 2),
            # this run's worker processes, all they did (imports and evaluations included)
            "this_run_cpu_minutes": round((children.ru_utime + children.ru_stime) / 60, 2),
            "this_run_points_cpu_minutes": round(
                (sum(q["cpu_seconds"] for q in points) - cpu_before) / 60, 2
            ),
            "wall_minutes": round((time.perf_counter() - t0) / 60, 2),
            "load_average_start": load0,
            "load_average_end": [round(v, 2) for v in os.getloadavg()],
        },
        "command": "python benchmarks/memory_sweep.py " + " ".join(argv or sys.argv[1:]),
        "points": points,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(sweep, indent=1) + "\n")
    print_table(sweep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
