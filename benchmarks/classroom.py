"""A class of simulated students against a freshly started server, through Streamlit's websocket.

Each student is one websocket to `/_stcore/stream` speaking Streamlit's own protocol (`BackMsg`
in, `ForwardMsg` out), as the browser does, without a browser: a rerun is a `rerun_script`
carrying the page, the query string and the widget states, and it ends with `script_finished`.
An element of type `exception` is an error box the student would see.

    PYTHONPATH=. python benchmarks/classroom.py                  # N = 10, 30, 60; lesson pages; 1 replica
    PYTHONPATH=. python benchmarks/classroom.py --students 10 30 --trainers 0 2 --replicas 1 2
    PYTHONPATH=. python benchmarks/classroom.py --cost 20        # server CPU per slider move, page by page
    PYTHONPATH=. python benchmarks/classroom.py --profile lstm   # cProfile of one move's script run

Every server is started fresh (a warm server hides cold-start errors), bound to 127.0.0.1, and
stopped at the end; every loop is bounded in count and time.

Run it from the repository root with `PYTHONPATH=. python benchmarks/classroom.py` (it
imports `explainer` and `serve/`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import random
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from serve.serve import (  # one way to start a replica, shared with serve/
    free_port,
    replicas_behind_nginx,
    start_streamlit,
    stop,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[1]
LESSON_PAGES = ("unroll", "gradients", "lstm", "adds", "gru", "compare")


# --- a server ------------------------------------------------------------------------------------


@contextlib.contextmanager
def streamlit_server(log: Path | None = None, port: int | None = None):
    """A fresh `streamlit run app.py`; yields (base URL, process)."""
    port = port or free_port()
    proc = start_streamlit(port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, [proc])
        yield url, proc
    finally:
        stop([proc])


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


def run_async(coro):
    """`asyncio.run(coro)` in a thread of its own, so that it also works where an event loop is
    already running (pytest with Playwright's sync API)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


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
    session_id: str = ""  # the server's id of this session (from its `new_session` message)
    auto: dict = field(default_factory=dict)  # fragment id -> seconds between its auto-reruns

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

    async def rerun(self, timeout: float = 60, fragment: str = "") -> Rerun:
        """Ask for a run of the page (or of one `fragment`, as the browser's timer does for an
        `st.fragment(run_every=...)`) with the current widget states; read until it finishes."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page
        if fragment:
            cs.fragment_id, cs.is_auto_rerun = fragment, True
        else:
            self.auto.clear()  # a full run registers its timed fragments again
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
                elif kind == "auto_rerun":
                    self.auto[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
                elif kind == "stop_auto_rerun":
                    for fid in fm.stop_auto_rerun.fragment_ids:
                        self.auto.pop(fid, None)
                elif kind == "new_session":
                    self.session_id = fm.new_session.initialize.session_id
                elif kind == "page_info_changed":
                    self.query = fm.page_info_changed.query_string
                elif kind == "script_finished":
                    # 2: finished early because another rerun was asked for; keep reading
                    finished = fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        return Rerun(time.perf_counter() - start, errors, finished, charts)

    def sliders(self) -> list[str]:
        return [k for k, p in self.widgets.items() if type(p).__name__ == "Slider"]

    def move_slider(self, key: str, rng: random.Random) -> None:
        """Drag slider `key` one to three steps left or right of where it is (within its range)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        p = self.widgets[key]
        sent = self.states.get(p.id)
        now = (sent.double_array_value.data if sent else None) or p.value or p.default
        step = p.step or 1
        value = now[0] + rng.choice((-1, 1)) * rng.randint(1, 3) * step
        value = min(max(value, p.min), p.max)
        st = WidgetState(id=p.id)
        st.double_array_value.data.append(value)
        self.states[p.id] = st

    def choose(self, key: str, index: int) -> None:
        """Pick option `index` of a radio or selectbox (its state is the option's label)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        p = self.widgets[key]
        self.states[p.id] = WidgetState(id=p.id, string_value=p.options[index])

    def upload(self, key: str, name: str, data: bytes) -> http.client.HTTPResponse:
        """Upload a file as the browser does (a PUT to this session's upload URL, with the XSRF
        token), and put it in file uploader `key`'s state for the next rerun. Returns the PUT's
        response (its `X-Replica` header says which replica took it, behind serve/)."""
        import uuid

        from streamlit.proto.WidgetStates_pb2 import WidgetState

        file_id = uuid.uuid4().hex
        path = f"/_stcore/upload_file/{self.session_id}/{file_id}"
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: text/csv\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        xsrf = dict(c.split("=", 1) for c in self.cookies.split("; ") if "=" in c)
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": self.cookies,
                "X-Xsrftoken": xsrf.get("_streamlit_xsrf", ""),
            },
        )
        response = urllib.request.urlopen(request, timeout=30)
        p = self.widgets[key]
        st = WidgetState(id=p.id)
        info = st.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = file_id, name, len(data)
        info.file_urls.file_id, info.file_urls.upload_url = file_id, path
        info.file_urls.delete_url = path
        self.states[p.id] = st
        return response

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


# --- a class ------------------------------------------------------------------------------------
TRAINER_QUERY = "fc_hidden=16&fc_epochs=200"  # a long training that a Stop or a closed tab ends


@dataclass
class Result:
    replicas: int
    students: int
    trainers: int
    joins: list[float] = field(default_factory=list)  # seconds of each student's first run
    moves: list[float] = field(default_factory=list)  # seconds of each slider move's rerun
    ticks: list[float] = field(default_factory=list)  # seconds of each timed fragment rerun
    play: bool = False  # the students pressed Play on a lesson page
    errors: list[str] = field(default_factory=list)
    trainings: int = 0  # trainers whose Train press reached the server
    rss_mb: float = 0.0  # peak, all server processes together
    client_cpu: float = 0.0  # the load generator's CPU seconds per second

    def row(self) -> dict:
        def pct(xs, q):
            if not xs:
                return float("nan")
            xs = sorted(xs)
            return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]

        return {
            "replicas": self.replicas,
            "students": self.students,
            "trainers": self.trainers,
            "trainings": self.trainings,
            "moves": len(self.moves),
            "errors": len(self.errors),
            "join_p95": pct(self.joins, 0.95),
            "p50": pct(self.moves, 0.5),
            "p95": pct(self.moves, 0.95),
            "max": max(self.moves, default=float("nan")),
            "ticks": len(self.ticks),
            "tick_p95": pct(self.ticks, 0.95),
            "rss_mb": self.rss_mb,
            "client_cpu": self.client_cpu,
        }


def cookie_for(url: str) -> str:
    """What a browser does first: load the page, keep the cookies it sets (a proxy's affinity)."""
    jar = {}
    for path in ("/", "/_stcore/health"):  # the page, then Streamlit's XSRF cookie
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        request = urllib.request.Request(url + path, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as r:
            for c in r.headers.get_all("Set-Cookie") or []:
                k, _, v = c.split(";", 1)[0].partition("=")
                jar[k] = v
    return "; ".join(f"{k}={v}" for k, v in jar.items())


async def lesson_student(
    url: str, page: str, rng: random.Random, start: float, until: float, res: Result
) -> None:
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    s = Student(url, page)
    try:
        s.cookies = await asyncio.to_thread(cookie_for, url)
        await s.connect()
        r = await s.rerun(timeout=60)
        res.joins.append(r.seconds)
        res.errors += r.errors + ([] if r.finished else [f"{page}: join unfinished"])
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(2, 5))
            if time.monotonic() >= until or not s.sliders():
                break
            s.move_slider(rng.choice(s.sliders()), rng)
            r = await s.rerun(timeout=30)
            res.moves.append(r.seconds)
            res.errors += r.errors + ([] if r.finished else [f"{page}: rerun unfinished"])
    except Exception as e:  # a refused or dropped connection is an error the student sees
        res.errors.append(f"{page}: {type(e).__name__}: {e}")
    finally:
        await s.close()


async def player(
    url: str, page: str, rng: random.Random, start: float, until: float, res: Result
) -> None:
    """A student who picks the live network on a lesson page and presses Play: its page then
    redraws on a timer (a fragment with `run_every`, rerun by the client as the browser does),
    and the student still moves a slider every 2-5 s."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    s = Student(url, page)
    try:
        s.cookies = await asyncio.to_thread(cookie_for, url)
        await s.connect()
        r = await s.rerun(timeout=60)
        res.joins.append(r.seconds)
        res.errors += r.errors
        s.choose(f"net_{page}", 2)  # "live": a network this student trains
        res.errors += (await s.rerun(timeout=60)).errors
        if "live_play" not in s.widgets:
            res.errors.append(f"{page}: no Play button")
            return
        s.press("live_play")
        res.errors += (await s.rerun(timeout=60)).errors
        del s.states[s.widgets["live_play"].id]  # a press is sent once
        while time.monotonic() < until:
            move_at = time.monotonic() + rng.uniform(2, 5)
            while time.monotonic() < min(move_at, until):
                if not s.auto:
                    await asyncio.sleep(max(0.0, min(move_at, until) - time.monotonic()))
                    break
                fid, every = next(iter(s.auto.items()))
                await asyncio.sleep(every)
                r = await s.rerun(timeout=30, fragment=fid)
                res.ticks.append(r.seconds)
                res.errors += r.errors
            if time.monotonic() >= until or not s.sliders():
                break
            s.move_slider(rng.choice(s.sliders()), rng)
            r = await s.rerun(timeout=30)
            res.moves.append(r.seconds)
            res.errors += r.errors + ([] if r.finished else [f"{page}: rerun unfinished"])
    except Exception as e:
        res.errors.append(f"{page} (Play): {type(e).__name__}: {e}")
    finally:
        await s.close()


async def trainer(url: str, start: float, until: float, res: Result) -> None:
    """A student on the forecast page who presses Train and keeps the tab open until `until`."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    s = Student(url, "forecast", TRAINER_QUERY)
    try:
        s.cookies = await asyncio.to_thread(cookie_for, url)
        await s.connect()
        r = await s.rerun(timeout=60)
        res.errors += r.errors
        if "fc_train" not in s.widgets:
            res.errors.append("forecast: no Train button")
            return
        s.press("fc_train")
        res.trainings += 1
        # the training's run streams progress until it ends or the tab closes at `until`
        await s.rerun(timeout=max(1.0, until - time.monotonic()))
        s.states.clear()
        while time.monotonic() < until:  # a live view that ended early: just keep the tab open
            await asyncio.sleep(0.5)
    except Exception as e:
        res.errors.append(f"forecast: {type(e).__name__}: {e}")
    finally:
        await s.close()


async def class_session(
    url: str, pids: list[int], n: int, m: int, duration: float, seed: int, res: Result
) -> None:
    rng = random.Random(seed)
    t0 = time.monotonic()
    until = t0 + 3 + duration
    tasks = [
        (player if res.play else lesson_student)(
            url,
            "lstm" if res.play else LESSON_PAGES[i % len(LESSON_PAGES)],
            random.Random(rng.random()),
            t0 + rng.uniform(0, 3),  # the class joins within 3 s
            until,
            res,
        )
        for i in range(n)
    ]
    tasks += [trainer(url, t0 + 1 + i, until, res) for i in range(m)]
    done = asyncio.ensure_future(asyncio.gather(*tasks))
    while not done.done():  # sample the servers' memory while the class runs
        res.rss_mb = max(res.rss_mb, sum(rss_mb(p) for p in pids))
        await asyncio.sleep(0.5)
    await done


def run_class(
    n: int, m: int, replicas: int, duration: float, seed: int, logdir: Path, play: bool = False
) -> Result:
    """One scenario on fresh servers: `replicas` Streamlit processes (behind nginx when > 1)."""
    res = Result(replicas, n, m, play=play)
    if replicas == 1:
        servers = streamlit_server(logdir / f"server_n{n}_m{m}.log")
    else:
        servers = replicas_behind_nginx(replicas, rundir=logdir / f"serve_n{n}_m{m}")
    with servers as (url, procs):
        pids = [p.pid for p in (procs if isinstance(procs, list) else [procs])]
        cpu0, wall0 = time.process_time(), time.monotonic()
        run_async(asyncio.wait_for(class_session(url, pids, n, m, duration, seed, res), 300))
        res.client_cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
    return res


# --- where a rerun's time goes -------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rerun_cost(moves: int = 20, seed: int = 0, logdir: Path | None = None) -> dict[str, tuple]:
    """What one slider move costs a real server: one student at a time on each lesson page of a
    fresh `streamlit run app.py`, moving a random slider as the class does (`moves` times, each
    after the last has finished). Returns page -> (median seconds, server CPU seconds per move):
    the CPU is what bounds how many students one process serves."""
    rng = random.Random(seed)
    out = {}
    with streamlit_server(logdir / "server_cost.log" if logdir else None) as (url, proc):

        async def one(page: str) -> tuple[float, float]:
            s = Student(url, page)
            s.cookies = await asyncio.to_thread(cookie_for, url)
            await s.connect()
            try:
                await s.rerun(timeout=120)
                times, cpu0 = [], cpu_seconds(proc.pid)
                for _ in range(moves):
                    s.move_slider(rng.choice(s.sliders()), rng)
                    r = await s.rerun(timeout=60)
                    assert r.finished and not r.errors, r.errors
                    times.append(r.seconds)
                cpu = (cpu_seconds(proc.pid) - cpu0) / moves
                return sorted(times)[len(times) // 2], cpu
            finally:
                await s.close()

        for page in LESSON_PAGES:
            out[page] = run_async(one(page))
    return out


def profile_rerun(page: str = "lstm", top: int = 30) -> None:
    """cProfile of one slider move on `page` (in-process, AppTest), after a warm first run. The
    script runs in a thread of its own: the profiler wraps the script's execution there."""
    import cProfile
    import pstats

    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest, app_test

    # AppTest compiles the scripts again on every run (a new ScriptCache each time); a server
    # keeps one cache, so the profile shares one too (else compiling is a third of a "rerun")
    cache = app_test.ScriptCache()
    app_test.ScriptCache = lambda: cache

    prof = cProfile.Profile()
    plain = script_runner.exec_func_with_error_handling

    def profiled(func, ctx):
        return plain(lambda: prof.runcall(func), ctx)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    keys = [w.key for w in at.slider if w.key]
    key = "t" if "t" in keys else keys[0]
    script_runner.exec_func_with_error_handling = profiled
    try:
        for v in (at.slider(key=key).min + 1, at.slider(key=key).min + 2):  # the first one warms
            prof.disable()
            prof = cProfile.Profile()
            t = time.perf_counter()
            at.slider(key=key).set_value(v).run()
            print(f"{page}: move {key} to {v}: {time.perf_counter() - t:.3f} s (AppTest)")
    finally:
        script_runner.exec_func_with_error_handling = plain
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, nargs="+", default=[10, 30, 60])
    ap.add_argument("--trainers", type=int, nargs="+", default=[0, 2])
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--duration", type=float, default=30, help="seconds of slider moves")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--logs", type=Path, default=Path("/tmp/rnn-explainer-classroom"))
    ap.add_argument("--profile", metavar="PAGE", help="profile one rerun of PAGE and exit")
    ap.add_argument("--play", action="store_true", help="every student presses Play on page 3")
    ap.add_argument("--cost", type=int, metavar="MOVES", help="MOVES moves per page, one student")
    args = ap.parse_args(argv)
    if args.profile:
        profile_rerun(args.profile)
        return
    if args.cost:
        print(f"one student per page, {args.cost} slider moves each; load {os.getloadavg()[0]:.1f}")
        print("page        median_s  server_cpu_s_per_move")
        for page, (median, cpu) in rerun_cost(args.cost, args.seed).items():
            print(f"{page:10s} {median:9.3f} {cpu:9.3f}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        return
    args.logs.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    head = "replicas  N  trainers(started)  moves errors  join_p95   p50    p95    max   RSS_MB  client_cpu"
    print(head)
    rows = []
    for k in args.replicas:
        for m in args.trainers:
            for n in args.students:
                r = run_class(n, m, k, args.duration, args.seed, args.logs, args.play).row()
                rows.append(r)
                print(
                    f"{k:8d} {n:3d} {m:8d}({r['trainings']}) {r['moves']:9d} {r['errors']:6d}"
                    f" {r['join_p95']:8.2f}"
                    f" {r['p50']:6.2f} {r['p95']:6.2f} {r['max']:6.2f} {r['rss_mb']:8.0f}"
                    f" {r['client_cpu']:10.2f}"
                    + (f"  ticks {r['ticks']} p95 {r['tick_p95']:.2f}" if args.play else ""),
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared)")
    for k in args.replicas:
        for m in args.trainers:
            ok = [
                r["students"]
                for r in rows
                if (r["replicas"], r["trainers"]) == (k, m) and r["p95"] <= 1.0 and r["errors"] == 0
            ]
            print(
                f"{k} replica(s), {m} trainer(s): largest N with p95 <= 1 s and no error:",
                max(ok) if ok else "none of those tried",
            )


if __name__ == "__main__":
    main()
