"""Live training: trainings that outlive a script run, a server-wide queue that bounds how many
run at once, and one way to stop them. No Streamlit here (its thin part is in `explainer.ui`:
`train_live`, `follow`), no torch (the jobs bring their own).

The protocol
------------
A page never trains inside its script run. It *submits* a job, a function `job(board)` that trains
and writes what it learns into `board.record`, the page's own dataclass::

    board = live.submit(job, Record(...), owner=session_id)   # returns at once, status "queued"
    board.status     # "queued" -> "running" -> "done" | "stopped" | "failed"
    board.position   # while queued: 1 = next to start; 0 otherwise
    board.stop()     # any thread: a queued board leaves the queue, a running one stops
    board.wait(0.25) # True once it has settled (done, stopped or failed)

The job runs in a worker thread of its own, which waits in the queue first. Inside it:

    board.stopping      # poll it (the backends' `should_stop`): a stop was asked, or the owner left
    board.checkpoint()  # the same, as an exception (`Stopped`) for callbacks that cannot return
    with board.lock:    # write the record under the lock; a viewer reads under it
        board.record.rows.append(...)
    board.report(0.4)   # fraction done; every report bumps `board.version`

A job that returns after a stop settles as "stopped", one that returns otherwise as "done"; an
exception other than `Stopped` settles it as "failed" with `board.error` (its message). The viewer
(`ui.follow` on a page) redraws whenever `board.version` moves and never writes the record; the
page turns a settled record into its results. A click ends the viewing script run, never the
training: the next run finds the board in the session and follows it again, so a training survives
every click but Stop.

Bounded work (one class on one server)
--------------------------------------
- At most `QUEUE.limit` jobs run at once, server-wide; the others wait first come, first served
  and know their place. The limit is set in one place: the environment variable
  `RNN_EXPLAINER_TRAININGS`, else `max(1, cores - 1)` (a core stays free for page reruns).
- One training per owner (a browser tab's session): submitting another stops the previous one.
- A worker lowers its own scheduling priority by `NICE` (Linux: per thread), so page reruns go
  first; the jobs keep torch to one thread, and the server keeps NumPy's BLAS to one thread
  (`one_blas_thread`, called once by `ui.warm_up`): a reference forward or a trainer step spread
  over both cores by OpenBLAS was 12x slower under load than on one (45 s against 3.7 s).
- A board whose owner has gone (`alive()` false: the tab was closed) stops, checked at least every
  `LIVENESS_S` seconds, queued or running; a board given `idle_after` also stops when no viewer has
  called `board.seen()` for that long (a Play button whose tab is hidden).

Lesson pages (Play / Pause / Step)
----------------------------------
The same board serves a Play button: the job loops `while not board.stopping:` k steps, then
publishes the new weights into the record and `report()`s; a fragment that reruns every 0.2 s draws
the record's latest weights and calls `board.seen()`. Pause is `board.stop()` (the record keeps the
weights, and Play submits a new job that continues from them); Step submits a job of k steps and
waits for it. Every live training, long or short, goes through the one queue.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

__all__ = ["Board", "Queue", "QUEUE", "Stopped", "default_limit", "one_blas_thread", "submit"]

Status = Literal["queued", "running", "done", "stopped", "failed"]
R = TypeVar("R")

ENV_LIMIT = "RNN_EXPLAINER_TRAININGS"  # the one place the server-wide limit is configured
NICE = 10  # added to a worker thread's nice value: page reruns are scheduled first
LIVENESS_S = 1.0  # how often the owner's liveness is checked (a closed tab stops within ~2 s)
_LOG = logging.getLogger(__name__)


class Stopped(Exception):
    """Raised by `Board.checkpoint()` inside a job once the board should stop."""


def default_limit() -> int:
    """`RNN_EXPLAINER_TRAININGS` when set to a whole number >= 1, else max(1, cores - 1)."""
    raw = os.environ.get(ENV_LIMIT, "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    try:
        cores = len(os.sched_getaffinity(0))  # the cores this process may use (containers)
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def one_blas_thread() -> dict[str, int]:
    """Keep NumPy's BLAS (OpenBLAS) to one thread in this whole process, from now on, and return
    each BLAS library's thread count as the library itself now reports it (threadpoolctl calls
    OpenBLAS's own setter, which holds for every thread, those started before included).

    A server runs many sessions and trainings side by side: each should take one core, never
    several for one matrix product. `OPENBLAS_NUM_THREADS=1` does the same only if it is set before
    NumPy is first loaded, which a plain `streamlit run app.py` does not promise."""
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(1, user_api="blas")  # kept after the call (not used as a context manager)
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def _always() -> bool:
    return True


@dataclass(eq=False)
class Board(Generic[R]):
    """One training: the page's `record` (written by the job) and where the training stands."""

    record: R  # the page's own dataclass: settings, history, weights; the job writes it
    owner: str = ""  # who started it (a session id); "" for none
    label: str = ""  # what it trains, for logs and thread names
    alive: Callable[[], bool] = field(default=_always, repr=False)  # is the owner still there?
    idle_after: float | None = None  # seconds without `seen()` after which it stops (None: never)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: Status = "queued"
    position: int = 0  # 1-based place in the queue while queued; 0 once it runs
    fraction: float = 0.0  # of the job done, in [0, 1], as the job reports it
    version: int = 0  # bumped by every change a viewer should draw
    error: str | None = None  # a failed job's message
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None  # when it left the queue (monotonic seconds)
    ended: float | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _settled: threading.Event = field(default_factory=threading.Event, repr=False)
    _wake: Callable[[], None] = field(default=lambda: None, repr=False)  # the queue's notify
    _checked: float = field(default=0.0, repr=False)
    _seen: float = field(default_factory=time.monotonic, repr=False)

    # --- for everybody
    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def settled(self) -> bool:
        return self._settled.is_set()

    @property
    def stopped(self) -> bool:
        return self.status == "stopped"

    @property
    def waited(self) -> float:
        """Seconds spent in the queue (so far, while queued)."""
        return (self.started or time.monotonic()) - self.submitted

    def stop(self) -> None:
        """Ask it to stop: a queued board leaves the queue, a running job stops at its next poll."""
        self._stop.set()
        self._wake()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until it has settled or `timeout` seconds have passed; True if it has settled."""
        return self._settled.wait(timeout)

    def seen(self) -> None:
        """A viewer is still looking (only matters with `idle_after`)."""
        self._seen = time.monotonic()

    # --- for the job
    @property
    def stopping(self) -> bool:
        """True once a stop was asked, the owner has gone, or no viewer looked for `idle_after`."""
        if self._stop.is_set():
            return True
        now = time.monotonic()
        if self.idle_after is not None and now - self._seen > self.idle_after:
            self._stop.set()
        elif now - self._checked >= LIVENESS_S:
            self._checked = now
            if not self.alive():
                self._stop.set()
        return self._stop.is_set()

    def checkpoint(self) -> None:
        """Raise `Stopped` once the board should stop (for callbacks that cannot return early)."""
        if self.stopping:
            raise Stopped

    def report(self, fraction: float | None = None) -> None:
        """The record changed (and, if given, the fraction done): viewers redraw."""
        with self.lock:
            if fraction is not None:
                self.fraction = min(1.0, max(0.0, float(fraction)))
            self.version += 1

    def _set(self, **changes: Any) -> None:
        with self.lock:
            for k, v in changes.items():
                setattr(self, k, v)
            self.version += 1


class Queue:
    """At most `limit` running jobs; the others wait first come, first served, one per owner."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, int(limit))
        self._cond = threading.Condition()
        self._waiting: list[Board] = []
        self._running: list[Board] = []
        self._latest: dict[str, Board] = {}  # owner -> its latest board

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, n: int) -> None:
        with self._cond:
            self._limit = max(1, int(n))
            self._cond.notify_all()

    def counts(self) -> tuple[int, int]:
        """(running, waiting) right now."""
        with self._cond:
            return len(self._running), len(self._waiting)

    def submit(
        self,
        job: Callable[[Board[R]], None],
        record: R,
        *,
        owner: str = "",
        label: str = "",
        alive: Callable[[], bool] | None = None,
        idle_after: float | None = None,
    ) -> Board[R]:
        """Queue `job(board)` in a worker thread of its own; stops `owner`'s previous training."""
        board = Board(
            record=record, owner=owner, label=label, alive=alive or _always, idle_after=idle_after
        )
        board._wake = self._notify
        with self._cond:
            previous = self._latest.get(owner) if owner else None
            if previous is not None and previous.active:
                previous._stop.set()
            if owner:
                self._latest[owner] = board
            self._waiting.append(board)
            self._renumber()
            self._cond.notify_all()
        name = f"live-{label or 'training'}-{board.id[:6]}"
        threading.Thread(target=self._work, args=(board, job), name=name, daemon=True).start()
        return board

    # --- inside the worker thread
    def _work(self, board: Board, job: Callable[[Board], None]) -> None:
        _lower_priority()
        if not self._wait_for_turn(board):
            return
        try:
            job(board)
            status = "stopped" if board._stop.is_set() else "done"
            board._set(status=status, ended=time.monotonic())
        except Stopped:
            board._set(status="stopped", ended=time.monotonic())
        except Exception as e:  # a job's failure is its board's message, never the server's
            _LOG.warning("training %s failed", board.label, exc_info=True)
            board._set(status="failed", error=str(e) or type(e).__name__, ended=time.monotonic())
        finally:
            with self._cond:
                if board in self._running:
                    self._running.remove(board)
                if self._latest.get(board.owner) is board:
                    del self._latest[board.owner]
                self._cond.notify_all()
            board._settled.set()

    def _wait_for_turn(self, board: Board) -> bool:
        """Wait in the queue; True when the board may run, False when it left the queue."""
        with self._cond:
            while True:
                if board.stopping:  # also notices a closed tab, every LIVENESS_S at most
                    self._waiting.remove(board)
                    self._renumber()
                    if self._latest.get(board.owner) is board:
                        del self._latest[board.owner]
                    self._cond.notify_all()
                    board._set(status="stopped", ended=time.monotonic())
                    board._settled.set()
                    return False
                free = self._limit - len(self._running)
                if self._waiting.index(board) < free:
                    self._waiting.remove(board)
                    self._running.append(board)
                    self._renumber()
                    board._set(status="running", position=0, started=time.monotonic())
                    return True
                self._cond.wait(timeout=LIVENESS_S)

    def _renumber(self) -> None:
        for i, b in enumerate(self._waiting, start=1):
            if b.position != i:
                b._set(position=i)

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()


def _lower_priority() -> None:
    """This thread's nice value + NICE (Linux sets it per thread; elsewhere nothing happens)."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + NICE)
    except (AttributeError, OSError):
        pass


QUEUE = Queue(default_limit())  # the server's one queue


def submit(
    job: Callable[[Board[R]], None],
    record: R,
    *,
    owner: str = "",
    label: str = "",
    alive: Callable[[], bool] | None = None,
    idle_after: float | None = None,
) -> Board[R]:
    """`QUEUE.submit`: queue a training on the server's one queue."""
    return QUEUE.submit(job, record, owner=owner, label=label, alive=alive, idle_after=idle_after)
