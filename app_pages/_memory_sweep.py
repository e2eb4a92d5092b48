"""The memory lab's shipped sweep (`app_pages/memory.py`): the longest lag each cell solved, and
rerunning one of its points live, drawn as a star on the sweep chart."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages._memory_training import (
    IDLE_S,
    MAX_BUDGET_S,
    NAMES,
    Board,
    MemoryRun,
    _follow,
    _metric_text,
    _summary,
    _trainer,
)
from explainer import i18n, ui
from explainer.figures.memory import (
    sweep_figure,
)
from explainer.torch_backend import memory as mem

tr = ui.translator(i18n.PAGES["memory"])


# --- the shipped sweep -------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def _load_sweeps(path: str, mtime: float) -> list[dict[str, Any]]:
    """The sweep file's main sweep and its `extra_sweeps` (re-read when the file changes)."""
    main = json.loads(Path(path).read_text())
    return [main, *main.get("extra_sweeps", [])]


def _sweeps() -> list[dict[str, Any]]:
    path = Path(mem.SWEEP_PATH)
    try:
        return _load_sweeps(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        return []


def _sweep_config(sweep: dict[str, Any]) -> mem.MemoryConfig:
    known = {f.name for f in dataclasses.fields(mem.MemoryConfig)}
    c = mem.MemoryConfig(**{k: v for k, v in sweep.get("config", {}).items() if k in known})
    budget = min(c.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S)
    return dataclasses.replace(c, budget_seconds=budget, threads=1)


def _add_point(board: Board | None) -> bool:
    """A settled rerun's point joins the session's live points (once); True if it did."""
    if board is None or not board.settled or board.record.point is None:
        return False
    ident, cell, lag, seed = board.record.point
    board.record.point = None
    s = _summary(board).get(cell)
    if s is None:
        return False
    points = [
        p
        for p in st.session_state.get("_mem_live_points", [])
        if (p["sweep"], p["cell"], p["lag"], p["seed"]) != (ident, cell, lag, seed)
    ]
    points.append(
        dict(
            sweep=ident,
            cell=cell,
            lag=lag,
            seed=seed,
            metric=s["final"],
            solved=s["solved"],
            steps=int(s["steps"]),
            seconds=s["seconds"],
        )
    )
    st.session_state["_mem_live_points"] = points
    return True


def _show_sweep() -> None:
    st.subheader(tr("sweep"))
    sweeps = _sweeps()
    if not sweeps:
        st.info(tr("sweep_missing"))
        return
    st.write(tr("sweep_text"))

    def label(j: int) -> str:
        s = sweeps[j]
        return tr(
            "sweep_label",
            task=tr(f"task_{s['task']}"),
            lr=f"{s['config']['lr']:g}",
            budget=f"{s['budget_seconds']:g}" if s.get("budget_seconds") else "—",
            seeds=", ".join(str(v) for v in s.get("seeds", [])),
        )

    j = 0
    if len(sweeps) > 1:
        j = int(
            ui.bound(
                st.selectbox,
                tr("sweep_which"),
                "mem_sweep",
                options=[str(i) for i in range(len(sweeps))],
                format_func=lambda i: label(int(i)),
            )
        )
    sweep = sweeps[j]
    _add_point(st.session_state.get("_mem_rerun_board"))  # a rerun point, once it has ended
    ident = f"{j}:{sweep.get('machine', {}).get('date')}"  # the same in both languages
    stars = [p for p in st.session_state.get("_mem_live_points", []) if p["sweep"] == ident]
    ui.plot(sweep_figure(sweep, live=stars, **ui.fig_kw()), "memory_sweep")
    _sweep_note(sweep)
    _rerun(sweep, ident, stars)


def _sweep_note(sweep: dict[str, Any]) -> None:
    """Where and how the sweep was measured: machine, seeds, budget, settings."""
    m, cfg = sweep.get("machine", {}), sweep.get("config", {})
    machine = (
        f"{m.get('cpu_count', '?')} CPUs, torch {m.get('torch', '?')}, "
        f"{m.get('threads', '?')} thread(s), {m.get('date', '?')[:10]}"
    )
    seeds = ", ".join(str(v) for v in sweep.get("seeds", []))
    extra = sweep.get("extra_seeds") or {}
    if extra:
        seeds += "; " + "; ".join(f"lag {k}: {', '.join(map(str, v))}" for k, v in extra.items())
    budget = (f"{sweep['budget_seconds']:g} s" if sweep.get("budget_seconds") else "") + (
        f" / {sweep['max_steps']} steps" if sweep.get("max_steps") else ""
    )
    st.caption(
        tr(
            "sweep_note",
            machine=machine,
            seeds=seeds,
            budget=budget,
            hidden=cfg.get("hidden"),
            batch=cfg.get("batch"),
            lr=cfg.get("lr"),
            clip=cfg.get("clip"),
            fbias=cfg.get("forget_bias"),
            note=sweep.get("note", ""),
        )
    )


def _rerun(sweep: dict[str, Any], ident: str, stars: list[dict[str, Any]]) -> None:
    """Rerun one point of the sweep live (a lag, a cell, a seed); each rerun point is listed."""
    config = _sweep_config(sweep)
    with st.expander(tr("rerun"), expanded=False):
        c1, c2, c3 = st.columns(3)
        lag = c1.selectbox(tr("rerun_lag"), options=sweep["lags"], key="mem_rerun_lag")
        cell = c2.selectbox(
            tr("rerun_cell"),
            options=[c for c in sweep["cells"] if c in NAMES],
            format_func=NAMES.get,
            key="mem_rerun_cell",
        )
        seed = c3.number_input(
            tr("rerun_seed"), min_value=0, max_value=9999, value=0, key="mem_rerun_seed"
        )
        st.caption(tr("rerun_eta", budget=f"{config.budget_seconds:g}"))
        go_col, stop_col, _ = st.columns([2, 1, 3])
        area = st.empty()
        if go_col.button(tr("rerun_go"), key="mem_rerun_go", type="primary"):
            job = dataclasses.replace(
                config, cell=cell, lag=int(lag), seed=int(seed), ablation="none"
            )
            run = MemoryRun.new(job, (cell,))
            run.point = (ident, cell, int(lag), int(seed))
            ui.train_live(
                "_mem_rerun_board",
                _trainer([(cell, job)]),
                run,
                label="memory point",
                idle_after=IDLE_S,
            )
        board = st.session_state.get("_mem_rerun_board")
        if board is not None and board.active:
            with area.container():
                _follow(board, NAMES, "step", stop_col)
            if _add_point(board):
                st.rerun()  # redraw the sweep chart with the star
        for p in stars:
            st.write(
                tr(
                    "rerun_done",
                    name=NAMES[p["cell"]],
                    lag=p["lag"],
                    seed=p["seed"],
                    metric=tr(f"metric_{sweep['metric']}"),
                    value=_metric_text(sweep["metric"], p["metric"]),
                    steps=p["steps"],
                    seconds=f"{p['seconds']:.1f}",
                    solved=tr("solved_word" if p["solved"] else "unsolved_word"),
                )
            )
