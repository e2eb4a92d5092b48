"""What a lesson page offers to check and take away: the live gradient check, the overflow note,
and downloads of the trace with the notebook snippet that reproduces it."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st

from explainer.lesson import Run
from explainer.ui.core import t
from explainer.ui.runs import PageRun

# --- gradient check, overflow -----------------------------------------------------------
GRADCHECK_STEPS, GRADCHECK_ENTRIES, GRADCHECK_TOL = 30, 12, 1e-5  # the in-app check's extent


def overflow_note(run: Run) -> None:
    if not run.grads.finite:
        st.warning(t("overflow"))


def gradient_check(run: Run, key: str) -> None:
    """A live finite-difference check of the backward pass that produced this page's gradients."""
    from explainer.gradcheck import gradcheck_table

    steps = min(run.x.shape[0], GRADCHECK_STEPS)  # a short prefix keeps the check interactive
    with st.expander(t("gradcheck")):
        st.caption(
            t(
                "gradcheck_explain",
                steps=steps,
                entries=GRADCHECK_ENTRIES,
                tol=f"{GRADCHECK_TOL:.0e}".replace("e-0", "e-"),  # 1e-5, not 1e-05
            )
        )
        if not st.button(t("gradcheck_run"), key=f"gradcheck_{key}"):
            return
        if not run.grads.finite:
            st.info(t("gradcheck_inf"))
            return
        with st.spinner(t("gradcheck")):
            table = gradcheck_table(run.model, run.x[:steps], max_entries=GRADCHECK_ENTRIES)
        worst = max(table.values())
        st.metric(t("gradcheck_worst"), f"{worst:.1e}")
        ok = worst < GRADCHECK_TOL
        (st.success if ok else st.error)(t("gradcheck_ok" if ok else "gradcheck_bad"))
        st.dataframe(
            {
                t("gradcheck_tensor"): list(table),
                t("gradcheck_error"): [f"{v:.1e}" for v in table.values()],
            },
            hide_index=True,
        )


def trace_csv(run: Run) -> bytes:
    """Long format: one row per (layer, quantity, t, unit) and its value, then gradient norms."""
    out = io.StringIO()
    out.write("layer,quantity,t,unit,value\n")
    for k, lay in enumerate(run.trace.layers):
        quantities = {**{f"gate_{n}": v for n, v in lay.gates.items()}, "h": lay.h}
        if lay.c is not None:
            quantities["c"] = lay.c
        for name, arr in quantities.items():
            T, H = arr.shape
            tt, uu = np.meshgrid(np.arange(T), np.arange(H), indexing="ij")
            for row in zip(tt.ravel(), uu.ravel(), arr.ravel(), strict=True):
                out.write(f"{k},{name},{row[0]},{row[1]},{row[2]:.17g}\n")
    last = len(run.trace.layers) - 1
    for name, norms in (("grad_h_norm", run.grads.h_norm), ("grad_c_norm", run.grads.c_norm)):
        if norms is not None:
            out.writelines(f"{last},{name},{t_},,{v:.17g}\n" for t_, v in enumerate(norms))
    return out.getvalue().encode()


def trace_npz(run: Run) -> bytes:
    arrays: dict[str, np.ndarray] = {"x": np.asarray(run.x), "grad_h_norm": run.grads.h_norm}
    for k, lay in enumerate(run.trace.layers):
        arrays[f"l{k}_h"] = lay.h
        if lay.c is not None:
            arrays[f"l{k}_c"] = lay.c
        for n, v in lay.gates.items():
            arrays[f"l{k}_gate_{n}"] = v
    if run.grads.c_norm is not None:
        arrays["grad_c_norm"] = run.grads.c_norm
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def snippet(call: str) -> str:
    """Python that reproduces the current view in a notebook with the public API."""
    return (
        "from explainer.lesson import lesson_run\n"
        "from explainer import figures\n\n"
        f"run = {call}\n"
        "figures.gate_heatmaps_figure(run.trace).show()\n"
        'figures.gradient_decay_figure({"run": (run.trace, run.grads)}).show()\n'
    )


def export(view: PageRun, key: str) -> None:
    """Downloads of the trace and the notebook snippet that reproduces it."""
    run = view.run
    with st.expander(t("export")):
        st.caption(t("png_hint"))
        c1, c2 = st.columns(2)
        # callables: the files are made only when a button is clicked, never on a rerun
        c1.download_button(
            t("export_csv"),
            lambda: trace_csv(run),
            file_name="trace.csv",
            mime="text/csv",
            key=f"csv_{key}",
            on_click="ignore",
        )
        c2.download_button(
            t("export_npz"),
            lambda: trace_npz(run),
            file_name="trace.npz",
            mime="application/octet-stream",
            key=f"npz_{key}",
            on_click="ignore",
        )
        st.caption(t("export_snippet"))
        st.code(snippet(view.code), language="python")
