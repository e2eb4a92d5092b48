"""The memory lab's sweep: at which learning rate does each cell solve which lag, within a step budget?

Every (cell, lag, learning rate, seed) point trains one network from scratch with `train`, stopping
as soon as the held-out metric counts as solved or after `max_steps` training steps, with no
wall-clock budget: a loaded machine changes the seconds, never the verdict (a seed gives the same
run everywhere). Each point keeps `solved_at_step`, so the verdict for any smaller step budget N
is `solved_at_step <= N`; the page reads it that way for its race.

    python -m explainer memory --sweep --jobs 2      # the shipped sweep, `SWEEP_PATH`
    python -m explainer memory --sweep --table       # print its table again

Points are appended to `<out>.partial.jsonl` as they finish, and a rerun skips the points already
there (delete it to start over). The result records each point's own CPU seconds and the run's, so
its cost is known.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime
import json
import os
import platform
import resource
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import torch

from explainer.torch_backend.memory.models import CELLS
from explainer.torch_backend.memory.tasks import baseline
from explainer.torch_backend.memory.training import MemoryConfig, train

SWEEP_PATH = Path(__file__).resolve().parents[3] / "assets" / "memory_sweep.json"
LAGS = (10, 25, 50, 100, 200)  # the shipped grid
LRS = (1e-3, 3e-3, 1e-2)
SEEDS = (0, 1, 2)
MAX_STEPS = 2000


def load_sweep(path: str | Path = SWEEP_PATH) -> dict[str, Any] | None:
    """The shipped sweep (`run_sweep`'s JSON); None when the file is missing or is not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def sweep_config(sweep: dict[str, Any]) -> MemoryConfig:
    """The settings a sweep ran with, to rerun one of its points (fields this version does not
    know are left out; missing ones take `MemoryConfig`'s defaults)."""
    known = {f.name for f in fields(MemoryConfig)}
    saved = {k: v for k, v in sweep.get("config", {}).items() if k in known}
    if saved.get("ablation") == "none":  # sweeps before issue 15 named the plain LSTM "none"
        saved["ablation"] = "standard"
    return MemoryConfig(**saved)


def machine_note(threads: int | None) -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "threads": threads if threads is not None else torch.get_num_threads(),
        "python": platform.python_version(),
        "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()],  # others' work too
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def run_point(config: dict[str, Any]) -> dict[str, Any]:
    """Train one point (in a worker process): its verdict, steps and own CPU seconds."""
    c = MemoryConfig(**config).validate()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    r = train(c)
    metrics = [p.metric for p in r.history]
    best = (min if r.baseline.metric == "mse" else max)(metrics) if metrics else float("nan")
    return {
        "cell": c.cell,
        "lag": c.lag,
        "lr": c.lr,
        "seed": c.seed,
        "solved": r.solved,
        "solved_at_step": r.solved_at_step,
        "steps": r.steps,
        "metric": r.final_metric,
        "best_metric": best,
        "seconds": round(r.seconds, 3),
        "wall_seconds": round(time.perf_counter() - wall0, 3),
        "cpu_seconds": round(time.process_time() - cpu0, 3),
    }


def _key(p: dict[str, Any]) -> tuple:
    return (p["cell"], p["lag"], float(p["lr"]), p["seed"])


def summarise(
    points: list[dict[str, Any]],
    cells: Sequence[str],
    lags: Sequence[int],
    lrs: Sequence[float],
    seeds: Sequence[int],
    lower_is_better: bool = True,
) -> dict[str, Any]:
    """Per (cell, lag, lr): seeds solved and the steps each took; per cell and lag the best lr
    (most seeds solved, then the fewest steps on the slowest seed, then the best median final
    metric); per cell and lr the longest lag solved on every seed."""
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
                    "worst_steps": max(steps) if ps and len(steps) == len(ps) else None,
                    "median_final": finals[len(finals) // 2] if finals else None,
                }
                rows.append(row)
                table.append(row)
            done = [r for r in rows if r["seeds"]]
            if done:
                sign = 1.0 if lower_is_better else -1.0
                top = min(
                    done,
                    key=lambda r: (
                        -r["solved"],
                        r["worst_steps"] if r["worst_steps"] is not None else float("inf"),
                        sign * r["median_final"],
                    ),
                )
                best[cell][str(lag)] = top["lr"]
    return {"table": table, "best_lr": best, "longest_lag_solved_by_lr": longest}


def run_sweep(
    base: MemoryConfig,
    lags: Iterable[int] = LAGS,
    lrs: Iterable[float] = LRS,
    seeds: Iterable[int] = SEEDS,
    cells: Iterable[str] = CELLS,
    *,
    jobs: int = 1,
    partial: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every (cell, lag, lr, seed) trained once with `base`'s other settings, in `jobs` worker
    processes (one torch thread each); points already in `partial` (JSON lines) are kept, and
    new ones are appended to it as they finish. Returns the sweep (the shipped file's format)."""
    lags, lrs, seeds = sorted(set(lags)), sorted(set(lrs)), sorted(set(seeds))
    cells = [c for c in CELLS if c in set(cells)]
    base = replace(base, budget_seconds=None, lrs=None, threads=1, stop_when_solved=True)
    base = replace(base, ablation="standard").validate()
    if base.max_steps is None:
        raise ValueError("a sweep counts steps: give it a step budget (max_steps)")
    done: dict[tuple, dict[str, Any]] = {}
    if partial is not None and partial.exists():
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
    if log is not None:
        log(f"{len(todo)} points to train, {len(done)} already done")
    out = None if partial is None else partial.open("a")
    try:
        with cf.ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            for f in cf.as_completed([pool.submit(run_point, c) for c in todo]):
                q = f.result()
                done[_key(q)] = q
                if out is not None:
                    out.write(json.dumps(q) + "\n")
                    out.flush()
                if log is not None:
                    verdict = f"solved at {q['solved_at_step']}" if q["solved"] else "not solved"
                    log(
                        f"{q['cell']:4s} lag {q['lag']:3d} lr {q['lr']:g} seed {q['seed']}: "
                        f"{verdict} ({q['metric']:.4f}, {q['steps']} steps, "
                        f"{q['cpu_seconds']:.1f} CPU s)"
                    )
    finally:
        if out is not None:
            out.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    points = [done[k] for k in sorted(done) if k[0] in cells and k[1] in lags and k[2] in lrs]
    b = baseline(base.task, base.symbols)
    summary = summarise(points, cells, lags, lrs, seeds, lower_is_better=b.metric == "mse")
    by_lr = summary["longest_lag_solved_by_lr"]
    cpu = sum(q["cpu_seconds"] for q in points)
    return {
        "task": base.task,
        "metric": b.metric,
        "baseline": b.value,
        "solved_threshold": b.solved_at,
        "lags": lags,
        "lrs": lrs,
        "cells": cells,
        "seeds": seeds,
        "budget_seconds": None,
        "max_steps": base.max_steps,
        "config": {k: v for k, v in asdict(base).items() if k not in ("cell", "lag", "lr", "seed")},
        "machine": {**machine_note(1), "started": started},
        "longest_lag_solved": {
            cell: max((v for v in by_lr[cell].values() if v is not None), default=None)
            for cell in cells
        },
        "summary": summary,
        "cost": {
            "points": len(points),
            "jobs": jobs,
            "cpu_minutes": round(cpu / 60, 2),  # the points' own (resumed ones included)
            "this_run_cpu_minutes": round((children.ru_utime + children.ru_stime) / 60, 2),
            "this_run_points_cpu_minutes": round((cpu - cpu_before) / 60, 2),
            "wall_minutes": round((time.perf_counter() - t0) / 60, 2),
            "load_average_start": load0,
            "load_average_end": [round(v, 2) for v in os.getloadavg()],
        },
        "points": points,
    }


def format_table(sweep: dict[str, Any]) -> str:
    """The sweep as text: per cell and lag, seeds solved and steps to solve at each lr."""
    s, n = sweep["summary"], len(sweep["seeds"])
    c = sweep["config"]
    lines = [
        f"{sweep['task']}, hidden {c['hidden']}, batch {c['batch']}: seeds solved out of {n} "
        f"within {sweep['max_steps']} steps, and the steps each took",
        f"{'cell':5s} {'lag':>4s} "
        + " ".join(f"{'lr ' + format(lr, 'g'):>22s}" for lr in sweep["lrs"]),
    ]
    rows = {(r["cell"], r["lag"], r["lr"]): r for r in s["table"]}
    for cell in sweep["cells"]:
        for lag in sweep["lags"]:
            cols = []
            for lr in sweep["lrs"]:
                r = rows.get((cell, lag, lr))
                if r is None or not r["seeds"]:
                    cols.append(f"{'-':>22s}")
                    continue
                steps = ",".join(str(v) for v in r["steps_to_solve"]) or "-"
                cols.append(f"{r['solved']}/{r['seeds']} {steps:>18s}")
            lines.append(f"{cell:5s} {lag:4d} " + " ".join(cols))
    lines.append("best lr (cell, lag): " + json.dumps(s["best_lr"]))
    lines.append(
        "longest lag solved on every seed, per lr: " + json.dumps(s["longest_lag_solved_by_lr"])
    )
    cost = sweep.get("cost")
    if cost:
        lines.append(
            f"cost: {cost['cpu_minutes']:.1f} CPU minutes ({cost['points']} points), "
            f"{cost['wall_minutes']:.1f} min wall with {cost['jobs']} job(s), load average "
            f"{cost['load_average_start']} at the start, {cost['load_average_end']} at the end"
        )
    return "\n".join(lines)
