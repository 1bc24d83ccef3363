"""What RecommendService's actions answer besides lists: index figures, feedback, styles."""

from __future__ import annotations

from dataclasses import dataclass

from desktoprec.domain import JsonRecord, RecommendationList


@dataclass(frozen=True, slots=True)
class IndexReport(JsonRecord):
    """Figures of one index rebuild (`index --json`)."""

    tracks: int
    dimensions: int
    with_sound: int
    with_genre: int
    with_colisten: int
    contexts: int
    index_dir: str
    seconds: float


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """What storing one piece of feedback did. Two quick skips refresh the last list: then
    `refreshed` is set, `steered_away_from` names the skipped tracks and `fresh` is the new list
    (or `refresh_error` says why there is none)."""

    track_id: str
    kind: str  # like | dislike | skip | play
    stored: bool = True
    refreshed: bool = False
    refresh_error: str | None = None
    steered_away_from: tuple[str, ...] | None = None
    fresh: RecommendationList | None = None

    def to_json(self) -> dict[str, object]:
        """The `feedback --json` object without the list (the CLI adds it as items)."""
        data: dict[str, object] = {"track_id": self.track_id, "kind": self.kind,
                                   "stored": self.stored, "refreshed": self.refreshed}
        if self.refresh_error is not None:
            data["refresh_error"] = self.refresh_error
        if self.steered_away_from is not None:
            data["steered_away_from"] = list(self.steered_away_from)
        return data


@dataclass(frozen=True, slots=True)
class StyleChoice(JsonRecord):
    """A genre the library knows, for starting from styles (`recommend --list-styles`)."""

    style: str
    tracks: int
    examples: list[str]  # a few track names
