"""The forecasting page's results (`app_pages/forecast.py`): the outcome, the predictions in three
modes against persistence, the metrics and downloads, and the trained first layer replayed by the
NumPy reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from explainer import figures, i18n, ui
from explainer.figures.forecast import forecast_figure, loss_figure
from explainer.lesson import last_step_loss
from explainer.prediction import MODES, predictions_csv

SCALER_NAMES = {"minmax": "min-max", "zscore": "z-score"}
# a loaded model's saved scaling maps training data to about [0, 1] (min-max) or mean 0, sd 1
# (z-score); a series whose typical value lands beyond this is extrapolation
FAR_OUTSIDE = 5.0

tr = ui.translator(i18n.PAGES["forecast"])


def backend():
    """The PyTorch backend, imported on first use (the lesson pages never wait for torch)."""
    from explainer.torch_backend import forecast

    return forecast


def set_normalisation(kind: str) -> None:
    st.session_state["fc_norm"] = kind


# --- results -------------------------------------------------------------------------------------
def show_results(result: dict) -> None:
    """The outcome, the loss curve, the predictions in three modes, the metrics, the downloads."""
    st.subheader(tr("results"))
    _outcome(result)
    _predictions(result)
    _metrics(result["predictions"])
    _downloads(result)


def _outcome(result: dict) -> None:
    """Where the model came from (a file, a stopped or a finished training), then the verdict
    against persistence."""
    config, data, history = result["config"], result["data"], result["history"]
    if result["file"]:
        st.success(tr("loaded", file=result["file"], source=result["source"]))
        if result.get("converted"):
            st.caption(tr("converted", dtypes=", ".join(result["converted"])))
        if (scaler := result.get("saved_scaler")) is not None:
            st.caption(
                tr(
                    "saved_scaler",
                    kind=SCALER_NAMES.get(scaler.kind, scaler.kind),
                    shift=f"{scaler.shift:.6g}",
                    scale=f"{scaler.scale:.6g}",
                )
            )
            z = scaler.transform(data.series)  # this series in the units the model learnt
            if np.median(np.abs(z)) > FAR_OUTSIDE:
                st.warning(tr("extrapolating", lo=f"{z.min():.3g}", hi=f"{z.max():.3g}"))
    elif result["stopped"]:
        st.warning(
            tr("stopped", epochs=len(history), planned=config.epochs, source=result["source"])
        )
    else:
        st.success(
            tr(
                "done",
                epochs=len(history),
                seconds=f"{result['seconds']:.1f}",
                device=result["device"],
                source=result["source"],
            )
        )
    diverged = next((h["epoch"] for h in history if not np.isfinite(h["loss"])), None)
    if diverged is not None:
        st.error(tr("diverged", epoch=diverged))
    preds = result["predictions"]
    point = preds["point"].metrics
    rmse, prmse = point.rmse_original, point.persistence_rmse_original
    if np.isfinite(rmse) and prmse > 0:
        kw = dict(rmse=f"{rmse:.4g}", prmse=f"{prmse:.4g}", ratio=rmse / prmse)
        if rmse > prmse:
            st.warning(tr("verdict_lose", **kw))
        else:
            st.success(tr("verdict_win", **kw))


def _predictions(result: dict) -> None:
    """The loss per epoch, then one tab per prediction mode."""
    config, data, history = result["config"], result["data"], result["history"]
    preds = result["predictions"]
    if history:
        ui.plot(loss_figure(history, epochs=config.epochs, **ui.fig_kw()), "forecast_loss")
    name = result["series_name"]
    for tab, mode in zip(st.tabs([tr(f"tab_{m}") for m in MODES]), MODES, strict=True):
        with tab:
            st.caption(tr(f"explain_{mode}"))
            ui.plot(
                forecast_figure(
                    data.series,
                    dates=result["dates"],
                    test_start=data.test_target_start,
                    prediction=preds[mode],
                    name=name,
                    **ui.fig_kw(),
                ),
                f"forecast_{mode}",
            )


def _metrics(preds: dict) -> None:
    """The model against persistence in every mode, in the series' units and normalised."""
    st.markdown("**" + tr("metrics") + "**")
    m = {k: p.metrics for k, p in preds.items()}
    table = pd.DataFrame(
        {
            tr("col_mode"): [tr(f"tab_{k}") for k in m],
            tr("col_rmse"): [v.rmse_original for v in m.values()],
            tr("col_prmse"): [v.persistence_rmse_original for v in m.values()],
            tr("col_mae"): [v.mae_original for v in m.values()],
            tr("col_pmae"): [v.persistence_mae_original for v in m.values()],
            tr("col_rmse_n"): [v.rmse for v in m.values()],
            tr("col_prmse_n"): [v.persistence_rmse for v in m.values()],
        }
    )
    numbers = list(table.columns[1:])
    if ui.presentation():  # a static table wraps its headers to the page: no column out of view
        st.table(table.style.format("{:.4g}", subset=numbers).hide(axis="index"))
    else:
        st.dataframe(
            table,
            hide_index=True,
            column_config={c: st.column_config.NumberColumn(format="%.4g") for c in numbers},
        )
    st.caption(tr("metrics_note"))


def _downloads(result: dict) -> None:
    """The predictions, the weights and the settings, each made when its button is clicked."""
    fc = backend()
    config, data, preds = result["config"], result["data"], result["predictions"]
    st.markdown("**" + tr("downloads") + "**")
    c1, c2, c3 = st.columns(3)
    model = result["model"]
    # callables: each file is made when its button is clicked, not on every rerun
    c1.download_button(
        tr("dl_csv"),
        lambda: predictions_csv(preds, result["dates"]),
        file_name="predictions.csv",
        mime="text/csv",
        key="fc_dl_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    c2.download_button(
        tr("dl_weights"),
        lambda: fc.weights_bytes(model, config, data),
        file_name=f"forecast_{config.cell}.safetensors",
        mime="application/octet-stream",
        key="fc_dl_weights",
        on_click="ignore",
        icon=":material/download:",
    )
    c3.download_button(
        tr("dl_settings"),
        lambda: config.to_json(),
        file_name="settings.json",
        mime="application/json",
        key="fc_dl_settings",
        on_click="ignore",
        icon=":material/download:",
    )


def reference_of(result: dict):
    """The trained first recurrent layer in the NumPy reference, beside its float64 torch copy."""
    if result["reference"] is None:
        result["reference"] = backend().reference_layer(result["model"])
    return result["reference"]


FLAT = 0.05  # a gate that moves less than this over a window looks flat on a 0..1 colour scale


def gate_moves(trace) -> dict[str, float]:
    """How far each gate of the first layer moves over the window: per gate name, the largest
    max_t - min_t over the units (the plain RNN's only panel is h)."""
    lay = trace.layers[0]
    names = [n for n in trace.gate_names if n != "h"] or ["h"]
    return {n: float(np.max(np.ptp(lay.h if n == "h" else lay.gates[n], axis=0))) for n in names}


def inspect_model(result: dict) -> None:
    config, data = result["config"], result["data"]
    st.subheader(tr("inspect"))
    st.write(tr("inspect_intro"))
    replay = reference_of(result)
    ref = replay.reference
    n, W, H = len(data.test), data.window, config.hidden[0]
    c1, c2, c3 = st.columns(3)
    k = 0
    if n > 1:
        ui.clamp("fc_k", n)
        k = c1.slider(tr("test_window"), 0, n - 1, key="fc_k")
    ui.clamp("fc_t", W)
    t = c2.slider(ui.t("t"), 0, W - 1, key="fc_t")
    unit = 0
    if H > 1:
        ui.clamp("fc_unit", H)
        unit = c3.slider(ui.t("unit"), 0, H - 1, key="fc_unit")
    start = int(data.test.start[k])
    dates = result["dates"]
    span = (start, start + W - 1) if dates is None else (dates[start], dates[start + W - 1])
    st.caption(
        tr(
            "window_span",
            k=k,
            first=ui.escape_md(_when(span[0])),
            last=ui.escape_md(_when(span[1])),
        )
    )
    x = data.test.x[k][:, None]  # (W, 1): the normalised inputs, as the model saw them
    trace = ref.forward(x)
    grads = ref.backward(trace, last_step_loss(trace))
    diff = replay.parity(x, trace.h)
    (st.caption if diff < 1e-9 else st.error)(
        tr("parity" if diff < 1e-9 else "parity_bad", diff=f"{diff:.1e}")
    )
    moves = gate_moves(trace)
    if max(moves.values()) < FLAT:
        st.info(
            tr(
                "flat",
                w=W,
                moves=tr("joiner").join(f"{n} {v:.2g}" for n, v in moves.items()),
                lo=f"{float(x.min()):.2g}",
                hi=f"{float(x.max()):.2g}",
            )
        )
        if config.normalise == "window":
            st.caption(tr("flat_window", pct=f"{100 * float(np.ptp(x)):.2g}"))
            st.button(
                tr("use_zscore"), key="fc_flat_zscore", on_click=set_normalisation, args=("zscore",)
            )
    st.markdown("**" + tr("heatmaps") + "**")
    ui.plot(figures.gate_heatmaps_figure(trace, **ui.fig_kw()), "forecast_gates")
    st.markdown("**" + tr("cell_at") + "**")
    ui.plot(figures.cell_figure(trace, t, unit=unit, **ui.fig_kw()), "forecast_cell")
    st.markdown("**" + tr("decay") + "**")
    label = ui.t(f"cell_{config.cell}")
    ui.plot(figures.gradient_decay_figure({label: (trace, grads)}, **ui.fig_kw()), "forecast_decay")


def _when(v: Any) -> str:
    if isinstance(v, np.datetime64):
        return str(np.datetime_as_string(v, unit="D"))
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)
