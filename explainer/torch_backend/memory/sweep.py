"""The longest-lag-solved sweep: every (lag, cell, seed) trained once, and where it is kept."""

from __future__ import annotations

import datetime
import json
import os
import platform
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import torch

from explainer.torch_backend.memory.models import CELLS
from explainer.torch_backend.memory.tasks import baseline
from explainer.torch_backend.memory.training import MemoryConfig, train

SWEEP_PATH = Path(__file__).resolve().parents[3] / "assets" / "memory_sweep.json"


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
    return MemoryConfig(**{k: v for k, v in sweep.get("config", {}).items() if k in known})


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


def run_sweep(
    base: MemoryConfig,
    lags: Iterable[int],
    seeds: Iterable[int],
    cells: Iterable[str] = CELLS,
    extra_seeds: dict[int, list[int]] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Longest lag solved: every (lag, cell, seed) trained once with `base`'s budget.

    `extra_seeds` maps a lag to more seeds to run there (e.g. at the preset lag). A cell's
    `longest_lag_solved` is the largest lag at which it solved the task on every seed run.
    """
    lags, seeds, cells = sorted(set(lags)), list(seeds), tuple(cells)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    extra_seeds = extra_seeds or {}
    points = []
    for lag in lags:
        for seed in seeds + [s for s in extra_seeds.get(lag, []) if s not in seeds]:
            for cell in cells:
                c = replace(
                    base,
                    cell=cell,
                    lag=lag,
                    seed=seed,
                    ablation=base.ablation if cell == "lstm" else "none",
                )
                r = train(c)
                s = r.summary()
                point = {
                    k: s[k]
                    for k in ("cell", "lag", "solved", "steps", "seconds", "solved_at_seconds")
                }
                point.update(
                    seed=seed,
                    metric=r.final_metric,
                    best_metric=min(p.metric for p in r.history)
                    if r.baseline.metric == "mse"
                    else max(p.metric for p in r.history),
                )
                points.append(point)
                if log is not None:
                    log(
                        f"lag {lag:4d} seed {seed} {cell:4s} {r.baseline.metric} "
                        f"{r.final_metric:.4f} solved={r.solved} steps={r.steps} "
                        f"{r.seconds:.1f}s"
                    )
    longest: dict[str, int | None] = {}
    for cell in cells:
        ok = [
            lag
            for lag in lags
            if all(p["solved"] for p in points if p["cell"] == cell and p["lag"] == lag)
        ]
        longest[cell] = max(ok) if ok else None
    b = baseline(base.task, base.symbols)
    return {
        "task": base.task,
        "metric": b.metric,
        "baseline": b.value,
        "solved_threshold": b.solved_at,
        "lags": lags,
        "cells": list(cells),
        "seeds": seeds,
        "extra_seeds": {str(k): v for k, v in extra_seeds.items()},
        "budget_seconds": base.budget_seconds,
        "max_steps": base.max_steps,
        "config": asdict(base),
        "machine": {**machine_note(base.threads), "started": started},
        "longest_lag_solved": longest,
        "points": points,
    }
