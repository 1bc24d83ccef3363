"""PlayQueue: play next, add, reorder, remove, jump, shuffle (and back), repeat, the end."""

from __future__ import annotations

import random

import pytest

from desktoprec.domain import Track
from desktoprec.player.queue import PlayQueue


def _tracks(n: int, prefix: str = "t") -> list[Track]:
    return [Track(id=f"{prefix}{i}", name=f"{prefix.upper()}{i}", artists=("A",))
            for i in range(n)]


def ids(tracks: list[Track]) -> list[str]:
    return [t.id for t in tracks]


def test_play_next_add_move_remove_jump() -> None:
    q = PlayQueue()
    q.set(_tracks(4), 1)
    assert q.current.id == "t1" and ids(q.up_next()) == ["t2", "t3"]
    q.play_next(_tracks(2, "n"))
    assert ids(q.up_next()) == ["n0", "n1", "t2", "t3"]
    q.add(Track(id="z", name="Z", artists=()))
    assert ids(q.up_next())[-1] == "z"
    q.move(0, 3)
    assert ids(q.up_next()) == ["n1", "t2", "t3", "n0", "z"]
    q.move(4, 0)
    assert ids(q.up_next()) == ["z", "n1", "t2", "t3", "n0"]
    assert q.remove(1).id == "n1"
    assert ids(q.up_next()) == ["z", "t2", "t3", "n0"]
    assert q.jump(2).id == "t3"
    assert ids(q.up_next()) == ["n0"]
    with pytest.raises(IndexError):
        q.remove(5)


def test_the_end_repeat_all_and_one() -> None:
    q = PlayQueue()
    q.set(_tracks(2), 0)
    assert q.advance(user=True).id == "t1"
    assert q.advance(user=False) is None and q.finished and q.current is None
    q.add(Track(id="late", name="Late", artists=()))
    assert q.advance().id == "late"  # added after the end: it plays next
    q.set(_tracks(2), 1)
    q.set_repeat("all")
    assert q.advance().id == "t0"
    q.set_repeat("one")
    assert q.advance(user=False).id == "t0"  # the track ended by itself: again
    assert q.advance(user=True).id == "t1"  # the listener's Next moves on
    assert q.cycle_repeat() == "off"
    with pytest.raises(ValueError):
        q.set_repeat("sometimes")


def test_shuffle_keeps_the_current_track_and_can_be_undone() -> None:
    q = PlayQueue(rng=random.Random(3))
    q.set(_tracks(12), 2)
    before = ids(q.up_next())
    q.set_shuffle(True)
    assert q.current.id == "t2"
    assert sorted(ids(q.up_next())) == sorted(before) and ids(q.up_next()) != before
    q.set_shuffle(False)
    assert ids(q.up_next()) == before
    q.set_shuffle(True)
    q.set(_tracks(6, "s"), 0)  # a new list with shuffle on is shuffled after its first track
    assert q.current.id == "s0" and sorted(ids(q.up_next())) == ["s1", "s2", "s3", "s4", "s5"]


def test_previous_and_empty() -> None:
    q = PlayQueue()
    assert q.set([]) is None and q.advance() is None and q.current is None
    q.set(_tracks(3), 0)
    assert q.previous().id == "t0"
    q.advance()
    assert q.previous().id == "t0"
    q.advance(), q.advance(), q.advance()
    assert q.finished
    assert q.previous().id == "t2"
