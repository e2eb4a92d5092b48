"""A class of simulated students against a freshly started server, through Streamlit's websocket.

Each student is one websocket to `/_stcore/stream` speaking Streamlit's own protocol (`BackMsg`
in, `ForwardMsg` out), as the browser does, without a browser: a rerun is a `rerun_script`
carrying the page, the query string and the widget states, and it ends with `script_finished`.
An element of type `exception` is an error box the student would see.

    python benchmarks/classroom.py                  # N = 10, 30, 60; lesson pages; 1 replica
    python benchmarks/classroom.py --students 10 30 --trainers 0 2 --replicas 1 2

Every server is started fresh (a warm server hides cold-start errors), bound to 127.0.0.1, and
stopped at the end; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON_PAGES = ("unroll", "gradients", "lstm", "adds", "gru", "compare")


# --- a server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy in {timeout:.0f} s")


def streamlit_command(port: int, *extra: str) -> list[str]:
    """The teacher's plain `streamlit run app.py`, on a loopback port."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra,
    ]


@contextlib.contextmanager
def streamlit_server(log: Path | None = None, port: int | None = None):
    """A fresh `streamlit run app.py`; yields (base URL, process)."""
    port = port or free_port()
    out = open(log, "w") if log else subprocess.DEVNULL  # a file, never an undrained pipe
    proc = subprocess.Popen(streamlit_command(port), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(k) for k in kids]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


# --- a student -----------------------------------------------------------------------------------
@dataclass
class Rerun:
    seconds: float
    errors: list[str]  # the error boxes this rerun showed
    finished: bool  # False: the server never said the script finished (timeout or closed)
    charts: int = 0  # Plotly charts it showed


@dataclass
class Student:
    """One browser tab: a websocket session on one page, with the widgets the page last sent."""

    url: str
    page: str
    query: str = ""
    headers: dict = field(default_factory=dict)
    ws: object = None
    widgets: dict = field(default_factory=dict)  # widget key -> its proto (the last one sent)
    states: dict = field(default_factory=dict)  # widget id -> WidgetState we send on each rerun
    cookies: str = ""

    async def connect(self, timeout: float = 30) -> None:
        import websockets

        ws_url = self.url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = self.cookies
        self.ws = await asyncio.wait_for(
            websockets.connect(
                ws_url,
                subprotocols=["streamlit"],
                additional_headers=headers,
                max_size=None,
                open_timeout=timeout,
            ),
            timeout,
        )

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def rerun(self, timeout: float = 60) -> Rerun:
        """Ask for a run of the page with the current widget states; read until it finishes."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        for st in self.states.values():
            cs.widget_states.widgets.append(st)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        errors: list[str] = []
        charts = 0
        finished = False
        deadline = start + timeout
        with contextlib.suppress(asyncio.TimeoutError, OSError, Exception):
            while not finished:
                left = deadline - time.perf_counter()
                if left <= 0:
                    break
                raw = await asyncio.wait_for(self.ws.recv(), left)
                fm = ForwardMsg()
                fm.ParseFromString(raw)
                kind = fm.WhichOneof("type")
                if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    etype = el.WhichOneof("type")
                    if etype == "exception":
                        errors.append(f"{el.exception.type}: {el.exception.message}")
                    elif etype == "plotly_chart":
                        charts += 1
                    else:
                        proto = getattr(el, etype)
                        wid = getattr(proto, "id", "")
                        if isinstance(wid, str) and wid.startswith("$$ID"):
                            self.widgets[wid.rsplit("-", 1)[-1]] = proto
                elif kind == "page_info_changed":
                    self.query = fm.page_info_changed.query_string
                elif kind == "script_finished":
                    # 2: finished early because another rerun was asked for; keep reading
                    finished = fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        return Rerun(time.perf_counter() - start, errors, finished, charts)

    def sliders(self) -> list[str]:
        return [k for k, p in self.widgets.items() if type(p).__name__ == "Slider"]

    def move_slider(self, key: str, rng: random.Random) -> None:
        """Set slider `key` to a random value in its range (as a drag would)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        p = self.widgets[key]
        n = int(round((p.max - p.min) / p.step)) if p.step else 0
        value = p.min + rng.randint(0, max(n, 0)) * p.step
        st = WidgetState(id=p.id)
        st.double_array_value.data.append(value)
        self.states[p.id] = st

    def press(self, key: str) -> None:
        """A button press: a trigger sent once with the next rerun."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        p = self.widgets[key]
        self.states[p.id] = WidgetState(id=p.id, trigger_value=True)


async def first_sessions(
    url: str, n: int, spacing: float, pages=LESSON_PAGES, timeout: float = 60
) -> list[Rerun]:
    """`n` students opening `pages` in turn, `spacing` s apart: the first run of each session."""

    async def one(i: int) -> Rerun:
        await asyncio.sleep(i * spacing)
        s = Student(url, pages[i % len(pages)])
        try:
            await s.connect(timeout)
            return await s.rerun(timeout)
        except Exception as e:  # a refused or dropped connection is an error too
            return Rerun(0.0, [f"{type(e).__name__}: {e}"], False)
        finally:
            await s.close()

    return await asyncio.gather(*(one(i) for i in range(n)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cold", type=int, default=0, help="only open N first sessions and report")
    args = ap.parse_args(argv)
    if args.cold:
        with streamlit_server(ROOT / "cold.log") as (url, proc):
            runs = asyncio.run(first_sessions(url, args.cold, 0.1))
        bad = [r for r in runs if r.errors or not r.finished]
        print(f"{len(bad)} of {len(runs)} first sessions saw an error")
        for r in bad[:5]:
            print(" ", r.errors[:1], r.finished)


if __name__ == "__main__":
    main()
