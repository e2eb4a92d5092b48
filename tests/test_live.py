"""The live-training queue (`explainer.live`): with the limit at 1 a second training waits, knows
its place, and starts when the first ends or stops; Stop works while queued; one training per
owner; a closed tab (owner gone) or an idle viewer stops it; failures become messages; workers run
at a lower priority. Jobs here are gated by events, so every test takes well under a second."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import pytest

from explainer import live


@dataclass
class Rec:
    steps: int = 0
    nice: int | None = None
    go: threading.Event = field(default_factory=threading.Event)


def gated(board: live.Board[Rec]) -> None:
    """Counts steps until its record's event is set or a stop is asked."""
    while not board.record.go.is_set() and not board.stopping:
        with board.lock:
            board.record.steps += 1
        board.report()
        time.sleep(0.005)


def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_with_the_limit_at_one_the_second_waits_knows_its_place_and_starts_after_the_first():
    q = live.Queue(1)
    a = q.submit(gated, Rec(), owner="A")
    until(lambda: a.status == "running")
    b = q.submit(gated, Rec(), owner="B")
    c = q.submit(gated, Rec(), owner="C")
    until(lambda: c.position == 2)
    time.sleep(0.05)
    assert (b.status, b.position, b.record.steps) == ("queued", 1, 0)  # B waits, next in line
    assert (c.status, c.record.steps) == ("queued", 0)
    assert q.counts() == (1, 2)
    a.record.go.set()  # the first ends ...
    assert a.wait(2) and a.status == "done"
    until(lambda: b.status == "running")  # ... and the second starts, the third moves up
    until(lambda: b.record.steps > 0)
    assert (b.position, c.position, c.status) == (0, 1, "queued")
    b.stop()  # the second stops ...
    assert b.wait(2) and b.status == "stopped"
    until(lambda: c.status == "running")  # ... and the third starts
    c.record.go.set()
    assert c.wait(2) and c.status == "done"
    assert q.counts() == (0, 0)


def test_stop_while_queued_leaves_the_queue_without_running():
    q = live.Queue(1)
    a = q.submit(gated, Rec(), owner="A")
    b = q.submit(gated, Rec(), owner="B")
    c = q.submit(gated, Rec(), owner="C")
    until(lambda: c.position == 2)
    b.stop()
    assert b.wait(1)  # at once, not when the running one ends
    assert (b.status, b.record.steps, b.started) == ("stopped", 0, None)
    assert c.position == 1 and a.status == "running"
    a.stop()
    c.stop()
    assert a.wait(2) and c.wait(2)


def test_a_larger_limit_runs_that_many_at_once():
    q = live.Queue(2)
    boards = [q.submit(gated, Rec(), owner=o) for o in "ABC"]
    until(lambda: boards[1].status == "running")
    assert boards[0].status == "running" and boards[2].position == 1
    q.limit = 3  # the limit can change while the server runs: the waiting one starts
    until(lambda: boards[2].status == "running")
    for b in boards:
        b.record.go.set()
        assert b.wait(2) and b.status == "done"


def test_one_training_per_owner_a_new_one_stops_the_previous():
    q = live.Queue(2)
    first = q.submit(gated, Rec(), owner="A")
    until(lambda: first.status == "running")
    second = q.submit(gated, Rec(), owner="A")
    assert first.wait(2) and first.status == "stopped"
    until(lambda: second.status == "running")
    other = q.submit(gated, Rec(), owner="B")  # another owner's training is left alone
    until(lambda: other.status == "running")
    assert second.status == "running"
    second.stop()
    other.stop()
    assert second.wait(2) and other.wait(2)


def test_an_owner_that_has_gone_stops_its_training_running_or_queued():
    q = live.Queue(1)
    here = {"A": True, "B": True}
    a = q.submit(gated, Rec(), owner="A", alive=lambda: here["A"])
    b = q.submit(gated, Rec(), owner="B", alive=lambda: here["B"])
    until(lambda: a.record.steps > 0)
    here["B"] = False  # the waiting tab is closed
    assert b.wait(live.LIVENESS_S + 2) and b.status == "stopped" and b.record.steps == 0
    here["A"] = False  # the training tab is closed
    assert a.wait(live.LIVENESS_S + 2) and a.status == "stopped"
    assert q.counts() == (0, 0)


def test_a_board_nobody_looks_at_stops_after_idle_after():
    q = live.Queue(1)
    b = q.submit(gated, Rec(), idle_after=0.3)
    until(lambda: b.status == "running")
    for _ in range(5):  # a viewer that keeps looking keeps it going
        time.sleep(0.1)
        b.seen()
    assert b.status == "running"
    assert b.wait(2) and b.status == "stopped"  # then nobody looks


def test_failures_are_messages_and_checkpoint_stops():
    q = live.Queue(1)

    def broken(board):
        raise ValueError("the windows do not fit")

    def checkpointed(board):
        while True:
            board.checkpoint()
            time.sleep(0.005)

    bad = q.submit(broken, Rec())
    assert bad.wait(2) and (bad.status, bad.error) == ("failed", "the windows do not fit")
    ok = q.submit(checkpointed, Rec())
    until(lambda: ok.status == "running")
    ok.stop()
    assert ok.wait(2) and ok.status == "stopped"
    assert q.counts() == (0, 0)  # failures free their place too


def test_progress_reports_bump_the_version_and_clip_the_fraction():
    q = live.Queue(1)

    def job(board):
        for f in (0.5, 2.0):
            board.report(f)
            board.record.steps = board.version

    b = q.submit(job, Rec())
    assert b.wait(2) and b.fraction == 1.0
    assert b.record.steps >= 2 and b.version > b.record.steps  # running, reports, done


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread priority is Linux's")
def test_workers_run_at_a_lower_priority_than_the_page():
    q = live.Queue(1)

    def job(board):
        board.record.nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    b = q.submit(job, Rec())
    assert b.wait(2)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert b.record.nice == min(19, mine + live.NICE)


def test_the_limit_comes_from_one_environment_variable(monkeypatch):
    monkeypatch.setenv(live.ENV_LIMIT, "3")
    assert live.default_limit() == 3
    for bad in ("0", "-2", "two", ""):
        monkeypatch.setenv(live.ENV_LIMIT, bad)
        assert live.default_limit() == max(1, len(os.sched_getaffinity(0)) - 1)


def test_a_page_follows_a_board_until_it_settles_and_keeps_it_in_the_session():
    from streamlit.testing.v1 import AppTest

    def page():  # the script AppTest runs: it sees only what it imports itself
        import time
        from dataclasses import dataclass

        import streamlit as st

        from explainer import ui

        @dataclass
        class Rec:
            steps: int = 0

        def job(board):
            for _ in range(5):
                board.record.steps += 1
                board.report(board.record.steps / 5)
                time.sleep(0.01)

        if st.button("Train", key="go"):
            ui.train_live("board", job, Rec(), label="test")
        board = st.session_state.get("board")
        if board is not None:
            ui.follow(board, lambda b, key: st.progress(b.fraction))
            st.write(f"{board.status}: {board.record.steps} steps")

    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    at.button(key="go").click().run()
    assert not at.exception
    board = at.session_state["board"]
    assert board.status == "done" and board.record.steps == 5
    assert [m.value for m in at.markdown] == ["done: 5 steps"]
    assert [b.key for b in at.button] == ["go"]  # the Stop button went with the training


def test_follow_gives_every_draw_a_new_key_though_the_version_stays():
    """The memory lab's CI failure (StreamlitDuplicateElementKey on a loaded machine): the job
    had moved between two reads, so one run drew the board twice at one version, and the chart's
    key was made from the version. `follow` now hands each draw its own key."""
    from streamlit.testing.v1 import AppTest

    def page():
        import plotly.graph_objects as go
        import streamlit as st

        from explainer import live, ui

        class Moving(live.Board):  # its status moves while its version reads the same
            reads = 0

            @property
            def settled(self) -> bool:
                self.reads += 1
                return self.reads > 4

            def wait(self, timeout=None) -> bool:
                self.status = "done"  # a new status, its version not yet bumped
                return False

        board = Moving(record=None, status="running")
        keys: list[str] = []

        def draw(b, key):
            keys.append(key)
            st.plotly_chart(go.Figure(go.Scatter(y=[1, 2])), key=f"chart_{key}")

        ui.follow(board, draw, every=0.0)
        st.write(f"{len(keys)} draws, {len(set(keys))} keys, version {board.version}")

    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["2 draws, 2 keys, version 0"]
