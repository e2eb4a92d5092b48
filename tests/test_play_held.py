"""`ui.held`: while Play redraws, a held view is made again only on its turn (every HOLD_TICKS
redraws, the page's held views in turn), at once when its cursor or a click changes it, and
always outside Play. (Its purpose, fewer charts rebuilt in the browser per redraw, is measured in
Chromium by tests/test_browser_lesson.py.)"""

from __future__ import annotations

import pytest

from explainer.ui import play


@pytest.fixture
def board(monkeypatch):
    board = play.LessonLive()
    monkeypatch.setattr(play, "lesson_live", lambda: board)
    return board


def redraws(board, n, views, depends=()):
    """`n` Play redraws; for each, which of `views` made their value anew."""
    made = []
    for _ in range(n):
        board.tick += 1
        board.ticking = True
        calls = []
        for v in views:
            play.held(v, lambda v=v, c=calls: c.append(v) or (v, board.tick), *depends)
        made.append(calls)
    return made


def test_each_held_view_is_made_on_its_turn_and_kept_in_between(board):
    views = ["input", "cell", "saturation"]
    made = redraws(board, 1 + 3 * play.HOLD_TICKS, views)
    assert made[0] == views  # the first redraw makes them all
    later = made[1:]
    assert all(len(m) <= 1 for m in later), later  # then at most one per redraw, in turn
    assert sum(map(len, later)) == 3 * len(views)  # each of them on 3 of the later redraws
    for v in views:  # each one every HOLD_TICKS redraws
        turns = [i for i, m in enumerate(later) if v in m]
        assert [b - a for a, b in zip(turns, turns[1:], strict=False)] == [play.HOLD_TICKS] * 2
    value = play.held("cell", lambda: "new")
    assert value[0] == "cell" and value != "new"  # in between: the value made last


def test_a_held_view_is_made_at_once_when_its_cursor_or_a_click_changes(board):
    redraws(board, 1, ["cell"], depends=(5,))
    assert redraws(board, 1, ["cell"], depends=(5,)) in ([[]], [["cell"]])
    assert redraws(board, 1, ["cell"], depends=(6,)) == [["cell"]]  # t moved: at once
    board.touched += 1.0  # a full run (a click)
    assert redraws(board, 1, ["cell"], depends=(6,)) == [["cell"]]


def test_outside_play_every_view_is_made_every_time(board):
    board.ticking = False
    calls = []
    for _ in range(3):
        play.held("cell", lambda: calls.append(1))
    assert len(calls) == 3
