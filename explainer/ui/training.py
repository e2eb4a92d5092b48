"""Live training, the Streamlit side of `explainer.live`: queue a session's job and follow it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from explainer import live
from explainer.ui.core import t


def _session_id() -> str:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


def _alive(session_id: str) -> Callable[[], bool] | None:
    """Is this browser tab's session still connected? (None where there is no server: AppTest.)"""
    from streamlit.runtime import Runtime

    if not session_id or not Runtime.exists():
        return None
    runtime = Runtime.instance()
    return lambda: runtime.is_active_session(session_id)


def train_live(
    key: str,
    job: Callable[[live.Board], None],
    record: Any,
    *,
    label: str = "",
    idle_after: float | None = None,
) -> live.Board:
    """Queue `job` on the server's training queue for this session (stopping the session's
    previous training) and keep its board in `st.session_state[key]`; see `explainer.live`."""
    sid = _session_id()
    board = live.submit(
        job, record, owner=sid, label=label, alive=_alive(sid), idle_after=idle_after
    )
    st.session_state[key] = board
    return board


def follow(
    board: live.Board,
    draw: Callable[[live.Board, str], None],
    *,
    stop_where: Any = None,
    every: float = 0.25,
) -> live.Board:
    """Show `board` until it settles, then return it: a Stop button (in `stop_where`), the queue
    position while it waits, and `draw(board, key)` (the page's progress view) whenever the job
    has reported something new. `key` is new on every call, for the elements `draw` makes: one
    script run may draw the board twice at one `board.version` (the job moves on between two
    reads, and a status change is a redraw), and Streamlit refuses a key used twice in a run. A
    click elsewhere ends this script run, not the training: the next run calls `follow` again.
    Drawing reads the record; only the job writes it."""
    if board.settled:
        return board
    stop_slot = (stop_where if stop_where is not None else st).empty()
    stop_slot.button(
        t("live_stop"), key=f"live_stop_{board.id}", icon=":material/stop:", on_click=board.stop
    )
    view = st.empty()
    drawn = None
    draws = 0
    while not board.settled:
        board.seen()
        with board.lock:  # the job sets a new status and bumps the version under it
            now = (board.version, board.status, board.stopping)
        if now == drawn:
            st.session_state.get("_live")  # a yield point: a click ends this run here
        else:
            drawn = now
            with view.container():
                if board.stopping:
                    st.caption(t("live_stopping"))
                elif board.status == "queued":
                    running, _ = live.QUEUE.counts()
                    st.info(
                        t(
                            "live_queued",
                            position=board.position,
                            running=running,
                            limit=live.QUEUE.limit,
                        )
                    )
                else:
                    draws += 1
                    draw(board, f"{board.id}_{draws}")
        board.wait(every)
    stop_slot.empty()
    view.empty()
    return board
