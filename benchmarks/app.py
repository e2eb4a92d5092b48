"""Server-side rerun time and figure JSON size of every lesson page, with Streamlit's AppTest.

    PYTHONPATH=. python benchmarks/app.py [--repeats 5]

For each page: the median time of a rerun with nothing changed (everything cached), the median
time of a rerun after a slider move to a value not seen before (a fresh computation: the sequence
length goes 41, 42, ...), and the total JSON of the page's Plotly figures. Targets: a slider move
<= 150 ms, the page's figures <= 2 MB. AppTest runs the script in this process and adds its own
bookkeeping, so the times are an upper bound of what the server spends.

Then a Play tick of every lesson page at its defaults, on the network "being trained now": the
training share (`ui.play_tick`: steps until TICK_TRAIN_S is spent) plus the redraw (a full rerun,
a superset of the fragment's). Target: a tick <= 200 ms (5 redraws a second).

Run it from the repository root with `PYTHONPATH=. PYTHONPATH=. python benchmarks/app.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# page -> (slider key, values it moves through): each move asks for something not seen before
PAGES = {
    name: ("steps", [41 + k for k in range(20)])
    for name in ("unroll", "gradients", "lstm", "adds", "gru", "compare")
}
PAGES["memory"] = ("mem_lag", [110 + 10 * k for k in range(20)])  # before training: the page
PAGES["forecast"] = ("fc_dropout", [0.05 * k for k in range(1, 18)])  # itself, not training


def timed_run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    dt = time.perf_counter() - t0
    assert not at.exception, at.exception
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ticks-only", action="store_true", help="only the Play ticks")
    args = ap.parse_args()
    os.chdir(ROOT)
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    if args.ticks_only:
        play_ticks(args.repeats)
        return
    print(
        f"{'page':10} {'rerun ms':>9} {'slider ms':>10} {'figures MB':>11}  targets: slider "
        "<= 150 ms, figures <= 2 MB"
    )
    worst_move = worst_json = 0.0
    for name, (slider, values) in PAGES.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        at.switch_page(f"app_pages/{name}.py").run()
        rerun = statistics.median(timed_run(at) for _ in range(args.repeats))
        moves = []
        for k in range(args.repeats):
            at.slider(key=slider).set_value(values[k])
            moves.append(timed_run(at))
        move = statistics.median(moves)
        size = sum(len(c.proto.spec) for c in at.get("plotly_chart")) / 2**20
        worst_move, worst_json = max(worst_move, move), max(worst_json, size)
        print(f"{name:10} {rerun * 1e3:9.1f} {move * 1e3:10.1f} {size:11.3f}")
    print(
        f"worst slider move {worst_move * 1e3:.0f} ms (target <= 150 ms); "
        f"largest page {worst_json:.2f} MB (target <= 2 MB)"
    )
    play_ticks(args.repeats)


LESSON = ("unroll", "gradients", "lstm", "adds", "gru", "compare")


def play_ticks(repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    from explainer import ui

    print(
        f"\n{'page':10} {'steps':>6} {'train ms':>9} {'redraw ms':>10} {'tick ms':>8} "
        f"{'CPU ms':>7}  target: tick <= 200 ms"
    )
    worst = worst_cpu = 0.0
    for name in LESSON:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        at.switch_page(f"app_pages/{name}.py").run()
        at.radio(key=f"net_{name}").set_value("live").run()
        timed_run(at)  # the views register the page's networks
        board = at.session_state["_lesson_live"]
        trainers = ui.play._page_trainers_of(board, name)
        ticks = []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            k = ui.play_tick(trainers, board.lock)
            train, train_cpu = time.perf_counter() - t0, time.process_time() - c0
            c0 = time.process_time()
            redraw = timed_run(at)
            ticks.append((k, train, redraw, train_cpu + time.process_time() - c0))
        k, train, redraw, cpu = (statistics.median(v) for v in zip(*ticks, strict=True))
        worst, worst_cpu = max(worst, train + redraw), max(worst_cpu, cpu)
        print(
            f"{name:10} {k:6.0f} {train * 1e3:9.1f} {redraw * 1e3:10.1f} "
            f"{(train + redraw) * 1e3:8.1f} {cpu * 1e3:7.1f}"
        )
    print(
        f"worst Play tick {worst * 1e3:.0f} ms wall, {worst_cpu * 1e3:.0f} ms of CPU (target "
        "<= 200 ms; the CPU time is what a tick costs on a core of its own, the wall time what it "
        "took on this machine as loaded)"
    )


if __name__ == "__main__":
    main()
