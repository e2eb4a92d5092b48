"""The memory lab's "why" (`app_pages/memory.py`): the trained networks loaded into the NumPy
reference, one example traced through them, the gradient that reaches back to its marks and the
LSTM's gates while it waits."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app_pages._memory_training import NAMES, Board
from explainer import i18n, ui
from explainer.figures import gate_heatmaps_figure
from explainer.figures.memory import (
    gate_means_figure,
    why_decay_figure,
)
from explainer.torch_backend import memory as mem

tr = ui.translator(i18n.PAGES["memory"])


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
