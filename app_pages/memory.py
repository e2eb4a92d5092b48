"""8 · The memory lab: train a plain RNN, an LSTM and a GRU on a long-lag task, live, side by side;
load the trained networks into the NumPy reference to see why; ablate the LSTM's gates; and show
the shipped longest-lag-solved sweep.

Training goes through `explainer.live`: a click on a Train button queues a job on the server's
training queue; a worker thread trains it and writes a `MemoryRun` record; the script run follows
the board (progress bar, live curves, Stop) until it settles, then shows the results. A click
elsewhere ends the script run but not the training (the next run follows it again); Stop keeps
the curves and the models as they were; a training nobody follows for `IDLE_S` stops.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from explainer import i18n, live, ui
from explainer.figures import gate_heatmaps_figure
from explainer.figures.memory import (
    gate_means_figure,
    sweep_figure,
    training_curves_figure,
    why_decay_figure,
)
from explainer.torch_backend import memory as mem

MAX_BUDGET_S = 60  # per network: one click never trains for more than 4 x 60 s
MAX_STEPS = 5000
IDLE_S = 10.0  # a training whose page nobody has shown for this long stops (the student left)
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}  # the same in both languages
VARIANTS = ("none", "forget_one", "no_output", "coupled")  # the backend's ABLATIONS, in order

tr = ui.translator(i18n.PAGES["memory"])


# --- live training (explainer.live: a worker thread trains, this script run follows it) --------
@dataclass
class MemoryRun:
    """One click's training, written by its job: the settings, per run name (a cell or an
    ablation) its history rows (step, seconds, train_loss, metric), whether it finished, its
    fraction of the budget used and (once the backend returned) its model."""

    config: dict[str, Any]
    rows: dict[str, list[tuple[int, float, float, float]]]
    done: dict[str, bool]
    fractions: dict[str, float]
    models: dict[str, Any] = field(default_factory=dict)
    point: tuple | None = None  # a rerun sweep point (sweep, cell, lag, seed), until it is added

    @classmethod
    def new(cls, config: mem.MemoryConfig, names: tuple[str, ...]) -> MemoryRun:
        return cls(
            config=dataclasses.asdict(config),
            rows={n: [] for n in names},
            done={n: False for n in names},
            fractions={n: 0.0 for n in names},
        )


Board = live.Board[MemoryRun]


def _metric_text(metric: str, value: float) -> str:
    return f"{value:.4f}" if metric == "mse" else f"{value:.1%}"


def _trainer(jobs: list[tuple[str, mem.MemoryConfig]]) -> Callable[[Board], None]:
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


def _follow(board: Board | None, labels: dict[str, str], x: str, stop_where: Any) -> Board | None:
    """`board` drawn live (progress bar and curves) until it settles, if it is still training."""
    if board is None or not board.active:
        return board
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])

    def draw(board: Board) -> None:
        rows = _rows(board)
        text = " · ".join(
            tr(
                "progress",
                name=labels[n],
                step=r[-1][0],
                metric=tr(f"metric_{b.metric}"),
                value=_metric_text(b.metric, r[-1][3]),
                seconds=f"{r[-1][1]:.0f}",
            )
            for n, r in rows.items()
            if r
        )
        st.progress(board.fraction, text=text)
        st.plotly_chart(
            _curves(board, labels, x, live=True, rows=rows),
            width="stretch",
            key=f"memory_live_{board.id}_{board.version}",
        )

    return ui.follow(board, draw, stop_where=stop_where, every=0.4)


def _curves(
    board: Board, labels: dict[str, str], x: str, live: bool = False, rows: dict | None = None
) -> Any:
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    return training_curves_figure(
        {labels[n]: r for n, r in (rows or board.record.rows).items() if r},
        metric=b.metric,
        baseline=b.value,
        solved_threshold=b.solved_at,
        task=c["task"],
        lag=c["lag"],
        x=x,
        stopped=board.stopped and not live,
        **ui.fig_kw(),
    )


def _summary(board: Board) -> dict[str, dict[str, Any]]:
    """Per run: final metric, solved, steps, seconds, seconds when first solved (from the rows)."""
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    out = {}
    for n, rows in board.record.rows.items():
        if not rows:
            continue
        step, seconds, _, final = rows[-1]
        when = next((r[1] for r in rows if b.is_solved(r[3])), None)
        flat = final >= 0.8 * b.value if b.metric == "mse" else final <= 1.5 * b.value
        out[n] = dict(
            final=final,
            solved=b.is_solved(final),
            steps=step,
            seconds=seconds,
            when=when,
            flat=flat,
        )
    return out


def _table(board: Board, labels: dict[str, str]) -> None:
    c = board.record.config
    b = mem.baseline(c["task"], c["symbols"])
    s = _summary(board)
    metric = tr(f"metric_{b.metric}")
    st.dataframe(
        {
            tr("col_net"): [labels[n] for n in s],
            tr("col_final", metric=metric): [
                _metric_text(b.metric, v["final"]) for v in s.values()
            ],
            tr("col_baseline"): [_metric_text(b.metric, b.value)] * len(s),
            tr("col_solved"): [tr("yes") if v["solved"] else tr("no") for v in s.values()],
            tr("col_steps"): [int(v["steps"]) for v in s.values()],
            tr("col_seconds"): [f"{v['seconds']:.1f}" for v in s.values()],
            tr("col_when"): ["—" if v["when"] is None else f"{v['when']:.1f}" for v in s.values()],
        },
        hide_index=True,
    )


def _verdict(board: Board) -> tuple[bool, str]:
    """What happened, in one or two plain sentences, including when it went against the lesson
    (the plain RNN solved it, or a gated cell did not); same rule as `mem.outcome`."""
    c = board.record.config
    metric = tr(f"metric_{mem.baseline(c['task'], c['symbols']).metric}")
    s = _summary(board)
    parts, as_expected = [], True
    for n, v in s.items():
        if n == "rnn":
            state = "state_solved" if v["solved"] else ("state_flat" if v["flat"] else "state_part")
            as_expected &= not v["solved"]
        else:
            state = "state_solved" if v["solved"] else "state_not"
            as_expected &= v["solved"]
        parts.append(
            tr(
                state,
                name=ui.t(f"cell_{n}"),
                metric=metric,
                value=_metric_text(mem.baseline(c["task"], c["symbols"]).metric, v["final"]),
            )
        )
    if board.stopped:  # an unfinished run is no verdict on the lesson
        return True, tr("so_far", parts=tr("joiner").join(parts))
    text = tr("as_lesson" if as_expected else "against", parts=tr("joiner").join(parts))
    if "rnn" in s and s["rnn"]["solved"]:
        text += " " + tr("rnn_solved")
    failed = [ui.t(f"cell_{n}") for n in ("lstm", "gru") if n in s and not s[n]["solved"]]
    if failed and not board.stopped:
        text += " " + tr("gated_failed", names=tr("and").join(failed))
    return as_expected, text


def _config_diff(board: Board, config: mem.MemoryConfig) -> str:
    old, new = board.record.config, dataclasses.asdict(config)
    return ", ".join(
        f"{k} {old[k]}"
        for k in new
        if k not in ("cell", "ablation", "threads") and old.get(k) != new[k]
    )


# --- the "why" computations: trained weights in the NumPy reference ---------------------------
def _why(board: Board, example: int) -> dict[str, Any]:
    """Trace one example through each trained network in the reference; grad of the prediction
    ŷ = W h_(T-1) + b (adding) or of the target symbol's logit (recall) with respect to every h_t.
    Kept per session, keyed by the run and the example."""
    cache = st.session_state.setdefault("_mem_why", {})
    key = (board.id, example)
    if key in cache:
        return cache[key]
    c = board.record.config
    x, target = mem.example_sequence(c["task"], c["lag"], seed=example, symbols=c["symbols"])
    marks = np.flatnonzero(x[:, 1] > 0.5).tolist() if c["task"] == "adding" else [0]
    runs, preds, diverged = {}, {}, []
    for n, model in board.record.models.items():
        try:
            ref = mem.to_reference(model)
        except ValueError:  # NaN or infinite weights (a diverged run): nothing to trace
            diverged.append(n)
            continue
        trace = ref.forward(x)  # (T, D) -> one unbatched trace
        W, b = mem.readout_arrays(model)  # (O, H), (O,)
        row = 0 if c["task"] == "adding" else int(target)
        grad_h = np.zeros(trace.h.shape)  # (T, H)
        grad_h[-1] = W[row]
        runs[n] = (trace, ref.backward(trace, grad_h))
        out = W @ trace.h[-1] + b
        preds[n] = float(out[0]) if c["task"] == "adding" else int(np.argmax(out))
    cache.clear()  # one entry per session is enough
    cache[key] = {
        "x": x,
        "target": target,
        "marks": marks,
        "runs": runs,
        "preds": preds,
        "diverged": diverged,
    }
    return cache[key]


def _show_why(board: Board | None) -> None:
    st.subheader(tr("why"))
    if board is None or board.active or not board.record.models:
        st.info(tr("why_none"))
        return
    st.write(tr("why_text"))
    c = board.record.config
    example = ui.bound(
        st.number_input, tr("example"), "mem_example", min_value=0, max_value=999, value=0, step=1
    )
    w = _why(board, int(example))
    kw = ui.fig_kw()
    names = [n for n in ("rnn", "lstm", "gru") if n in w["runs"]]
    if w["diverged"]:
        st.warning(tr("why_diverged", nets=", ".join(NAMES[n] for n in w["diverged"])))
    if not names:
        return
    if c["task"] == "adding":
        preds = ", ".join(f"{NAMES[n]} {w['preds'][n]:.3f}" for n in names)
        st.write(tr("pred_adding", target=f"{w['target']:.3f}", preds=preds))
    else:
        preds = ", ".join(f"{NAMES[n]} {w['preds'][n]}" for n in names)
        st.write(tr("pred_recall", target=w["target"], preds=preds))
    ui.plot(
        why_decay_figure(
            {NAMES[n]: w["runs"][n] for n in names}, marks=w["marks"], task=c["task"], **kw
        ),
        "memory_why_gradients",
    )
    t0 = w["marks"][0]
    st.dataframe(
        {
            tr("col_net"): [NAMES[n] for n in names],
            tr("col_reach", t=t0): [
                f"{w['runs'][n][1].h_norm[t0] / w['runs'][n][1].h_norm[-1]:.2e}" for n in names
            ],
        },
        hide_index=True,
    )
    if "lstm" in w["runs"]:
        trace = w["runs"]["lstm"][0]
        gates = trace.layers[0].gates
        n_wait = trace.steps - 1 - t0
        if n_wait > 0:
            f_wait = gates["f"][t0 + 1 :]  # (n, H)
            with np.errstate(divide="ignore"):
                unit = int(np.argmax(np.log(f_wait).sum(axis=0)))  # the largest product of f
            st.info(
                tr(
                    "f_wait",
                    t0=t0,
                    f=f"{f_wait.mean():.3f}",
                    n=n_wait,
                    unit=unit,
                    fmax=f"{f_wait[:, unit].mean():.3f}",
                    keep=f"{np.prod(f_wait[:, unit]):.2g}",
                )
            )
            unit_f = (unit, gates["f"][:, unit])
        else:
            unit_f = None
        means = {g: gates[g].mean(axis=1) for g in ("f", "i", "o")}
        ui.plot(
            gate_means_figure(
                means,
                units=trace.hidden_size,
                unit_f=unit_f,
                marks=w["marks"],
                task=c["task"],
                **kw,
            ),
            "memory_lstm_gates",
        )
        with st.expander(tr("heatmaps")):
            ui.plot(gate_heatmaps_figure(trace, **kw), "memory_lstm_heatmaps")


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


# --- the page ------------------------------------------------------------------------------------
def _options(values: list[float], extra: list[float | None]) -> list[str]:
    return [f"{v:g}" for v in sorted(set(values) | {v for v in extra if v is not None})]


def _load_preset(config: mem.MemoryConfig) -> None:
    """Button callback: every setting from one of the backend's presets."""
    st.session_state.update(
        {
            "mem_task": config.task,
            "mem_lag": int(np.clip(round(config.lag / 10) * 10, 10, 300)),
            "mem_hidden": int(np.clip(round(config.hidden / 8) * 8, 8, 128)),
            "mem_lr": f"{config.lr:g}",
            "mem_clip": f"{config.clip:g}",
            "mem_fbias": f"{config.forget_bias or 0:g}",
            "mem_seed": int(config.seed),
            "mem_budget": int(min(config.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S)),
            "mem_steps": int(min(config.max_steps or 0, MAX_STEPS)),
        }
    )


presets = mem.PRESETS
default = presets["adding"]
lrs = _options([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], [p.lr for p in presets.values()])
clips = _options([0.0, 0.5, 1.0, 5.0], [p.clip for p in presets.values()])
fbiases = _options([0.0, 1.0], [p.forget_bias for p in presets.values()])

st.title(tr("title"))
st.write(tr("intro"))

cols = st.columns(len(presets) + 1)
cols[0].markdown(tr("presets"))
for col, (name, p) in zip(cols[1:], presets.items(), strict=True):
    col.button(
        tr(
            "preset",
            task=tr(f"task_{p.task}"),
            lag=p.lag,
            budget=f"{min(p.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S):g}",
        ),
        key=f"mem_preset_{name}",
        on_click=_load_preset,
        args=(p,),
        help=tr("preset_help"),
    )

c1, c2, c3 = st.columns([1, 2, 1])
task = ui.bound(
    c1.radio, tr("task"), "mem_task", options=list(mem.TASKS), format_func=lambda k: tr(f"task_{k}")
)
lag = ui.bound(
    c2.slider, tr("lag"), "mem_lag", min_value=10, max_value=300, value=default.lag, step=10
)
hidden = ui.bound(
    c3.slider, tr("hidden"), "mem_hidden", min_value=8, max_value=128, value=default.hidden, step=8
)
st.markdown(tr(f"about_{task}", k=presets.get(task, default).symbols))
c1, c2, c3, c4 = st.columns(4)
lr = ui.bound(
    c1.selectbox,
    tr("lr"),
    "mem_lr",
    options=lrs,
    index=lrs.index(f"{default.lr:g}"),
    format_func=str,
)
clip = ui.bound(
    c2.selectbox,
    tr("clip"),
    "mem_clip",
    options=clips,
    index=clips.index(f"{default.clip:g}"),
    format_func=str,
)
fbias = ui.bound(
    c3.radio,
    tr("fbias"),
    "mem_fbias",
    options=fbiases,
    index=fbiases.index(f"{default.forget_bias or 0:g}"),
    format_func=str,
    horizontal=True,
    help=tr("fbias_help"),
)
seed = ui.bound(
    c4.number_input, tr("seed"), "mem_seed", min_value=0, max_value=9999, value=0, step=1
)
c1, c2, c3 = st.columns([2, 1, 1])
budget = ui.bound(
    c1.slider, tr("budget"), "mem_budget", min_value=1, max_value=MAX_BUDGET_S, value=40
)
max_steps = ui.bound(
    c2.number_input, tr("steps"), "mem_steps", min_value=0, max_value=MAX_STEPS, value=0, step=25
)
x_axis = ui.bound(
    c3.radio, tr("x_axis"), "mem_x", options=["step", "seconds"], format_func=lambda k: tr(f"x_{k}")
)

base = presets.get(task, default)
config = dataclasses.replace(
    base,
    task=task,
    lag=int(lag),
    hidden=int(hidden),
    lr=float(lr),
    clip=float(clip),
    forget_bias=float(fbias),
    seed=int(seed),
    budget_seconds=float(budget),
    max_steps=int(max_steps) or None,
    ablation="none",
    threads=1,
)
try:
    config.validate()
    error = None
except ValueError as e:
    error = str(e)
steps_note = tr("eta_steps", steps=int(max_steps)) if max_steps else ""
st.caption(tr("eta", n=3, budget=budget, steps=steps_note, total=3 * budget))

# --- train the three cells
go_col, stop_col, _ = st.columns([2, 1, 3])
area = st.empty()
if go_col.button(
    tr("train"),
    key="mem_train",
    type="primary",
    icon=":material/play_arrow:",
    disabled=error is not None,
):
    ui.train_live(
        "_mem_main",
        _trainer([("cells", config)]),
        MemoryRun.new(config, mem.CELLS),
        label="memory",
        idle_after=IDLE_S,
    )
if error is not None:
    st.error(tr("bad_config", error=error))
with area.container():
    main = _follow(st.session_state.get("_mem_main"), NAMES, x_axis, stop_col)
    if main is None:
        st.info(tr("none_yet"))
    elif main.status == "failed":
        st.error(tr("failed", error=ui.escape_md(main.error)))
    elif main.settled:
        if main.stopped:
            st.warning(tr("stopped"))
        diff = _config_diff(main, config)
        if diff:
            st.caption(tr("stale", what=diff))
        ui.plot(_curves(main, NAMES, x_axis), "memory_curves")
        _table(main, NAMES)
        ok, sentence = _verdict(main)
        (st.info if main.stopped else st.success if ok else st.warning)(sentence)

_show_why(main)

# --- ablations
st.subheader(tr("ablations"))
st.write(tr("abl_text"))
abl_names = {v: tr(f"abl_{v}") for v in VARIANTS}
reuse = (
    main is not None
    and main.status == "done"
    and main.record.rows.get("lstm")
    and not _config_diff(main, config)
)
n_abl = len(VARIANTS) - (1 if reuse else 0)
st.caption(tr("abl_eta", total=n_abl * budget, n=n_abl, budget=budget))
go_col, stop_col, _ = st.columns([2, 1, 3])
abl_area = st.empty()
if go_col.button(tr("abl_train"), key="mem_abl_train", disabled=error is not None):
    run = MemoryRun.new(config, VARIANTS)
    jobs = []
    if reuse:
        run.rows["none"] = list(main.record.rows["lstm"])
        run.done["none"] = True
    else:
        jobs.append(("none", dataclasses.replace(config, cell="lstm")))
    jobs += [(v, dataclasses.replace(config, cell="lstm", ablation=v)) for v in VARIANTS[1:]]
    ui.train_live("_mem_abl", _trainer(jobs), run, label="memory ablations", idle_after=IDLE_S)
with abl_area.container():
    abl = _follow(st.session_state.get("_mem_abl"), abl_names, "step", stop_col)
    if abl is not None and abl.status == "failed":
        st.error(tr("failed", error=ui.escape_md(abl.error)))
    elif abl is not None and abl.settled:
        if abl.stopped:
            st.warning(tr("stopped"))
        diff = _config_diff(abl, config)
        if diff:
            st.caption(tr("stale", what=diff))
        ui.plot(_curves(abl, abl_names, "step"), "memory_ablations")
        _table(abl, abl_names)
        s = _summary(abl)
        solved = [abl_names[v] for v in s if s[v]["solved"]] or [tr("nobody")]
        failed = [abl_names[v] for v in s if not s[v]["solved"]] or [tr("nobody")]
        st.info(
            tr("abl_result", solved=tr("joiner").join(solved), failed=tr("joiner").join(failed))
        )

_show_sweep()
ui.show_code(mem.adding_batch, mem.recall_batch, mem.AblatedLSTM.scan)
