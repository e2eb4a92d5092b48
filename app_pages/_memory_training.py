"""The memory lab's trainings (`app_pages/memory.py`): the `MemoryRun` record a job writes, the job,
following it live (progress, curves, Stop), and the summary, table and verdict of a settled run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from explainer import i18n, live, ui
from explainer.cells import CELL_NAMES
from explainer.figures.memory import (
    training_curves_figure,
)
from explainer.torch_backend import memory as mem

MAX_BUDGET_S = 60  # per network: one click never trains for more than 4 x 60 s
MAX_STEPS = 5000
IDLE_S = 10.0  # a training whose page nobody has shown for this long stops (the student left)

tr = ui.translator(i18n.PAGES["memory"])


# --- live training (explainer.live: a worker thread trains, this script run follows it) --------
@dataclass
class MemoryRun:
    """One click's training, written by its job: the settings, per run name (a cell or an
    ablation) its history rows (step, seconds, train_loss, metric), whether it finished, its
    fraction of the budget used, its learning rate, whether the time cap (not the step budget)
    ended it and (once the backend returned) its model."""

    config: dict[str, Any]
    rows: dict[str, list[tuple[int, float, float, float]]]
    done: dict[str, bool]
    fractions: dict[str, float]
    lrs: dict[str, float] = field(default_factory=dict)
    capped: dict[str, bool] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    point: tuple | None = None  # a rerun sweep point (sweep, cell, lag, seed, lr), until added

    @classmethod
    def new(cls, config: mem.MemoryConfig, names: tuple[str, ...]) -> MemoryRun:
        """`names`: cells, or LSTM ablations (which train at the LSTM's learning rate)."""
        return cls(
            config=dataclasses.asdict(config),
            rows={n: [] for n in names},
            done={n: False for n in names},
            fractions={n: 0.0 for n in names},
            lrs={n: config.lr_of(n if n in mem.CELLS else "lstm") for n in names},
            capped={n: False for n in names},
        )


Board = live.Board[MemoryRun]


STATE_KEYS = {  # mem.outcome's states -> this page's sentences
    "solved": "state_solved",
    "flat": "state_flat",
    "part": "state_part",
    "not_solved": "state_not",
}


def metric_text(metric: str, value: float) -> str:
    return f"{value:.4f}" if metric == "mse" else f"{value:.1%}"


def trainer(jobs: list[tuple[str, mem.MemoryConfig]]) -> Callable[[Board], None]:
    """The job that trains every `(name, config)` in turn (`name` "cells" trains the three cells
    interleaved) into its board's record, in a worker thread."""

    def job(board: Board) -> None:
        run = board.record

        def update(progress: mem.Progress, name: str) -> None:
            with board.lock:
                run.rows[name].append(
                    (progress.step, progress.seconds, progress.train_loss, progress.metric)
                )
                run.done[name] = progress.done
                run.fractions[name] = progress.fraction
                run.capped[name] = progress.time_capped
            board.report(float(np.mean(list(run.fractions.values()))))

        def should_stop() -> bool:
            return board.stopping

        for name, config in jobs:
            if board.stopping:
                break
            if name == "cells":
                results = mem.train_cells(
                    config, mem.CELLS, lambda p: update(p, p.cell), should_stop
                )
            else:
                results = {name: mem.train(config, lambda p, n=name: update(p, n), should_stop)}
            with board.lock:
                for n, r in results.items():
                    run.models[n] = r.model
                    run.done[n] = True

    return job


def _rows(board: Board) -> dict[str, list[tuple[int, float, float, float]]]:
    """The history rows so far (a copy: the job may be appending)."""
    with board.lock:
        return {n: list(r) for n, r in board.record.rows.items()}


def follow(board: Board | None, labels: dict[str, str], x: str, stop_where: Any) -> Board | None:
    """`board` drawn live (progress bar and curves) until it settles, if it is still training."""
    if board is None or not board.active:
        return board
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])

    def draw(board: Board, key: str) -> None:
        rows = _rows(board)
        text = " · ".join(
            tr(
                "progress",
                name=labels[n],
                step=r[-1][0],
                metric=tr(f"metric_{b.metric}"),
                value=metric_text(b.metric, r[-1][3]),
                seconds=f"{r[-1][1]:.0f}",
            )
            for n, r in rows.items()
            if r
        )
        st.progress(board.fraction, text=text)
        st.plotly_chart(
            curves(board, labels, x, live=True, rows=rows),
            width="stretch",
            key=f"memory_live_{key}",
        )

    return ui.follow(board, draw, stop_where=stop_where, every=0.4)


def curves(
    board: Board, labels: dict[str, str], x: str, live: bool = False, rows: dict | None = None
) -> Any:
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    rows = rows or board.record.rows
    names = _legend(board, labels, rows, live)
    return training_curves_figure(
        {names[n]: r for n, r in rows.items() if r},
        metric=b.metric,
        baseline=b.value,
        solved_threshold=b.solved_at,
        task=c["task"],
        lag=c["lag"],
        x=x,
        stopped=board.stopped and not live,
        **ui.fig_kw(),
    )


def _legend(
    board: Board, labels: dict[str, str], rows: dict[str, list], live: bool
) -> dict[str, str]:
    """Each run's legend entry: its name, learning rate and, once it has finished, whether it
    solved the task within the step budget (or the time cap ended it first)."""
    run, steps = board.record, board.record.config["max_steps"]
    s = summary(board, rows)
    out = {}
    for n in rows:
        lr = f"{run.lrs.get(n, run.config['lr']):g}"
        v = s.get(n)
        if v is None or (live and not run.done.get(n)) or steps is None:
            out[n] = tr("leg_live", name=labels[n], lr=lr, steps=steps or "—")
        elif v["solved"]:
            out[n] = tr("leg_solved", name=labels[n], lr=lr, step=v["when_step"])
        elif run.capped.get(n):
            out[n] = tr("leg_capped", name=labels[n], lr=lr, done=int(v["steps"]))
        else:
            out[n] = tr("leg_not", name=labels[n], lr=lr, steps=steps)
    return out


def summary(board: Board, rows: dict[str, list] | None = None) -> dict[str, dict[str, Any]]:
    """Per run: final metric, solved, steps, seconds, the step and seconds when first solved
    (from the rows)."""
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    out = {}
    for n, rs in (rows or board.record.rows).items():
        if not rs:
            continue
        step, seconds, _, final = rs[-1]
        first = next((r for r in rs if b.is_solved(r[3])), None)
        out[n] = dict(
            final=final,
            solved=b.is_solved(final),
            steps=step,
            seconds=seconds,
            when=None if first is None else first[1],
            when_step=None if first is None else int(first[0]),
        )
    return out


def table(board: Board, labels: dict[str, str]) -> None:
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    s = summary(board)
    metric = tr(f"metric_{b.metric}")
    st.dataframe(
        {
            tr("col_net"): [labels[n] for n in s],
            tr("col_lr"): [f"{board.record.lrs.get(n, c['lr']):g}" for n in s],
            tr("col_final", metric=metric): [metric_text(b.metric, v["final"]) for v in s.values()],
            tr("col_baseline"): [metric_text(b.metric, b.value)] * len(s),
            tr("col_solved"): [tr("yes") if v["solved"] else tr("no") for v in s.values()],
            tr("col_steps"): [int(v["steps"]) for v in s.values()],
            tr("col_seconds"): [f"{v['seconds']:.1f}" for v in s.values()],
            tr("col_when"): ["—" if v["when"] is None else f"{v['when']:.1f}" for v in s.values()],
        },
        hide_index=True,
    )


def verdict(board: Board) -> tuple[bool, str]:
    """What happened, in one or two plain sentences, including when it went against the lesson
    (the plain RNN solved it, or a gated cell did not): `mem.outcome`'s states, translated."""
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    s = summary(board)
    o = mem.outcome({n: v["final"] for n, v in s.items()}, b)
    metric = tr(f"metric_{b.metric}")
    parts = [
        tr(
            STATE_KEYS[state],
            name=ui.t(f"cell_{n}"),
            metric=metric,
            value=metric_text(b.metric, o.finals[n]),
        )
        for n, state in o.states.items()
    ]
    if board.stopped:  # an unfinished run is no verdict on the lesson
        return True, tr("so_far", parts=tr("joiner").join(parts))
    text = tr("as_lesson" if o.as_expected else "against", parts=tr("joiner").join(parts))
    if o.states.get("rnn") == "solved":
        text += " " + tr("rnn_solved")
    failed = [ui.t(f"cell_{n}") for n in ("lstm", "gru") if o.states.get(n) == "not_solved"]
    if failed:
        text += " " + tr("gated_failed", names=tr("and").join(failed), steps=c["max_steps"])
    capped = [CELL_NAMES.get(n, n) for n in s if board.record.capped.get(n)]
    if capped:
        text += " " + tr(
            "capped",
            names=tr("and").join(capped),
            budget=f"{c['budget_seconds']:g}",
            steps=c["max_steps"],
        )
    return o.as_expected, text


def config_diff(board: Board, config: mem.MemoryConfig) -> str:
    old, new = board.record.config, dataclasses.asdict(config)
    return ", ".join(
        f"{k} {old[k]}"
        for k in new
        if k not in ("cell", "ablation", "threads") and old.get(k) != new[k]
    )
