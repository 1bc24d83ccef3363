"""FeedbackService against the Spotify emulator: ♥ saves to /me/library, offline queue, hidden."""

from __future__ import annotations

from typing import Any

import pytest

from desktoprec.player.feedback import MAX_URIS, FeedbackService
from desktoprec.services import Services
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.storage.tables import ArtistRow, SavedTrackRow, TrackArtistRow, TrackRow
from emulator_auth import EmulatorAuth


class _Recommend:
    """The part of RecommendService the feedback service calls: storing feedback."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def feedback(self, track_id: str, kind: str, **_: Any) -> dict[str, Any]:
        from datetime import UTC, datetime

        from desktoprec.storage.tables import FeedbackRow

        with self.services.db.write() as session:
            session.add(FeedbackRow(track_id=track_id, kind=kind,
                                    at=datetime.now(UTC).replace(tzinfo=None)))
        return {"stored": True}


def _services(server: EmulatorServer) -> Any:
    class _Services(Services):
        @property
        def auth(self) -> Any:
            return self.memo("auth", lambda: EmulatorAuth(server))

        @property
        def recommend(self) -> Any:
            return self.memo("recommend", lambda: _Recommend(self))

    services = _Services()
    with services.db.write() as session:
        session.add(ArtistRow(id="ar1", name="The Band", genres=[]))
        for tid in list(server.account.tracks)[:60]:
            session.add(TrackRow(id=tid, uri=f"spotify:track:{tid}", name=f"Song {tid[:4]}"))
            session.flush()
            session.add(TrackArtistRow(track_id=tid, position=0, artist_id="ar1"))
    return services


@pytest.fixture
def server() -> Any:
    with EmulatorServer(generate_account(seed=11, saved_tracks=0, playlists=1)) as s:
        yield s


def test_like_saves_to_the_library_and_unlike_removes_it(server: Any) -> None:
    services = _services(server)
    feedback = FeedbackService(services)
    tid = next(iter(server.account.tracks))
    answer = feedback.like(tid)
    assert answer.saved and not answer.queued
    assert server.account.is_saved(tid)
    assert feedback.contains([f"spotify:track:{tid}"]) == [True]
    assert feedback.is_liked(tid)
    assert [r.id for r in feedback.liked()] == [tid]
    assert feedback.liked()[0].artists == ["The Band"]
    with services.db.read() as session:
        assert session.get(SavedTrackRow, tid) is not None  # shown as saved before a sync
    put = [r for r in server.requests if r.path.endswith("/me/library") and r.method == "PUT"]
    assert put and put[-1].query["uris"] == f"spotify:track:{tid}"
    answer = feedback.unlike(tid)
    assert answer.saved and not server.account.is_saved(tid)
    assert not feedback.is_liked(tid) and feedback.liked() == []
    services.close()


def test_offline_likes_are_queued_and_sent_in_batches_of_40(server: Any) -> None:
    services = _services(server)
    feedback = FeedbackService(services)
    ids = list(server.account.tracks)[:45]
    server.faults.add("/me/library", mode="drop", times=-1)
    for tid in ids:
        answer = feedback.like(tid)
        assert answer.queued and "next sync" in answer.message
    feedback.unlike(ids[0])  # changed its mind while offline: only the unlike is kept
    assert len(feedback.pending()) == 45
    assert feedback.pending()[-1] == {"op": "DELETE", "uri": f"spotify:track:{ids[0]}"}
    assert feedback.flush_pending() == 0  # still offline: nothing lost
    assert len(feedback.pending()) == 45
    server.faults.clear()
    server.reset_requests()
    assert feedback.flush_pending() == 45
    assert feedback.pending() == []
    calls = [r for r in server.requests if r.path.endswith("/me/library")]
    assert [r.method for r in calls] == ["PUT", "PUT", "DELETE"]
    assert [len(r.query["uris"].split(",")) for r in calls] == [MAX_URIS, 4, 1]
    assert all(server.account.is_saved(t) for t in ids[1:])
    assert not server.account.is_saved(ids[0])
    services.close()


def test_the_emulator_refuses_more_than_40_uris(server: Any) -> None:
    from desktoprec.errors import SpotifyError

    services = _services(server)
    uris = ",".join(f"spotify:track:{t}" for t in list(server.account.tracks)[:41])
    with pytest.raises(SpotifyError) as info:
        services.auth.api().request("PUT", "/me/library", params={"uris": uris})
    assert info.value.status == 400
    services.close()


def test_dislike_hides_and_unhide_takes_it_back(server: Any) -> None:
    services = _services(server)
    feedback = FeedbackService(services)
    a, b = list(server.account.tracks)[:2]
    feedback.dislike(a)
    feedback.dislike(b)
    assert [r.id for r in feedback.hidden()] == [b, a]
    assert feedback.unhide(a) is True
    assert [r.id for r in feedback.hidden()] == [b]
    assert feedback.unhide(a) is False
    services.close()


def test_like_without_sign_in_stays_local(desktoprec_home: Any) -> None:
    services = Services()
    services.memo("recommend", lambda: _Recommend(services))
    with services.db.write() as session:
        session.add(TrackRow(id="abc", uri="spotify:track:abc", name="Somewhere"))
    answer = FeedbackService(services).like("abc")
    assert not answer.saved and not answer.queued and "sign in" in answer.message
    assert FeedbackService(services).is_liked("abc")
    services.close()


def test_sync_sends_queued_likes(server: Any) -> None:
    from desktoprec.sync.service import SyncService

    services = _services(server)
    feedback = FeedbackService(services)
    services.memo("feedback", lambda: feedback)
    tid = list(server.account.tracks)[3]
    server.faults.add("/me/library", mode="drop", times=1)
    assert feedback.like(tid).queued
    SyncService(services, client=services.auth.api()).sync()
    assert feedback.pending() == [] and server.account.is_saved(tid)
    services.close()
