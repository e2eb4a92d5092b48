"""Server-side rerun time and figure JSON size of every lesson page, with Streamlit's AppTest.

    PYTHONPATH=. python benchmarks/app.py [--repeats 5]

For each page: the median time of a rerun with nothing changed (everything cached), the median
time of a rerun after a slider move to a value not seen before (a fresh computation: the sequence
length goes 41, 42, ...), and the total JSON of the page's Plotly figures. Targets: a slider move
<= 150 ms, the page's figures <= 2 MB. AppTest runs the script in this process and adds its own
bookkeeping, so the times are an upper bound of what the server spends.

Then a Play tick of every lesson page at its defaults, on the network "being trained now",
playing: the training share (`ui.play_tick`: steps until TICK_TRAIN_S is spent) plus the redraw
of the page's views as Play's fragment draws them (held views in turn, `ui.held`), the median of
HOLD_TICKS x repeats ticks; beside it the slowest single tick and a full rerun of the page (the
views and the page around them). Target: a tick <= 200 ms (5 redraws a second).

Run it from the repository root with `PYTHONPATH=. python benchmarks/app.py`, or after
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

    from explainer import live, ui

    print(
        f"\n{'page':10} {'steps':>6} {'train ms':>9} {'redraw ms':>10} {'tick ms':>8} "
        f"{'max ms':>8} {'full rerun':>10}  target: tick <= 200 ms"
    )
    worst = 0.0
    for name in LESSON:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        at.switch_page(f"app_pages/{name}.py").run()
        at.radio(key=f"net_{name}").set_value("live").run()
        timed_run(at)  # the views register the page's networks
        board = at.session_state["_lesson_live"]
        trainers = ui.play._page_trainers_of(board, name)
        # Playing, as Play leaves it (a running job on the board): the views are drawn as a
        # Play redraw draws them, held views in turn (`ui.held`). The fragment's own run is the
        # views (`board.draw_s`); a full rerun adds the page around them.
        board.board = live.Board(record=None, status="running", label="benchmark")
        ticks = []
        for i in range(ui.play.HOLD_TICKS * (repeats + 1)):  # `repeats` rounds of held views
            t0 = time.perf_counter()
            board.touched = time.monotonic()
            k = ui.play_tick(trainers, board.lock)
            train = time.perf_counter() - t0
            rerun = timed_run(at)
            if i >= ui.play.HOLD_TICKS:  # past the first round, which makes every view
                ticks.append((k, train, board.draw_s, rerun))
        board.board = None
        k, train, draw, rerun = (statistics.median(v) for v in zip(*ticks, strict=True))
        worst_draw = max(t[1] + t[2] for t in ticks)
        worst = max(worst, train + draw)
        print(
            f"{name:10} {k:6.0f} {train * 1e3:9.1f} {draw * 1e3:10.1f} "
            f"{(train + draw) * 1e3:8.1f} {worst_draw * 1e3:8.1f} {rerun * 1e3:10.1f}"
        )
    print(
        f"worst Play tick (median of its ticks) {worst * 1e3:.0f} ms wall (target <= 200 ms: "
        "training plus the fragment's redraw of the views, held views in turn; 'max' is the "
        "slowest single tick, 'full rerun' the whole page around the views)"
    )


if __name__ == "__main__":
    main()
