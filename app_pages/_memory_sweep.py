"""The memory lab's shipped sweep (`app_pages/memory.py`): the longest lag each cell solved, and
rerunning one of its points live, drawn as a star on the sweep chart."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages._memory_training import (
    IDLE_S,
    MAX_BUDGET_S,
    Board,
    MemoryRun,
    follow,
    metric_text,
    summary,
    trainer,
)
from explainer import i18n, ui
from explainer.cells import CELL_NAMES
from explainer.figures.memory import (
    sweep_figure,
)
from explainer.torch_backend import memory as mem

tr = ui.translator(i18n.PAGES["memory"])


# --- the shipped sweep -------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def _load_sweep(path: str, mtime: float) -> dict[str, Any] | None:
    """`mem.load_sweep`, read again when the file changes."""
    return mem.load_sweep(path)


def _sweep() -> dict[str, Any] | None:
    path = Path(mem.SWEEP_PATH)
    try:
        return _load_sweep(str(path), path.stat().st_mtime)
    except OSError:
        return None


# the settings a sweep point shares with a race; the lag, steps and learning rates are checked apart
SHARED = ("task", "hidden", "batch", "clip", "forget_bias", "eval_every", "eval_batch")


def _sweep_config(sweep: dict[str, Any]) -> mem.MemoryConfig:
    c = mem.sweep_config(sweep)
    return dataclasses.replace(c, budget_seconds=float(MAX_BUDGET_S), lrs=None, threads=1)


def _within(sweep: dict[str, Any], cell: str, lag: int, lr: float, steps: int) -> list[int | None]:
    """Per seed of the sweep, the step at which `cell` solved `lag` at `lr`, if within `steps`."""
    out = []
    for seed in sweep["seeds"]:
        p = next(
            (
                q
                for q in sweep["points"]
                if (q["cell"], q["lag"], q["lr"], q["seed"]) == (cell, lag, lr, seed)
            ),
            None,
        )
        at = None if p is None else p.get("solved_at_step")
        out.append(at if at is not None and at <= steps else None)
    return out


def _sweep_differs(sweep: dict[str, Any], config: mem.MemoryConfig) -> str:
    """What keeps the sweep from predicting a race with `config` ("" when nothing does)."""
    c = sweep.get("config", {})
    what = [
        f"{k} {getattr(config, k)} ≠ {c.get(k)}" for k in SHARED if c.get(k) != getattr(config, k)
    ]
    if config.lag not in sweep.get("lags", []):
        what.append(f"lag {config.lag} ∉ {{{', '.join(map(str, sweep.get('lags', [])))}}}")
    if config.max_steps is None or config.max_steps > sweep.get("max_steps", 0):
        what.append(f"steps {config.max_steps} > {sweep.get('max_steps')}")
    lrs = sweep.get("lrs", [])
    what += [f"lr {config.lr_of(n):g} ∉ {lrs}" for n in mem.CELLS if config.lr_of(n) not in lrs]
    return ", ".join(what)


def show_findings(config: mem.MemoryConfig) -> None:
    """The sweep's findings for this race's settings, beside its chart: per network and learning
    rate, the seeds solved within the race's steps (and at which step), the best learning rate at
    this lag and the longest lag solved on every seed."""
    st.markdown("**" + tr("find_title") + "**")
    sweep = _sweep()
    if sweep is None or "lrs" not in sweep:
        st.caption(tr("sweep_missing"))
        return
    differs = _sweep_differs(sweep, config)
    if differs:
        st.caption(tr("find_other", what=differs))
        return
    n, steps, lag = len(sweep["seeds"]), int(config.max_steps), config.lag
    st.caption(tr("find_head", lag=lag, hidden=config.hidden, batch=config.batch, n=n, steps=steps))
    best, longest = [], []
    for cell in mem.CELLS:  # one line per network: it wraps in a narrow column, on a projector too
        parts = []
        for lr in sweep["lrs"]:
            at = _within(sweep, cell, lag, lr, steps)
            k = sum(a is not None for a in at)
            shown = ", ".join("—" if a is None else str(a) for a in at)
            seeds = tr("find_cell", k=k, n=n, steps=shown) if k else tr("find_none", k=k, n=n)
            parts.append(tr("find_lr", lr=f"{lr:g}", seeds=seeds))
        st.markdown(
            tr(
                "find_row",
                name=CELL_NAMES[cell],
                lr=f"{config.lr_of(cell):g}",
                parts=" · ".join(parts),
            )
        )
    for cell in mem.CELLS:
        scored = []
        for lr in sweep["lrs"]:
            at = _within(sweep, cell, lag, lr, steps)
            if all(a is not None for a in at):
                scored.append((max(at), lr))
        best.append(
            f"{CELL_NAMES[cell]} {min(scored)[1]:g}"
            if scored
            else tr("find_no_lr", name=CELL_NAMES[cell])
        )
        reach = []  # (lag, -steps on the slowest seed, lr): the longest lag, then the fewest steps
        for lr in sweep["lrs"]:
            for lg in sweep["lags"]:
                at = _within(sweep, cell, lg, lr, steps)
                if all(a is not None for a in at):
                    reach.append((lg, -max(at), lr))
        if reach:
            lg, _, lr = max(reach)
            longest.append(f"{CELL_NAMES[cell]} {lg} (lr {lr:g})")
        else:
            longest.append(f"{CELL_NAMES[cell]} {tr('nobody')}")
    st.caption(
        tr(
            "find_best",
            lag=lag,
            parts=tr("joiner").join(best),
            steps=steps,
            longest=tr("joiner").join(longest),
        )
    )


def _add_point(board: Board | None) -> bool:
    """A settled rerun's point joins the session's live points (once); True if it did."""
    if board is None or not board.settled or board.record.point is None:
        return False
    ident, cell, lag, seed, lr = board.record.point
    board.record.point = None
    s = summary(board).get(cell)
    if s is None:
        return False
    points = [
        p
        for p in st.session_state.get("_mem_live_points", [])
        if (p["sweep"], p["cell"], p["lag"], p["seed"], p["lr"]) != (ident, cell, lag, seed, lr)
    ]
    points.append(
        dict(
            sweep=ident,
            cell=cell,
            lag=lag,
            seed=seed,
            lr=lr,
            metric=s["final"],
            solved=s["solved"],
            steps=int(s["steps"]),
            seconds=s["seconds"],
        )
    )
    st.session_state["_mem_live_points"] = points
    return True


def show_sweep_preview() -> bool:
    """Before any race: the shipped sweep's chart where the live chart will be, so that the first
    screen shows the lesson's answer (each network's best learning rate; the section below has
    the choices). False where there is no sweep to show."""
    sweep = _sweep()
    if sweep is None or "lrs" not in sweep:
        return False
    st.info(tr("none_yet_sweep"))
    ui.plot(sweep_figure(sweep, lr=None, **ui.fig_kw()), "memory_sweep_preview")
    return True


def show_sweep() -> None:
    st.subheader(tr("sweep"))
    sweep = _sweep()
    if sweep is None or "lrs" not in sweep:
        st.info(tr("sweep_missing"))
        return
    st.write(tr("sweep_text", steps=sweep["max_steps"]))
    options = ["best", *[f"{v:g}" for v in sweep["lrs"]]]
    shown = ui.bound(
        st.selectbox,
        tr("sweep_which"),
        "mem_sweep_lr",
        options=options,
        format_func=lambda o: tr("sweep_best") if o == "best" else o,
    )
    lr = None if shown == "best" else float(shown)
    _add_point(st.session_state.get("_mem_rerun_board"))  # a rerun point, once it has ended
    ident = str(sweep.get("machine", {}).get("date"))  # the same in both languages
    stars = [
        p
        for p in st.session_state.get("_mem_live_points", [])
        if p["sweep"] == ident and (lr is None or p["lr"] == lr)
    ]
    ui.plot(sweep_figure(sweep, lr=lr, live=stars, **ui.fig_kw()), "memory_sweep")
    _sweep_note(sweep)
    _rerun(sweep, ident, stars, lr)


def _sweep_note(sweep: dict[str, Any]) -> None:
    """Where and how the sweep was measured: machine, grid, budget, settings and its cost."""
    m, cfg, cost = sweep.get("machine", {}), sweep.get("config", {}), sweep.get("cost", {})
    st.caption(
        tr(
            "sweep_note",
            cpus=m.get("cpu_count", "?"),
            torch=m.get("torch", "?"),
            threads=m.get("threads", "?"),
            date=str(m.get("date", "?"))[:10],
            points=len(sweep["points"]),
            lags=", ".join(map(str, sweep["lags"])),
            lrs=", ".join(f"{v:g}" for v in sweep["lrs"]),
            seeds=", ".join(map(str, sweep["seeds"])),
            steps=sweep["max_steps"],
            hidden=cfg.get("hidden"),
            batch=cfg.get("batch"),
            clip=cfg.get("clip"),
            fbias=cfg.get("forget_bias"),
            cpu=f"{cost.get('cpu_minutes', float('nan')):.0f}",
            command=sweep.get("command", "python -m explainer memory --sweep"),
        )
    )


def _rerun(
    sweep: dict[str, Any], ident: str, stars: list[dict[str, Any]], lr: float | None
) -> None:
    """Rerun one point of the sweep live (a lag, a cell, a learning rate, a seed); each rerun
    point is listed."""
    config = _sweep_config(sweep)
    with st.expander(tr("rerun"), expanded=False):
        c1, c2, c3, c4 = st.columns(4)
        lag = c1.selectbox(tr("rerun_lag"), options=sweep["lags"], key="mem_rerun_lag")
        cell = c2.selectbox(
            tr("rerun_cell"),
            options=[c for c in sweep["cells"] if c in CELL_NAMES],
            format_func=CELL_NAMES.get,
            key="mem_rerun_cell",
        )
        rerun_lr = c3.selectbox(
            tr("rerun_lr"),
            options=sweep["lrs"],
            index=sweep["lrs"].index(lr) if lr in sweep["lrs"] else 0,
            format_func=lambda v: f"{v:g}",
            key="mem_rerun_lr",
        )
        seed = c4.number_input(
            tr("rerun_seed"), min_value=0, max_value=9999, value=0, key="mem_rerun_seed"
        )
        st.caption(tr("rerun_eta", steps=config.max_steps, budget=f"{config.budget_seconds:g}"))
        go_col, stop_col, _ = st.columns([2, 1, 3])
        area = st.empty()
        if go_col.button(tr("rerun_go"), key="mem_rerun_go", type="primary"):
            job = dataclasses.replace(
                config, cell=cell, lag=int(lag), seed=int(seed), lr=float(rerun_lr)
            )
            run = MemoryRun.new(job, (cell,))
            run.point = (ident, cell, int(lag), int(seed), float(rerun_lr))
            ui.train_live(
                "_mem_rerun_board",
                trainer([(cell, job)]),
                run,
                label="memory point",
                idle_after=IDLE_S,
            )
        board = st.session_state.get("_mem_rerun_board")
        if board is not None and board.active:
            with area.container():
                follow(board, CELL_NAMES, "step", stop_col)
            if _add_point(board):
                st.rerun()  # redraw the sweep chart with the star
        for p in stars:
            st.write(
                tr(
                    "rerun_done",
                    name=CELL_NAMES[p["cell"]],
                    lag=p["lag"],
                    seed=p["seed"],
                    metric=tr(f"metric_{sweep['metric']}"),
                    value=metric_text(sweep["metric"], p["metric"]),
                    steps=p["steps"],
                    seconds=f"{p['seconds']:.1f}",
                    solved=tr("solved_word" if p["solved"] else "unsolved_word"),
                )
            )
