"""K replicas of the explainer behind nginx, in one command.

    python serve/serve.py --replicas 2 --port 8501 --address 0.0.0.0

One Streamlit process runs every session's script under one GIL, so a bigger class needs more
processes. This starts `--replicas` copies of `streamlit run app.py` on loopback ports, and
Debian's nginx in front of them on `--address:--port`, with websockets passed through and sticky
sessions by a cookie that nginx sets (`serve/nginx.conf.in`): a Streamlit session lives in one
process, so every request of one browser must reach the same replica, also when a whole class
sits behind one address. Each replica has its own training limit (`--trainings`, the
`RNN_EXPLAINER_TRAININGS` of `explainer.live`). Ctrl-C (or SIGTERM) stops everything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.in")


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def wait_healthy(url: str, procs=(), timeout: float = 120) -> None:
    """Wait until `url/_stcore/health` answers "ok" (through nginx: some replica's answer)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[:3]} exited with {p.returncode}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy in {timeout:.0f} s")


def streamlit_command(port: int, *extra: str, address: str = "127.0.0.1") -> list[str]:
    """The teacher's plain `streamlit run app.py` (classroom defaults in .streamlit/config.toml)."""
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
        address,
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra,
    ]


def start_streamlit(
    port: int, log: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start `streamlit run app.py` on 127.0.0.1:`port`, its output to the file `log` (never a
    pipe: an undrained pipe blocks the server), with `env` added to the environment."""
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            streamlit_command(port),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        if log:
            out.close()  # the child has its own copy


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def nginx_config(rundir: Path, address: str, port: int, replica_ports: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in replica_ports)
    return TEMPLATE.read_text().format(rundir=rundir, address=address, port=port, servers=servers)


@contextlib.contextmanager
def replicas_behind_nginx(
    replicas: int,
    *,
    port: int | None = None,
    address: str = "127.0.0.1",
    trainings: int | None = None,
    rundir: Path | None = None,
):
    """Start the replicas and nginx; yield (nginx's URL, [replica processes]); stop them all."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    port = port or free_port(address)
    rundir = Path(rundir or tempfile.mkdtemp(prefix="rnn-explainer-serve-"))
    (rundir / "tmp").mkdir(parents=True, exist_ok=True)
    os.chmod(rundir, 0o755)  # nginx's workers (user nobody when started as root) write tmp/
    ports = [free_port() for _ in range(replicas)]
    env = {"OPENBLAS_NUM_THREADS": "1"}  # one BLAS thread from NumPy's first import (see live)
    if trainings is not None:
        env["RNN_EXPLAINER_TRAININGS"] = str(trainings)
    # one cookie secret for all: a replica accepts the XSRF cookie another one signed
    env["STREAMLIT_SERVER_COOKIE_SECRET"] = os.environ.get(
        "STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(16)
    )
    procs: list[subprocess.Popen] = []
    try:
        for i, p in enumerate(ports):  # all start at once, then each is waited for
            procs.append(start_streamlit(p, rundir / f"replica{i}.log", env))
        for p, proc in zip(ports, procs, strict=True):
            wait_healthy(f"http://127.0.0.1:{p}", [proc])
        conf = rundir / "nginx.conf"
        conf.write_text(nginx_config(rundir, address, port, ports))
        with open(rundir / "nginx.out", "w") as out:
            web = subprocess.Popen(
                [nginx, "-p", str(rundir), "-c", str(conf), "-e", str(rundir / "error.log")]
                + ["-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        procs.append(web)
        url = f"http://{'127.0.0.1' if address == '0.0.0.0' else address}:{port}"
        wait_healthy(url, [web], timeout=30)
        yield url, procs[:-1]
    finally:
        stop(procs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2, help="Streamlit processes (default 2)")
    ap.add_argument("--port", type=int, default=8501, help="nginx's port (default 8501)")
    ap.add_argument("--address", default="127.0.0.1", help="0.0.0.0: the classroom network")
    ap.add_argument("--trainings", type=int, help="trainings at once per replica (default: live's)")
    ap.add_argument("--rundir", type=Path, help="nginx.conf and logs (default: a temp folder)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the cleanup below
    with replicas_behind_nginx(
        args.replicas,
        port=args.port,
        address=args.address,
        trainings=args.trainings,
        rundir=args.rundir,
    ) as (url, procs):
        print(f"{len(procs)} replicas behind nginx: {url} (Ctrl-C stops them)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in procs):
                time.sleep(1)


if __name__ == "__main__":
    main()
