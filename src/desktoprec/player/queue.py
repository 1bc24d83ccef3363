"""The play queue the listener controls: current track, up next, play next, reorder, shuffle, repeat.

No Qt here: the player window and the tray drive it through PlaybackController, the CLI or tests can
drive it directly. Tracks are any objects with an `id` (the domain's Track).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

REPEAT_MODES = ("off", "all", "one")


class PlayQueue:
    """An ordered list with a cursor. Shuffle reorders what is up next and can be undone.

    `index` is -1 before anything played and `len(tracks)` once the end was reached ("finished").
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        self.tracks: list[Any] = []
        self.index = -1
        self.shuffle = False
        self.repeat = "off"
        self._rng = rng or random.Random()
        self._unshuffled: list[Any] | None = None  # up next as it was before shuffling

    # --- reading ---------------------------------------------------------------------------

    @property
    def current(self) -> Any | None:
        return self.tracks[self.index] if 0 <= self.index < len(self.tracks) else None

    @property
    def finished(self) -> bool:
        return bool(self.tracks) and self.index >= len(self.tracks)

    def up_next(self) -> list[Any]:
        return list(self.tracks[self.index + 1:]) if self.index >= 0 else list(self.tracks)

    def ids(self) -> list[str]:
        return [str(t.id) for t in self.tracks]

    def __len__(self) -> int:
        return len(self.tracks)

    # --- filling ---------------------------------------------------------------------------

    def set(self, tracks: Sequence[Any], start: int = 0) -> Any | None:
        """Replace the queue and make `start` current (shuffling the rest if shuffle is on)."""
        self.tracks = list(tracks)
        self._unshuffled = None
        if not self.tracks:
            self.index = -1
            return None
        self.index = max(0, min(int(start), len(self.tracks) - 1))
        if self.shuffle:
            self._shuffle_up_next()
        return self.current

    def play_next(self, tracks: Any | Iterable[Any]) -> None:
        """Put tracks right after the current one, in the order given."""
        items = _as_list(tracks)
        at = self.index + 1 if self.index >= 0 else 0
        at = min(at, len(self.tracks))
        self.tracks[at:at] = items
        if self._unshuffled is not None:
            self._unshuffled[0:0] = items

    def add(self, tracks: Any | Iterable[Any]) -> None:
        """Add tracks at the end of the queue."""
        items = _as_list(tracks)
        if self.finished:
            # the end was reached: what is added now is what plays next
            self.index = len(self.tracks) - 1
        self.tracks.extend(items)
        if self._unshuffled is not None:
            self._unshuffled.extend(items)

    def replace_up_next(self, tracks: Sequence[Any]) -> None:
        """Keep what played and the current track; up next becomes `tracks`."""
        keep = self.tracks[: self.index + 1] if self.index >= 0 else []
        self.tracks = keep + list(tracks)
        self._unshuffled = None

    # --- editing up next (positions count from 0 = the first track after the current) -----

    def _absolute(self, position: int) -> int:
        base = self.index + 1 if self.index >= 0 else 0
        absolute = base + int(position)
        if not base <= absolute < len(self.tracks):
            raise IndexError(f"no track at up-next position {position}")
        return absolute

    def move(self, source: int, target: int) -> None:
        """Move the up-next track at `source` to `target` (both up-next positions)."""
        a = self._absolute(source)
        upcoming = len(self.up_next())
        target = max(0, min(int(target), upcoming - 1))
        b = self._absolute(target)
        track = self.tracks.pop(a)
        self.tracks.insert(b, track)
        self._unshuffled = None  # a manual order replaces the remembered one

    def remove(self, position: int) -> Any:
        track = self.tracks.pop(self._absolute(position))
        if self._unshuffled is not None and track in self._unshuffled:
            self._unshuffled.remove(track)
        return track

    def clear_up_next(self) -> None:
        self.replace_up_next([])

    # --- moving ------------------------------------------------------------------------------

    def jump(self, position: int) -> Any | None:
        """Play the up-next track at `position` now (the ones before it are passed over)."""
        self.index = self._absolute(position)
        return self.current

    def advance(self, *, user: bool = True) -> Any | None:
        """The track that plays next, or None at the end (the queue is then `finished`).

        Repeat one replays the current track when it ends by itself; a user's Next moves on.
        Repeat all starts over after the last track.
        """
        if not self.tracks:
            return None
        if self.repeat == "one" and not user and self.current is not None:
            return self.current
        if self.index + 1 < len(self.tracks):
            self.index += 1
            return self.current
        if self.repeat == "all":
            self.index = 0
            if self.shuffle and len(self.tracks) > 1:
                self._shuffle_up_next()
            return self.current
        self.index = len(self.tracks)
        return None

    def previous(self) -> Any | None:
        if self.finished:
            self.index = len(self.tracks) - 1
        elif self.index > 0:
            self.index -= 1
        elif self.repeat == "all" and self.tracks:
            self.index = len(self.tracks) - 1
        return self.current

    # --- modes -------------------------------------------------------------------------------

    def set_shuffle(self, on: bool) -> None:
        on = bool(on)
        if on == self.shuffle:
            return
        self.shuffle = on
        if on:
            self._shuffle_up_next()
        elif self._unshuffled is not None:
            remembered = [t for t in self._unshuffled if t in self.up_next()]
            extra = [t for t in self.up_next() if t not in remembered]
            self.replace_up_next(remembered + extra)

    def _shuffle_up_next(self) -> None:
        upcoming = self.up_next()
        self._unshuffled = list(upcoming)
        self._rng.shuffle(upcoming)
        keep = self.tracks[: self.index + 1] if self.index >= 0 else []
        self.tracks = keep + upcoming

    def set_repeat(self, mode: str) -> None:
        if mode not in REPEAT_MODES:
            raise ValueError(f"repeat is one of {', '.join(REPEAT_MODES)}")
        self.repeat = mode

    def cycle_repeat(self) -> str:
        self.repeat = REPEAT_MODES[(REPEAT_MODES.index(self.repeat) + 1) % len(REPEAT_MODES)]
        return self.repeat


def _as_list(tracks: Any | Iterable[Any]) -> list[Any]:
    if hasattr(tracks, "id"):
        return [tracks]
    return list(tracks)
