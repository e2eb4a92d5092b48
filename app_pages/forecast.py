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
import streamlit as st

from app_pages._forecast_data import choose_series, error, prepare_data
from app_pages._forecast_results import backend, inspect_model, show_results
from explainer import i18n, live, ui
from explainer.data import NORMALISATIONS, ForecastData, Series, prepare
from explainer.figures.forecast import loss_figure
from explainer.prediction import predict_all

TRAIN_THREADS = 1  # torch's CPU threads while a session trains: one student cannot starve the rest
IDLE_S = 10.0  # a training whose page nobody has shown for this long stops (the student left)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)

tr = ui.translator(i18n.PAGES["forecast"])


# --- data ----------------------------------------------------------------------------------------
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


# --- training ------------------------------------------------------------------------------------
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
    fc = backend()
    recipe, lim = fc.ForecastConfig(), fc.LIMITS  # the backend's limits are the form's
    with st.form("fc_form", border=True):
        _network_row(fc, recipe, lim)
        _data_row(fc, recipe, lim)
        _training_row(recipe, lim)
        return st.form_submit_button(tr("train"), type="primary", key="fc_train")


def _network_row(fc, recipe, lim) -> None:
    """Cell, layer sizes, dropout and device."""
    from explainer.torch_backend import available_devices  # on first use, as in `backend`

    c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")  # wrapped labels: boxes align
    ui.bound(
        c1.selectbox,
        ui.t("cell"),
        "fc_cell",
        options=list(fc.CELLS),
        index=list(fc.CELLS).index(recipe.cell),
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
    c4.selectbox(tr("device"), available_devices(), key="fc_device")


def _whole_number(where, label: str, key: str, lim, recipe, field: str) -> None:
    """An integer input bounded by the limits table's `field`, its default the recipe's."""
    low, high = getattr(lim, field)
    ui.bound(
        where.number_input,
        label,
        key,
        min_value=low,
        max_value=high,
        value=getattr(recipe, field),
        step=1,
    )


def _data_row(fc, recipe, lim) -> None:
    """Window, horizon, normalisation and optimiser."""
    c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")  # wrapped labels: boxes align
    _whole_number(c1, tr("window"), "fc_window", lim, recipe, "window")
    _whole_number(c2, tr("horizon"), "fc_horizon", lim, recipe, "horizon")
    ui.bound(
        c3.selectbox,
        tr("norm"),
        "fc_norm",
        options=list(NORMALISATIONS),
        index=list(NORMALISATIONS).index(recipe.normalise),
        format_func=lambda n: tr(f"norm_{n}"),
    )
    ui.bound(
        c4.selectbox,
        tr("optimiser"),
        "fc_opt",
        options=list(fc.OPTIMISERS),
        index=list(fc.OPTIMISERS).index(recipe.optimiser),
        format_func={"rmsprop": "RMSprop (Keras)", "adam": "Adam", "sgd": "SGD"}.get,
    )


def _training_row(recipe, lim) -> None:
    """Learning rate, epochs, batch size and seed."""
    c1, c2, c3, c4 = st.columns(4, vertical_alignment="bottom")  # wrapped labels: boxes align
    ui.bound(
        c1.select_slider,
        tr("lr"),
        "fc_lr",
        options=LEARNING_RATES,
        value=recipe.lr,
        format_func="{:g}".format,
    )
    _whole_number(c2, tr("epochs"), "fc_epochs", lim, recipe, "epochs")
    _whole_number(c3, tr("batch"), "fc_batch", lim, recipe, "batch_size")
    _whole_number(c4, tr("seed"), "fc_seed", lim, recipe, "seed")


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
    data: ForecastData
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


def train(config, data: ForecastData, series: Series, source: str) -> None:
    """Queue a training of `config` on `data` for this session (the page follows it below)."""
    st.session_state["fc_result"] = None
    run = ForecastRun(config, data, series.dates, series.name, source, device=config.device)
    ui.train_live("fc_board", _training, run, label="forecast", idle_after=IDLE_S)


def _training(board: live.Board[ForecastRun]) -> None:
    """The job (a worker thread): train, leaving every finished epoch's weights in the record."""
    from explainer.torch_backend import set_threads  # on first use, as `backend` imports torch

    fc = backend()
    run = board.record
    set_threads(TRAIN_THREADS)
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
    res = fc.train(
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


def _draw_training(board: live.Board[ForecastRun], key: str) -> None:
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
            key=f"fc_live_{key}",
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
    fc = backend()
    if model is None:
        if run.state is None:
            st.info(tr("stopped_early"))
            return
        model = fc.build_model(run.config)
        model.load_state_dict(run.state)
        model.eval()
    predictions = predict_all(fc.predictor(model), run.data)
    st.session_state["fc_result"] = {
        **{f.name: getattr(run, f.name) for f in fields(run)},
        "model": model,
        "predictions": predictions,
        "stopped": stopped,
        "file": file,
        "reference": None,
    }


def load_uploaded_weights(series: Series | None, source: str) -> None:
    with st.expander(tr("load")):
        st.caption(tr("load_hint"))
        up = st.file_uploader(tr("weights_file"), type=["safetensors"], key="weights")
    if up is None or st.session_state.get("fc_weights_id") == up.file_id:
        return
    st.session_state["fc_weights_id"] = up.file_id  # once per file, not on every rerun
    if series is None:
        st.error(tr("no_data"))
        return
    fc = backend()
    try:
        model, config = fc.load_weights(up.getvalue())  # header checked before anything is built
        converted = fc.weights_header(up.getvalue()).converted  # F16, BF16, F64: now float32
        # min-max and z-score: the scaling the model was trained with, not one fitted here
        scaler = fc.saved_scaler(up.getvalue())
        if scaler is not None and scaler.kind != config.normalise:
            raise ValueError(
                f"its saved {scaler.kind} scaler contradicts its {config.normalise} normalisation"
            )
        data = prepare(
            series.values,
            window=config.window,
            horizon=config.horizon,
            normalise=config.normalise,
            split=config.split,
            val=config.val,
            scaler=scaler,
        )
    except fc.WeightsError as e:
        weights_error(e)
        return
    except ValueError as e:
        error("bad_weights", e)
        return
    run = ForecastRun(
        config, data, series.dates, series.name, source, saved_scaler=scaler, converted=converted
    )
    finish(run, stopped=False, model=model, file=ui.escape_md(up.name))


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
