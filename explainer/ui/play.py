"""Training a lesson page's networks live in the session: Play / Pause, Step, Reset and the
history scrubber, and the redraws of the page's views while Play runs."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st

from explainer import live
from explainer.lesson import TASK_SIGNAL, Run, network_run, task_input
from explainer.ui import livechart
from explainer.ui.controls import MAX_STEPS
from explainer.ui.core import t
from explainer.ui.runs import WEIGHT_KNOBS, cached_run
from explainer.ui.training import train_live

TICK_S = 0.2  # a Play tick every 0.2 s: 5 redraws a second
TICK_TRAIN_S = 0.08  # the training part of a tick: steps until this is spent (at least one)
PLAY_IDLE_S = 120.0  # Play pauses itself after this long without a click on the page
MAX_LIVE = 6  # live networks kept per session (the oldest goes first)
LIVE_BATCH = 16  # sequences per live training step (half the shipped networks' 32: cheaper ticks)
STEP_K = 10  # training steps of one click on Step (one snapshot interval)
HOLD_TICKS = 6  # while Play redraws, a view drawn with `held` is made again every sixth tick
# (the heatmaps' new values are repainted in place, ~2 ms, by `ui.livechart`; a held view is
# redrawn by Plotly.react, 40-110 ms of Chromium each: heatmap updates in 3 s on a quiet
# two-core machine were 7-10 with HOLD_TICKS 1, 9-12 with 3, 12-16 with 6)


@dataclass
class LessonLive:
    """This session's live networks on the lesson pages. The trainers are trained by a job on
    the server's training queue (`explainer.live`; `board`, while Play runs) and read by the
    page's views: both under `lock`."""

    page: str = ""
    board: live.Board | None = None  # the Play job's board (None: never played)
    view: int | None = None  # the snapshot shown (None: the current weights)
    touched: float = 0.0  # monotonic time of the last full run of a lesson page (a click)
    note: str | None = None  # why Play stopped on its own
    trainers: OrderedDict = field(default_factory=OrderedDict)  # origin key -> Trainer
    used: dict = field(default_factory=dict)  # page -> origin keys its last render showed
    untrainable: set = field(default_factory=set)  # pages whose network has several layers
    runs: dict = field(default_factory=dict)  # (origin key, step, view, view args) -> Run
    tick: int = 0  # Play redraws of the page's views so far
    ticking: bool = False  # the views are being drawn by a Play redraw
    held: dict = field(default_factory=dict)  # view -> (index, full run, depends, tick, value)
    drawn: threading.Event = field(default_factory=threading.Event, repr=False)  # a redraw ended
    draw_s: float = 0.0  # seconds the last run of the views took, server side (benchmarks/app.py)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def playing(self) -> bool:
        return self.board is not None and self.board.active

    def pause(self) -> None:
        if self.board is not None:
            self.board.stop()


def lesson_live() -> LessonLive:
    """This session's live networks (made on first use)."""
    board = st.session_state.get("_lesson_live")
    if not isinstance(board, LessonLive):
        board = st.session_state["_lesson_live"] = LessonLive()
    return board


INPUT_KNOBS = ("steps", "signal", "example", "variant")  # what a live view may change freely


def _trainer(s: Mapping[str, Any], args: Mapping[str, Any]):
    """The session's trainer for this network (made from the chooser's origin on first use), or
    None with the reason when it cannot train (more than one layer)."""
    from explainer.trainer import Trainer

    board = lesson_live()
    origin = {k: v for k, v in args.items() if k not in INPUT_KNOBS or k == "steps"}
    origin["variant"] = "standard"
    origin["signal"] = TASK_SIGNAL
    origin["example"] = 0
    if s["origin"] == "trained":
        origin.update(WEIGHT_KNOBS, net="trained")
    else:
        origin["net"] = "untrained"
    key = tuple(sorted(origin.items()))
    board.used.setdefault(s["page"], [])
    if key not in board.used[s["page"]]:
        board.used[s["page"]].append(key)
    if key in board.trainers:
        board.trainers.move_to_end(key)
        return key, board.trainers[key]
    start = cached_run(**origin)
    if start.model.num_layers != 1:
        board.untrainable.add(s["page"])
        return key, None
    board.untrainable.discard(s["page"])
    trainer = Trainer(
        start.model,
        start.readout,
        origin["task"],
        T=int(min(max(origin["steps"], 2), MAX_STEPS)),
        batch=LIVE_BATCH,
        seed=int(origin["seed"]),
    )
    board.trainers[key] = trainer
    while len(board.trainers) > MAX_LIVE:
        board.trainers.popitem(last=False)
    return key, trainer


def live_run(s: Mapping[str, Any], args: Mapping[str, Any]) -> Run:
    """A run of this session's live network: its current weights, or the snapshot scrubbed to."""
    key, trainer = _trainer(s, args)
    if trainer is None:  # cannot train: show the network it would start from
        return cached_run(**{**args, "net": s["origin"]})
    board = lesson_live()
    with board.lock:
        n = len(trainer.snapshots)
        view = board.view if board.view is not None and board.view < n else None
        step = trainer.steps if view is None else trainer.snapshots[view].step
        memo = (key, trainer.steps, view, tuple(args[k] for k in INPUT_KNOBS if k in args))
    if memo in board.runs:
        return board.runs[memo]
    with board.lock:  # the Play job writes these arrays in place
        if view is None:
            model, readout = trainer.model.with_params(), trainer.readout.copy()
        else:
            model, readout = trainer.network_at(view)
    if args.get("variant", "standard") != "standard":
        model = model.with_params(variant=args["variant"])
    x, markers, target = task_input(args["task"], args["signal"], args["steps"], args["example"])
    run = network_run(
        model,
        x,
        readout,
        task=args["task"],
        markers=markers,
        target=target,
        net="live",
        trained_steps=step,
    )
    if len(board.runs) > 64:
        board.runs.clear()
    board.runs[memo] = run
    return run


def play_tick(trainers: list, lock: threading.RLock, most: int | None = None) -> int:
    """The training share of one Play tick: steps round-robin over the page's networks until
    TICK_TRAIN_S is spent (at least one each; at most `most`), under `lock` one step at a time so
    that a redraw never waits long; returns the steps taken (0 once one has diverged)."""
    done, t0 = 0, time.perf_counter()
    while most is None or done < most:
        with lock:
            if any(tr.diverged for tr in trainers):
                break
            for tr in trainers:
                tr.step(1)
        # Hand the GIL, and with it the lock, to a redraw waiting for it: without this the
        # loop takes the lock straight back, and a redraw waited for the whole tick (py-spy: half
        # of a redraw's time, during Play, was that wait)
        time.sleep(0)
        done += 1
        if time.perf_counter() - t0 >= TICK_TRAIN_S:
            break
    return done


def _play_job(
    trainers: list,
    lock: threading.RLock,
    steps: int | None = None,
    drawn: threading.Event | None = None,
):
    """The job Play (or Step: `steps` steps) puts on the training queue: a `play_tick`, a
    report, and a rest until the tick's TICK_S are up, so a Play takes a bounded share of a core
    and the views redraw between ticks. With `drawn` (set by each redraw), a Play's tick starts
    once the last redraw has ended (or after TICK_S without one): training and redrawing take
    turns instead of slowing each other down. Ends on the board's stop or a divergence."""

    def job(board: live.Board) -> None:
        done = 0
        while not board.stopping and (steps is None or done < steps):
            if drawn is not None and steps is None:
                drawn.wait(TICK_S)
                drawn.clear()
            t0 = time.perf_counter()
            k = play_tick(trainers, lock, None if steps is None else steps - done)
            done += k
            board.report()
            if k == 0 or any(tr.diverged for tr in trainers):
                return
            if steps is None:
                time.sleep(max(0.0, TICK_S - (time.perf_counter() - t0)))

    return job


def _page_trainers(page: str) -> list:
    """The live networks this page showed in its last render (the ones Play trains)."""
    return _page_trainers_of(lesson_live(), page)


def _page_trainers_of(board: LessonLive, page: str) -> list:
    return [board.trainers[k] for k in board.used.get(page, []) if k in board.trainers]


def _from_view(board: LessonLive, trainers: list) -> None:
    """Training on from a scrubbed snapshot continues from there (the later history goes)."""
    if board.view is not None:
        for tr in trainers:
            if board.view < len(tr.snapshots) - 1:
                tr.restore(board.view)
    board.view = None


def _start(page: str, steps: int | None) -> None:
    board = lesson_live()
    trainers = _page_trainers(page)
    board.pause()
    with board.lock:
        _from_view(board, trainers)
    board.note = None
    if not trainers or any(tr.diverged for tr in trainers):
        board.note = t("live_diverged", why=trainers[0].diverged) if trainers else None
        return
    board.board = train_live(
        "_lesson_board",
        _play_job(trainers, board.lock, steps, board.drawn),
        page,
        label=f"lesson-{page}",
        idle_after=PLAY_IDLE_S,
    )
    if steps is not None:  # Step waits for its few steps (bounded: STEP_K steps)
        board.board.wait(10.0)
    _diverged_note(board, trainers)


def _diverged_note(board: LessonLive, trainers: list) -> None:
    diverged = [tr.diverged for tr in trainers if tr.diverged]
    if diverged:
        board.note = t("live_diverged", why=diverged[0])


def _on_play(page: str) -> None:
    _start(page, None)


def _on_pause() -> None:
    lesson_live().pause()


def _on_step(page: str) -> None:
    _start(page, STEP_K)


def _on_reset(page: str) -> None:
    board = lesson_live()
    board.pause()
    if board.board is not None:
        board.board.wait(2.0)
    with board.lock:
        board.view, board.note = None, None
        for tr in _page_trainers(page):
            tr.reset()


def _on_scrub(page: str) -> None:
    board = lesson_live()
    j = st.session_state.get(f"live_view_{page}")
    trainers = _page_trainers(page)
    n = min((len(tr.snapshots) for tr in trainers), default=0)
    latest = trainers and j == n - 1 and trainers[0].steps == trainers[0].snapshots[-1].step
    board.view = None if j is None or latest else int(j)


def live_controls(s: Mapping[str, Any]) -> None:
    """Play / Pause, Step, Reset and the history scrubber of the page's live networks. Clicks act
    in callbacks, before the script reruns, so the views drawn next show their effect; Play and
    Pause rerun the whole page, which starts or stops the live redraws."""
    if s.get("net") != "live":
        return
    page = s["page"]
    board = lesson_live()
    trainers = _page_trainers(page)
    c1, c2, c3, c4 = st.columns([1, 1, 1, 5])
    if board.playing:
        c1.button(t("live_pause"), key="live_pause", type="primary", on_click=_on_pause)
    else:
        c1.button(t("live_play"), key="live_play", type="primary", on_click=_on_play, args=(page,))
    c2.button(
        t("live_step"), key="live_step", disabled=board.playing, on_click=_on_step, args=(page,)
    )
    c3.button(t("live_reset"), key="live_reset", on_click=_on_reset, args=(page,))
    n = min((len(tr.snapshots) for tr in trainers), default=0)
    if not board.playing and n > 1:
        steps = [snap.step for snap in trainers[0].snapshots[:n]]
        key = f"live_view_{page}"
        st.session_state[key] = n - 1 if board.view is None else min(board.view, n - 1)
        c4.select_slider(
            t("live_history"),
            options=list(range(n)),
            format_func=lambda j: t("live_snapshot", step=steps[j]),
            key=key,
            on_change=_on_scrub,
            args=(page,),
        )
    if page in board.untrainable:
        st.info(t("live_layers"))
    if board.note:
        st.warning(board.note)


T = TypeVar("T")


def held(view: str, make: Callable[[], T], *depends: Any) -> T:
    """`make()`, the value that draws `view` (a PageRun, the figure's inputs), made again on only
    every HOLD_TICKS-th Play redraw, in turn with the page's other held views; in between, the
    value it made last, so its charts stay the same charts. Why: the page's main view, the gate
    heatmaps, is repainted in place in the browser (`ui.livechart`), but a side view's new figure
    costs Plotly.react 40-110 ms of Chromium, and a page has 3-4 of them; so the heatmaps follow
    the current weights on every redraw, each held view at most HOLD_TICKS - 1 redraws (1 s)
    behind them. Outside Play, on any click (a full run) and when `depends` (the view's cursor:
    t, unit, layer) change, `make()` runs at once."""
    board = lesson_live()
    if not board.ticking:
        return make()
    entry = board.held.get(view)
    index = entry[0] if entry else len(board.held)
    fresh = (
        entry is not None
        and entry[1] == board.touched
        and entry[2] == depends
        and (entry[3] == board.tick or board.tick % HOLD_TICKS != index % HOLD_TICKS)
    )
    if fresh:
        return entry[4]
    value = make()
    board.held[view] = (index, board.touched, depends, board.tick, value)
    return value


def lesson_view(s: Mapping[str, Any], body: Callable[[], None]) -> None:
    """Draw the page's views (`body`): once, or, while a live network plays, again every TICK_S
    inside a fragment, each time after a bounded share of training, so every view follows the
    current weights. The redraws stop with Pause, on leaving the page, when the tab closes (the
    browser asks for them) and after PLAY_IDLE_S without a click. A live network's views are
    live charts (`ui.livechart`), which the browser updates in place."""
    board = lesson_live()
    live = s.get("net") == "live"
    playing = live and board.playing

    @st.fragment(run_every=TICK_S if playing else None)
    def view() -> None:
        t0 = time.perf_counter()
        board.tick += 1
        board.ticking = playing
        if not playing:
            board.held.clear()
        try:
            if live:
                _live_status(s, board, playing)
            with livechart.drawing_live(live):
                body()
        finally:
            board.ticking = False
            board.draw_s = time.perf_counter() - t0
            board.drawn.set()

    view()


def _live_status(s: Mapping[str, Any], board: LessonLive, redrawing: bool) -> None:
    """Inside the fragment: tell the Play job a viewer is there, stop it after PLAY_IDLE_S without
    a click, end the redraws once it has settled; then the step counter and the losses."""
    trainers = _page_trainers(s["page"])
    job = board.board
    if job is not None and job.active:
        job.seen()
        if time.monotonic() - board.touched > PLAY_IDLE_S:
            job.stop()
            board.note = t("live_idle", seconds=int(PLAY_IDLE_S))
        if job.status == "queued":
            running, _ = live.QUEUE.counts()
            st.info(
                t("live_queued", position=job.position, running=running, limit=live.QUEUE.limit)
            )
    elif redrawing:  # the job settled (idle, diverged, stopped): end the redraws
        st.rerun(scope="app")
    with board.lock:
        _diverged_note(board, trainers)
        step = trainers[0].steps if trainers else 0
        scrubbed = board.view is not None and bool(trainers)
        if scrubbed:  # a kept snapshot: its step and its held-out metric, as stored
            snaps = [tr.snapshots[min(board.view, len(tr.snapshots) - 1)] for tr in trainers]
            step = snaps[0].step
            shown = [
                (tr.model.cell, snap.metric, tr.task)
                for tr, snap in zip(trainers, snaps, strict=True)
            ]
        else:
            shown = [
                (tr.model.cell, tr.losses[-1] if tr.losses else None, tr.task) for tr in trainers
            ]
    cols = st.columns(max(len(trainers), 1) + 1)
    cols[0].metric(t("live_steps"), f"{step}", help=t("live_steps_help"))
    for col, (cell, value, task) in zip(cols[1:], shown, strict=False):
        col.metric(
            t("live_metric" if scrubbed else "live_loss", cell=t(f"cell_{cell}")),
            "–" if value is None else f"{value:.4f}",
            help=t("live_loss_help", baseline=f"{task.baseline:.3f}"),
        )
