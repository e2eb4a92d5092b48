"""`serve/`: two replicas behind nginx. Every request of one browser (its page, its websocket, its
uploads) reaches the replica that holds its session, also when all the students share one address
(here all of them are 127.0.0.1), and new browsers are spread over the replicas."""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.test_classroom import classroom

pytestmark = pytest.mark.slow  # two fresh replicas, each importing torch for the forecast page

CSV = b"date,value\n" + b"".join(f"2020-01-{d:02d},{d * 1.5}\n".encode() for d in range(1, 29))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.skip("nginx is not installed (apt-get install -y nginx; .ci/run installs it)")
    c = classroom()
    with c.replicas_behind_nginx(2, trainings=1, rundir=tmp_path_factory.mktemp("serve")) as (
        url,
        procs,
    ):
        yield c, url, procs


def replica_of(url: str, cookie: str = "") -> str:
    request = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.headers["X-Replica"]


def test_new_browsers_are_spread_and_each_sticks_to_its_replica(served):
    c, url, procs = served
    cookies = [c.cookie_for(url) for _ in range(16)]
    first = [replica_of(url, k) for k in cookies]
    assert len(set(first)) == 2, first  # 16 new browsers, both replicas (fails with p = 2^-15)
    assert [replica_of(url, k) for k in cookies] == first  # and each keeps its own
    for p in procs:  # the training limit is each replica's own; BLAS on one thread from the start
        environ = Path(f"/proc/{p.pid}/environ").read_bytes().split(b"\0")
        assert b"RNN_EXPLAINER_TRAININGS=1" in environ and b"OPENBLAS_NUM_THREADS=1" in environ


def test_an_upload_and_the_next_rerun_reach_the_replica_of_the_session(served):
    c, url, _ = served

    async def student() -> tuple[str, str, str]:
        s = c.Student(url, "forecast")
        s.cookies = c.cookie_for(url)
        await s.connect(timeout=60)
        try:
            r = await s.rerun(timeout=120)
            assert not r.errors and r.finished, r.errors
            ws_replica = s.ws.response.headers["X-Replica"]
            s.choose("fc_source", 1)  # "upload a CSV"
            r = await s.rerun(timeout=60)
            assert not r.errors and "csv" in s.widgets and r.charts == 0
            put = s.upload("csv", "series.csv", CSV)  # Streamlit refuses an unknown session
            assert put.status in (200, 204)
            r = await s.rerun(timeout=60)
            assert not r.errors and r.finished and r.charts >= 1, r.errors  # its series, drawn
            return replica_of(url, s.cookies), ws_replica, put.headers["X-Replica"]
        finally:
            await s.close()

    async def two():
        import asyncio

        return await asyncio.gather(student(), student())

    for page, ws, put in c.run_async(two()):
        assert page == ws == put
