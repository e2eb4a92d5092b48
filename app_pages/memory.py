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

import numpy as np
import streamlit as st

from app_pages._memory_sweep import show_findings, show_sweep, show_sweep_preview
from app_pages._memory_training import (
    IDLE_S,
    MAX_BUDGET_S,
    MAX_STEPS,
    MemoryRun,
    config_diff,
    curves,
    follow,
    summary,
    table,
    trainer,
    verdict,
)
from app_pages._memory_why import show_why
from explainer import i18n, ui
from explainer.cells import CELL_NAMES
from explainer.torch_backend import memory as mem

VARIANTS = mem.ABLATIONS  # the LSTM as it is ("standard"), then its ablations

tr = ui.translator(i18n.PAGES["memory"])


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
            "mem_lr": "preset",
            "mem_clip": f"{config.clip:g}",
            "mem_fbias": f"{config.forget_bias or 0:g}",
            "mem_seed": int(config.seed),
            "mem_budget": int(min(config.budget_seconds or MAX_BUDGET_S, MAX_BUDGET_S)),
            "mem_steps": int(min(config.max_steps or MAX_STEPS, MAX_STEPS)),
        }
    )


presets = mem.PRESETS
default = presets["adding"]
lrs = _options([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], [p.lr for p in presets.values()])
clips = _options([0.0, 0.5, 1.0, 5.0], [p.clip for p in presets.values()])
fbiases = _options([0.0, 1.0], [p.forget_bias for p in presets.values()])

st.title(tr("title"))
if not ui.presentation():  # on a projector the intro goes under the race: its chart first
    st.write(tr("intro"))

cols = st.columns([1, 3, 3, 3], vertical_alignment="center")
cols[0].markdown(tr("presets"))
for col, (name, p) in zip(cols[1:], presets.items(), strict=False):
    col.button(
        tr(
            "preset",
            task=tr(f"task_{p.task}"),
            lag=p.lag,
            steps=p.max_steps or "—",
        ),
        key=f"mem_preset_{name}",
        on_click=_load_preset,
        args=(p,),
        help=tr("preset_help"),
        width="stretch",
    )
race = st.container()  # the Train button, its chart and the sweep's findings: filled below,
# above the settings, so that the live chart is on the first screen while it trains
if ui.presentation():
    st.write(tr("intro"))

st.subheader(tr("settings"))
c1, c2, c3 = st.columns([1, 2, 1])
task = ui.bound(
    c1.radio, tr("task"), "mem_task", options=list(mem.TASKS), format_func=lambda k: tr(f"task_{k}")
)
base = presets.get(task, default)
lag = ui.bound(
    c2.slider, tr("lag"), "mem_lag", min_value=10, max_value=300, value=default.lag, step=10
)
hidden = ui.bound(
    c3.slider, tr("hidden"), "mem_hidden", min_value=8, max_value=128, value=default.hidden, step=8
)
c1, c2, c3, c4 = st.columns(4)
own = ", ".join(f"{CELL_NAMES[c]} {base.lr_of(c):g}" for c in mem.CELLS)
lr = ui.bound(
    c1.selectbox,
    tr("lr"),
    "mem_lr",
    options=["preset", *lrs],
    format_func=lambda o: tr("lr_best", lrs=own) if o == "preset" else o,
    help=tr("lr_help"),
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
c1, c2, c3 = st.columns([1, 2, 1])
max_steps = ui.bound(
    c1.number_input,
    tr("steps"),
    "mem_steps",
    min_value=25,
    max_value=MAX_STEPS,
    value=default.max_steps,
    step=25,
)
budget = ui.bound(
    c2.slider,
    tr("budget"),
    "mem_budget",
    min_value=1,
    max_value=MAX_BUDGET_S,
    value=int(default.budget_seconds),
)
x_axis = ui.bound(
    c3.radio, tr("x_axis"), "mem_x", options=["step", "seconds"], format_func=lambda k: tr(f"x_{k}")
)
st.markdown(tr(f"about_{task}", k=base.symbols))

config = dataclasses.replace(
    base,
    task=task,
    lag=int(lag),
    hidden=int(hidden),
    lr=base.lr if lr == "preset" else float(lr),
    lrs=base.lrs if lr == "preset" else None,
    clip=float(clip),
    forget_bias=float(fbias),
    seed=int(seed),
    budget_seconds=float(budget),
    max_steps=int(max_steps),
    ablation="standard",
    threads=1,
)
try:
    config.validate()
    error = None
except ValueError as e:
    error = str(e)

# --- train the three cells (in the container above the settings)
with race:
    go_col, stop_col, eta_col = st.columns([2, 1, 5], vertical_alignment="center")
    eta_col.caption(tr("eta", n=3, steps=int(max_steps), budget=budget, total=3 * budget))
    chart_col, find_col = st.columns([3, 1])
    with find_col:
        show_findings(config)
    area = chart_col.empty()
    if go_col.button(
        tr("train"),
        key="mem_train",
        type="primary",
        icon=":material/play_arrow:",
        disabled=error is not None,
    ):
        ui.train_live(
            "_mem_main",
            trainer([("cells", config)]),
            MemoryRun.new(config, mem.CELLS),
            label="memory",
            idle_after=IDLE_S,
        )
    if error is not None:
        chart_col.error(tr("bad_config", error=error))
    with area.container():
        main = follow(st.session_state.get("_mem_main"), CELL_NAMES, x_axis, stop_col)
        if main is None:
            if not show_sweep_preview():  # until a race runs, the shipped sweep's chart
                st.info(tr("none_yet"))
        elif main.status == "failed":
            st.error(tr("failed", error=ui.escape_md(main.error)))
        elif main.settled:
            if main.stopped:
                st.warning(tr("stopped"))
            diff = config_diff(main, config)
            if diff:
                st.caption(tr("stale", what=diff))
            ui.plot(curves(main, CELL_NAMES, x_axis), "memory_curves")
            table(main, CELL_NAMES)
            ok, sentence = verdict(main)
            (st.info if main.stopped else st.success if ok else st.warning)(sentence)

show_why(main)

# --- ablations
st.subheader(tr("ablations"))
st.write(tr("abl_text"))
abl_names = {v: tr(f"abl_{v}") for v in VARIANTS}
reuse = (
    main is not None
    and main.status == "done"
    and main.record.rows.get("lstm")
    and not config_diff(main, config)
)
n_abl = len(VARIANTS) - (1 if reuse else 0)
st.caption(
    tr("abl_eta", n=n_abl, steps=int(max_steps), lr=f"{config.lr_of('lstm'):g}", budget=budget)
)
go_col, stop_col, _ = st.columns([2, 1, 3])
abl_area = st.empty()
if go_col.button(tr("abl_train"), key="mem_abl_train", disabled=error is not None):
    run = MemoryRun.new(config, VARIANTS)
    jobs = []
    if reuse:
        run.rows["standard"] = list(main.record.rows["lstm"])
        run.done["standard"] = True
        run.capped["standard"] = main.record.capped.get("lstm", False)
    else:
        jobs.append(("standard", dataclasses.replace(config, cell="lstm")))
    jobs += [(v, dataclasses.replace(config, cell="lstm", ablation=v)) for v in VARIANTS[1:]]
    ui.train_live("_mem_abl", trainer(jobs), run, label="memory ablations", idle_after=IDLE_S)
with abl_area.container():
    abl = follow(st.session_state.get("_mem_abl"), abl_names, "step", stop_col)
    if abl is not None and abl.status == "failed":
        st.error(tr("failed", error=ui.escape_md(abl.error)))
    elif abl is not None and abl.settled:
        if abl.stopped:
            st.warning(tr("stopped"))
        diff = config_diff(abl, config)
        if diff:
            st.caption(tr("stale", what=diff))
        ui.plot(curves(abl, abl_names, "step"), "memory_ablations")
        table(abl, abl_names)
        s = summary(abl)
        solved = [abl_names[v] for v in s if s[v]["solved"]] or [tr("nobody")]
        failed = [abl_names[v] for v in s if not s[v]["solved"]] or [tr("nobody")]
        st.info(
            tr("abl_result", solved=tr("joiner").join(solved), failed=tr("joiner").join(failed))
        )

show_sweep()
ui.show_code(mem.adding_batch, mem.recall_batch, mem.AblatedLSTM.scan)
