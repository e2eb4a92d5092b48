"""The memory lab's "why" (`app_pages/memory.py`): the trained networks loaded into the NumPy
reference, one example traced through them, the gradient that reaches back to its marks and the
LSTM's gates while it waits."""

from __future__ import annotations

import streamlit as st

from app_pages._memory_training import Board
from explainer import i18n, ui
from explainer.cells import CELL_NAMES
from explainer.figures import gate_heatmaps_figure
from explainer.figures.memory import (
    gate_means_figure,
    why_decay_figure,
)
from explainer.torch_backend import memory as mem

tr = ui.translator(i18n.PAGES["memory"])


# --- the "why": trained weights in the NumPy reference (computed by mem.why) ------------------
def _why(board: Board, example: int) -> mem.Why:
    """`mem.why` for this run and example, kept per session (one entry)."""
    cache = st.session_state.setdefault("_mem_why", {})
    key = (board.id, example)
    if key not in cache:
        c = board.record.config
        cache.clear()  # one entry per session is enough
        cache[key] = mem.why(board.record.models, c["task"], c["lag"], example, c["symbols"])
    return cache[key]


def show_why(board: Board | None) -> None:
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
    names = [n for n in ("rnn", "lstm", "gru") if n in w.runs]
    if w.diverged:
        st.warning(tr("why_diverged", nets=", ".join(CELL_NAMES[n] for n in w.diverged)))
    if not names:
        return
    if c["task"] == "adding":
        preds = ", ".join(f"{CELL_NAMES[n]} {w.preds[n]:.3f}" for n in names)
        st.write(tr("pred_adding", target=f"{w.target:.3f}", preds=preds))
    else:
        preds = ", ".join(f"{CELL_NAMES[n]} {w.preds[n]}" for n in names)
        st.write(tr("pred_recall", target=w.target, preds=preds))
    ui.plot(
        why_decay_figure(
            {CELL_NAMES[n]: w.runs[n] for n in names}, marks=w.marks, task=c["task"], **kw
        ),
        "memory_why_gradients",
    )
    t0 = w.marks[0]
    st.dataframe(
        {
            tr("col_net"): [CELL_NAMES[n] for n in names],
            tr("col_reach", t=t0): [
                f"{w.runs[n][1].h_norm[t0] / w.runs[n][1].h_norm[-1]:.2e}" for n in names
            ],
        },
        hide_index=True,
    )
    if "lstm" in w.runs:
        trace = w.runs["lstm"][0]
        gates = trace.layers[0].gates
        wait = mem.forget_wait(trace, t0)
        if wait is not None:
            st.info(
                tr(
                    "f_wait",
                    t0=t0,
                    f=f"{wait.mean_f:.3f}",
                    n=wait.steps,
                    unit=wait.unit,
                    fmax=f"{wait.unit_mean_f:.3f}",
                    keep=f"{wait.kept:.2g}",
                )
            )
        unit_f = None if wait is None else (wait.unit, wait.unit_f)
        means = {g: gates[g].mean(axis=1) for g in ("f", "i", "o")}
        ui.plot(
            gate_means_figure(
                means,
                units=trace.hidden_size,
                unit_f=unit_f,
                marks=w.marks,
                task=c["task"],
                **kw,
            ),
            "memory_lstm_gates",
        )
        with st.expander(tr("heatmaps")):
            ui.plot(gate_heatmaps_figure(trace, **kw), "memory_lstm_heatmaps")
