"""7 · Forecasting a series: the classic stacked-LSTM recipe trained in PyTorch, its predictions in
three modes against the persistence baseline, and the gates of the network the student just trained,
replayed by the NumPy reference.

Training goes through `explainer.live`: the Train button queues a job on the server's training
queue, a worker thread trains it and leaves the weights and the loss history of every finished
epoch in a `ForecastRun` record, and the script run follows it (queue place, progress, loss, Stop)
until it ends, then turns the record into a result: a stopped run keeps its last finished epoch.
A click elsewhere ends the script run, not the training. Everything a session trains lives in its
own session state: students never share a model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from explainer import data as D
from explainer import figures, i18n, live, ui
from explainer.figures.forecast import forecast_figure, loss_figure
from explainer.lesson import last_step_loss
from explainer.prediction import MODES, predict_all, predictions_csv

TRAIN_THREADS = 1  # torch's CPU threads while a session trains: one student cannot starve the rest
IDLE_S = 10.0  # a training whose page nobody has shown for this long stops (the student left)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
SCALER_NAMES = {"minmax": "min-max", "zscore": "z-score"}
# a loaded model's saved scaling maps training data to about [0, 1] (min-max) or mean 0, sd 1
# (z-score); a series whose typical value lands beyond this is extrapolation
FAR_OUTSIDE = 5.0

tr = ui.translator(i18n.PAGES["forecast"])


# --- data ----------------------------------------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner=False)
def _table(raw: bytes) -> D.Table:
    """The file read once, column guess included (keyed by the bytes' hash, so once per file)."""
    return D.read_table(raw)


@st.cache_data(max_entries=16, show_spinner=False)
def _upload_series(
    raw: bytes, column: str, date_column: str | None, reverse: bool, gaps: str
) -> D.Series:
    return D.load_series(_table(raw), column, date_column=date_column, reverse=reverse, gaps=gaps)


@st.cache_data(max_entries=16, show_spinner=False)
def _bundled_series(file: str, gaps: str) -> D.Series:
    return D.load_bundled(file, gaps=gaps)


@st.cache_data(max_entries=16, show_spinner=False)
def _prepared(values: np.ndarray, window: int, horizon: int, normalise: str) -> D.ForecastData:
    return D.prepare(values, window=window, horizon=horizon, normalise=normalise)


def set_normalisation(kind: str) -> None:
    st.session_state["fc_norm"] = kind


def weights_error(e) -> None:
    """A weights file's problem in the reader's language, from the backend's code and details;
    text from the file (tensor names) is shown literally."""
    details = {k: ui.escape_md(str(v)) for k, v in e.details.items()}
    try:
        msg = tr(f"weights_{e.code}", **details)
    except KeyError:  # a code this page does not know yet: the backend's English
        msg = ui.escape_md(str(e))
    st.error(tr("bad_weights", msg=msg))


# The one-click short-window recipe (measured against persistence: README, "Forecast recipes"):
# short windows and one small layer, so that the values the model reads and predicts stay close
# to the window's first one; the rest of the lecture's recipe stays.
SHORT_WINDOWS = dict(window=10, hidden=(64,), dropout=0.0, optimiser="adam", lr=3e-3)


def use_recipe(changes: dict[str, Any]) -> None:
    """A button callback: the form's settings become the lecture's recipe with `changes`."""
    c = replace(backend().ForecastConfig(), **changes)
    st.session_state.update(
        fc_cell=c.cell,
        fc_hidden=canon_hidden(",".join(map(str, c.hidden))),
        fc_dropout=c.dropout,
        fc_window=c.window,
        fc_horizon=c.horizon,
        fc_norm=c.normalise,
        fc_opt=c.optimiser,
        fc_lr=c.lr,
        fc_epochs=c.epochs,
        fc_batch=c.batch_size,
        fc_seed=c.seed,
    )


def error(key: str, msg: object) -> None:
    """A clear message, never a traceback; user text in it is shown literally."""
    st.error(tr(key, msg=ui.escape_md(str(msg))))


def bundled_text(kind: str, b: D.BundledSeries) -> str:
    """A bundled series' title ("series") or note ("note"), translated where the page knows it."""
    key = f"{kind}_{b.file.removesuffix('.csv')}"
    try:
        return tr(key)
    except KeyError:  # a series added to explainer.data since: its own English
        return b.title if kind == "series" else b.note


def choose_series() -> tuple[D.Series | None, str]:
    """The data section's widgets; returns the series (None when unusable) and a description."""
    source = st.radio(
        tr("source"),
        ["bundled", "upload"],
        key="fc_source",
        horizontal=True,
        format_func=ui.frozen_format(["bundled", "upload"], lambda s: tr(f"src_{s}")),
    )
    c1, c2 = st.columns([3, 1])
    gaps = c2.radio(
        tr("gaps"),
        list(D.GAP_POLICIES),
        key="fc_gaps",
        format_func=ui.frozen_format(D.GAP_POLICIES, lambda g: tr(f"gaps_{g}")),
    )
    if source == "bundled":
        shipped = {b.file: b for b in D.bundled_series()}
        file = ui.bound(
            c1.selectbox,
            tr("bundled"),
            "fc_series",
            options=list(shipped),
            format_func=lambda f: bundled_text("series", shipped[f]),
        )
        c1.caption(ui.escape_md(bundled_text("note", shipped[file])))
        return _bundled_series(file, gaps), tr(
            "trained_on", name=ui.escape_md(bundled_text("series", shipped[file]))
        )
    up = c1.file_uploader(tr("upload"), type=["csv"], key="csv")
    if up is None:
        c1.info(tr("upload_hint"))
        return None, ""
    raw = up.getvalue()
    try:
        table = _table(raw)
    except ValueError as e:
        error("bad_file", e)
        return None, ""
    columns, guess_value, guess_date = table.columns, table.value, table.date
    if table.delimiter != "," or table.decimal != ".":
        delimiter = tr("tabs") if table.delimiter == "\t" else f"“{table.delimiter}”"
        c1.caption(tr("read_as", delimiter=delimiter, decimal=table.decimal))
    if not table.header:
        c1.caption(tr("no_header"))
    fid = up.file_id  # widgets per file: another file's columns are other options
    c3, c4, c5 = st.columns([2, 2, 2])
    column = c3.selectbox(
        tr("column"),
        columns,
        key=f"fc_col_{fid}",
        index=columns.index(guess_value) if guess_value in columns else 0,
    )
    dates = [None, *[c for c in columns if c != column]]
    date_column = c4.selectbox(
        tr("date_column"),
        dates,
        key=f"fc_date_{fid}",
        index=dates.index(guess_date) if guess_date in dates else 0,
        format_func=ui.frozen_format(dates, lambda c: tr("no_date") if c is None else c),
    )
    reverse = c5.checkbox(tr("reverse"), key=f"fc_rev_{fid}")
    try:
        series = _upload_series(raw, column, date_column, reverse, gaps)
    except ValueError as e:
        error("bad_file", e)
        return None, ""
    if series.dates_descending and not reverse:
        st.info(tr("descending"))
    if series.sorted_by_date:
        st.info(tr("sorted", date=ui.escape_md(date_column)))
    return series, tr("uploaded", column=ui.escape_md(column), file=ui.escape_md(up.name))


# --- training ------------------------------------------------------------------------------------
def backend():
    """The PyTorch backend, imported on first use (the lesson pages never wait for torch)."""
    from explainer.torch_backend import forecast

    return forecast


def parse_hidden(text: str) -> tuple[int, ...] | None:
    try:
        sizes = tuple(int(p) for p in text.replace(";", ",").split(",") if p.strip())
    except ValueError:
        return None
    (n_lo, n_hi), (h_lo, h_hi) = backend().LIMITS.layers, backend().LIMITS.units
    ok = n_lo <= len(sizes) <= n_hi and all(h_lo <= h <= h_hi for h in sizes)
    return sizes if ok else None


def canon_hidden(text: str) -> str | None:
    """Layer sizes in the form's own spelling ("50, 100"), or None where they are not ones."""
    sizes = parse_hidden(text)
    return None if sizes is None else ", ".join(map(str, sizes))


def settings_form() -> bool:
    """The training settings, each in the URL, defaults from the backend's `ForecastConfig` (the
    recipe); returns whether Train was pressed. The submitted values stay in session state."""
    F = backend()
    recipe, lim = F.ForecastConfig(), F.LIMITS  # the backend's limits are the form's
    devices = F.available_devices()
    with st.form("fc_form", border=True):
        c1, c2, c3, c4 = st.columns(4)
        ui.bound(
            c1.selectbox,
            ui.t("cell"),
            "fc_cell",
            options=list(F.CELLS),
            index=list(F.CELLS).index(recipe.cell),
            format_func=lambda c: ui.t(f"cell_{c}"),
        )
        ui.bound(
            c2.text_input,
            tr("hidden"),
            "fc_hidden",
            value=", ".join(map(str, recipe.hidden)),
            canon=canon_hidden,
        )
        ui.bound(
            c3.slider,
            tr("dropout"),
            "fc_dropout",
            min_value=lim.dropout[0],
            max_value=lim.dropout[1],
            value=recipe.dropout,
            step=0.05,
        )
        c4.selectbox(tr("device"), devices, key="fc_device")
        c1, c2, c3, c4 = st.columns(4)
        ui.bound(
            c1.number_input,
            tr("window"),
            "fc_window",
            min_value=lim.window[0],
            max_value=lim.window[1],
            value=recipe.window,
            step=1,
        )
        ui.bound(
            c2.number_input,
            tr("horizon"),
            "fc_horizon",
            min_value=lim.horizon[0],
            max_value=lim.horizon[1],
            value=recipe.horizon,
            step=1,
        )
        ui.bound(
            c3.selectbox,
            tr("norm"),
            "fc_norm",
            options=list(D.NORMALISATIONS),
            index=list(D.NORMALISATIONS).index(recipe.normalise),
            format_func=lambda n: tr(f"norm_{n}"),
        )
        ui.bound(
            c4.selectbox,
            tr("optimiser"),
            "fc_opt",
            options=list(F.OPTIMISERS),
            index=list(F.OPTIMISERS).index(recipe.optimiser),
            format_func={"rmsprop": "RMSprop (Keras)", "adam": "Adam", "sgd": "SGD"}.get,
        )
        c1, c2, c3, c4 = st.columns(4)
        ui.bound(
            c1.select_slider,
            tr("lr"),
            "fc_lr",
            options=LEARNING_RATES,
            value=recipe.lr,
            format_func="{:g}".format,
        )
        ui.bound(
            c2.number_input,
            tr("epochs"),
            "fc_epochs",
            min_value=lim.epochs[0],
            max_value=lim.epochs[1],
            value=recipe.epochs,
            step=1,
        )
        ui.bound(
            c3.number_input,
            tr("batch"),
            "fc_batch",
            min_value=lim.batch_size[0],
            max_value=lim.batch_size[1],
            value=recipe.batch_size,
            step=1,
        )
        ui.bound(
            c4.number_input,
            tr("seed"),
            "fc_seed",
            min_value=lim.seed[0],
            max_value=lim.seed[1],
            value=recipe.seed,
            step=1,
        )
        return st.form_submit_button(tr("train"), type="primary", key="fc_train")


def submitted_config(data_ok: bool):
    """The submitted settings as a checked config, or None after a message that says why not."""
    if not data_ok:
        st.error(tr("no_data"))
        return None
    get = st.session_state.__getitem__
    sizes = parse_hidden(get("fc_hidden"))
    if sizes is None:
        text = ui.escape_md(get("fc_hidden"))
        lim = backend().LIMITS
        st.error(tr("bad_hidden", layers=lim.layers[1], units=lim.units[1], text=text))
        return None
    try:
        return (
            backend()
            .ForecastConfig(
                window=int(get("fc_window")),
                horizon=int(get("fc_horizon")),
                normalise=get("fc_norm"),
                hidden=sizes,
                dropout=float(get("fc_dropout")),
                cell=get("fc_cell"),
                optimiser=get("fc_opt"),
                lr=float(get("fc_lr")),
                batch_size=int(get("fc_batch")),
                epochs=int(get("fc_epochs")),
                seed=int(get("fc_seed")),
                device=get("fc_device"),
            )
            .validate()
        )
    except ValueError as e:
        error("bad_settings", e)
        return None


@dataclass
class ForecastRun:
    """A trained (or training, or loaded) model's record: what it was trained on and, once per
    finished epoch, its weights and loss history, so that a stopped run keeps its last epoch. The
    training job (in a worker thread, `explainer.live`) writes it; the page reads it."""

    config: Any  # explainer.torch_backend.forecast.ForecastConfig
    data: D.ForecastData
    dates: np.ndarray | None
    series_name: str
    source: str
    device: str = "cpu"
    history: list[dict] = field(default_factory=list)  # per finished epoch: epoch, loss, val_loss
    state: dict | None = None  # the weights at the end of the last finished epoch (CPU copies)
    seconds: float = 0.0
    saved_scaler: Any = None  # loaded weights: the min-max or z-score scaling saved with them
    converted: tuple[str, ...] = ()  # loaded weights: the stored dtypes converted to float32
    model: Any = None  # the model, once training has ended of itself (or loaded)
    progress: tuple[int, int, int, int, float] | None = None  # epoch, epochs, batch, batches, loss


def train(config, data: D.ForecastData, series: D.Series, source: str) -> None:
    """Queue a training of `config` on `data` for this session (the page follows it below)."""
    st.session_state["fc_result"] = None
    run = ForecastRun(config, data, series.dates, series.name, source, device=config.device)
    ui.train_live("fc_board", _training, run, label="forecast", idle_after=IDLE_S)


def _training(board: live.Board[ForecastRun]) -> None:
    """The job (a worker thread): train, leaving every finished epoch's weights in the record."""
    F = backend()
    run = board.record
    F.set_threads(TRAIN_THREADS)
    started = time.perf_counter()

    def callback(p) -> None:
        with board.lock:
            if p.end_of_epoch and p.batch == p.batches:  # a finished epoch, not a stopped one
                run.state = {
                    k: v.detach().to("cpu", copy=True) for k, v in p.model.state_dict().items()
                }
                run.history = [
                    *run.history,
                    {"epoch": p.epoch, "loss": p.loss, "val_loss": p.val_loss},
                ]
                run.seconds = time.perf_counter() - started
            run.progress = (p.epoch, p.epochs, p.batch, p.batches, p.loss)
        board.report((p.epoch - 1 + p.batch / p.batches) / p.epochs)

    batches = max(1, -(-len(run.data.train) // run.config.batch_size))
    res = F.train(
        run.config,
        run.data,
        callback=callback,
        should_stop=lambda: board.stopping,
        report_every=max(1, batches // 10),
    )
    with board.lock:
        run.device = res.device
        if not res.stopped:
            run.seconds, run.model = res.train_seconds, res.model


def _draw_training(board: live.Board[ForecastRun]) -> None:
    """The live view of a training: progress bar and loss so far."""
    with board.lock:
        progress, history = board.record.progress, list(board.record.history)
    if progress is None:
        st.progress(0.0, text=tr("starting"))
        return
    epoch, epochs, batch, batches, loss = progress
    st.progress(
        board.fraction,
        text=tr(
            "progress",
            epoch=epoch,
            epochs=epochs,
            batch=batch,
            batches=batches,
            loss=f"{loss:.4g}",
        ),
    )
    if history:
        st.plotly_chart(
            loss_figure(history, epochs=epochs, **ui.fig_kw()),
            width="stretch",
            key=f"fc_live_{board.id}_{board.version}",
        )


def follow_training() -> None:
    """This session's training, followed until it ends, then turned into its result (once)."""
    board = st.session_state.get("fc_board")
    if board is None or st.session_state.get("fc_shown") == board.id:
        return
    slot = st.empty()
    with slot.container(border=True):
        ui.follow(board, _draw_training)
    slot.empty()
    st.session_state["fc_shown"] = board.id
    if board.status == "failed":  # bad settings for this data, or out of memory
        error("failed", board.error)
        return
    run = board.record
    finish(run, stopped=run.model is None, model=run.model)


def finish(run: ForecastRun, *, stopped: bool, model=None, file: str | None = None) -> None:
    """Predictions of a trained (or stopped, or loaded) model: the session's result. A stopped
    run's model is rebuilt from the weights of its last finished epoch."""
    F = backend()
    if model is None:
        if run.state is None:
            st.info(tr("stopped_early"))
            return
        model = F.build_model(run.config)
        model.load_state_dict(run.state)
        model.eval()
    predictions = predict_all(F.predictor(model), run.data)
    st.session_state["fc_result"] = {
        **{f.name: getattr(run, f.name) for f in fields(run)},
        "model": model,
        "predictions": predictions,
        "stopped": stopped,
        "file": file,
        "reference": None,
    }


def load_uploaded_weights(series: D.Series | None, source: str) -> None:
    with st.expander(tr("load")):
        st.caption(tr("load_hint"))
        up = st.file_uploader(tr("weights_file"), type=["safetensors"], key="weights")
    if up is None or st.session_state.get("fc_weights_id") == up.file_id:
        return
    st.session_state["fc_weights_id"] = up.file_id  # once per file, not on every rerun
    if series is None:
        st.error(tr("no_data"))
        return
    F = backend()
    try:
        model, config = F.load_weights(up.getvalue())  # header checked before anything is built
        converted = F.weights_header(up.getvalue()).converted  # F16, BF16, F64: now float32
        # min-max and z-score: the scaling the model was trained with, not one fitted here
        scaler = F.saved_scaler(up.getvalue())
        if scaler is not None and scaler.kind != config.normalise:
            raise ValueError(
                f"its saved {scaler.kind} scaler contradicts its {config.normalise} normalisation"
            )
        data = D.prepare(
            series.values,
            window=config.window,
            horizon=config.horizon,
            normalise=config.normalise,
            split=config.split,
            val=config.val,
            scaler=scaler,
        )
    except F.WeightsError as e:
        weights_error(e)
        return
    except ValueError as e:
        error("bad_weights", e)
        return
    run = ForecastRun(
        config, data, series.dates, series.name, source, saved_scaler=scaler, converted=converted
    )
    finish(run, stopped=False, model=model, file=ui.escape_md(up.name))


# --- results -------------------------------------------------------------------------------------
def show_results(result: dict) -> None:
    F = backend()
    config, data, history = result["config"], result["data"], result["history"]
    st.subheader(tr("results"))
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
    st.markdown("**" + tr("metrics") + "**")
    m = {k: p.metrics for k, p in preds.items()}
    st.dataframe(
        pd.DataFrame(
            {
                tr("col_mode"): [tr(f"tab_{k}") for k in m],
                tr("col_rmse"): [v.rmse_original for v in m.values()],
                tr("col_prmse"): [v.persistence_rmse_original for v in m.values()],
                tr("col_mae"): [v.mae_original for v in m.values()],
                tr("col_pmae"): [v.persistence_mae_original for v in m.values()],
                tr("col_rmse_n"): [v.rmse for v in m.values()],
                tr("col_prmse_n"): [v.persistence_rmse for v in m.values()],
            }
        ),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="%.4g")
            for c in (
                tr("col_rmse"),
                tr("col_prmse"),
                tr("col_mae"),
                tr("col_pmae"),
                tr("col_rmse_n"),
                tr("col_prmse_n"),
            )
        },
    )
    st.caption(tr("metrics_note"))
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
        lambda: F.weights_bytes(model, config, data),
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


def prepare_data(series: D.Series) -> D.ForecastData | None:
    """The series' summary and chart, cut into windows with the submitted settings (None, after
    a message, where they do not fit it)."""
    st.caption(
        tr("summary", n=len(series), gaps=series.gaps, policy=tr(f"gaps_{series.gap_policy}"))
    )
    norm, data = st.session_state["fc_norm"], None
    window, horizon = int(st.session_state["fc_window"]), int(st.session_state["fc_horizon"])
    try:
        data = _prepared(series.values, window, horizon, norm)
    except ValueError as e:
        error("bad_data", e)
        if norm == "window" and "per-window" in str(e):
            b1, b2, _ = st.columns([1, 1, 2])
            b1.button(
                tr("use_zscore"), key="fc_use_zscore", on_click=set_normalisation, args=("zscore",)
            )
            b2.button(
                tr("use_minmax"), key="fc_use_minmax", on_click=set_normalisation, args=("minmax",)
            )
    ui.plot(
        forecast_figure(
            series.values,
            dates=series.dates,
            test_start=None if data is None else data.test_target_start,
            name=series.name,
            **ui.fig_kw(),
        ),
        "forecast_series",
    )
    return data


def _when(v: Any) -> str:
    if isinstance(v, np.datetime64):
        return str(np.datetime_as_string(v, unit="D"))
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


# --- the page ------------------------------------------------------------------------------------
st.title(tr("title"))
st.write(tr("intro"))

st.subheader(tr("data"))
data_box = st.container()  # filled below: the data are cut with the submitted settings
st.subheader(tr("settings"))
r1, r2, _ = st.columns([1, 1, 2])
r1.button(tr("recipe_lecture"), key="fc_recipe_lecture", on_click=use_recipe, args=({},))
r2.button(
    tr("recipe_beats"),
    key="fc_recipe_short",
    on_click=use_recipe,
    args=(SHORT_WINDOWS,),
    help=tr("recipe_help"),
)
pressed = settings_form()
with data_box:
    series, source = choose_series()
    data = None if series is None else prepare_data(series)
config = submitted_config(data is not None) if pressed else None
if config is not None and data is not None:
    train(config, data, series, source)  # the data were cut with the submitted settings
follow_training()
load_uploaded_weights(series, source)

result = st.session_state.get("fc_result")
if result is not None:
    show_results(result)
    inspect_model(result)
