"""The recommendations view: cards, why card, figures, dial and selectors, feedback, actions."""

from __future__ import annotations

from typing import Any

from conftest import stored_feedback
from desktoprec.ui.pages.recommendations import (
    RecommendationsView,
    RecommendRequest,
    describe_figures,
)


def _view(qtbot: Any, ctx: Any) -> RecommendationsView:
    view = RecommendationsView(ctx, RecommendRequest(mode="for_you"))
    qtbot.addWidget(view)
    view.resize(1000, 700)
    return view


def test_list_cards_why_card_and_figures(qtbot: Any, ctx: Any, library: list[str]) -> None:
    view = _view(qtbot, ctx)
    view.refresh()
    assert len(view.cards) == 20
    assert view.current is not None
    figures = view.figures.full_text()
    assert "artists" in figures and "genres" in figures and "largest share" in figures
    # the first track is selected and explained
    first = view.cards[0].rec
    assert view.why.current is first
    assert view.why.summary.full_text() == first.explanation.summary
    assert f"1. {first.explanation.reasons[0].text}" in view.why.reasons.full_text()
    shares = first.explanation.block_shares
    assert next(k for k, _ in view.why.shares_chart.items()) == max(shares, key=shares.__getitem__)
    assert "Where its data came from" in view.why.sources.full_text()
    assert "genre: file tags" in view.why.sources.full_text()  # the code "tags", in words
    # a track whose sound is known, beside what you play
    view.list.setCurrentRow(next(row for row, c in enumerate(view.cards) if c.rec.sound))
    assert view.why.sound_chart.row_count() == 3  # tempo, brightness, energy
    pick = next(row for row, card in enumerate(view.cards) if card.rec.diversity_pick)
    view.list.setCurrentRow(pick)
    assert view.why.current is view.cards[pick].rec
    assert "diversity pick" in view.why.reasons.full_text().lower()


def test_dial_and_mood_re_rank_through_the_service(qtbot: Any, ctx: Any,
                                                     library: list[str]) -> None:
    view = _view(qtbot, ctx)

    def asked() -> dict[str, Any]:
        """What the service was asked for the list on screen (the recipe it answered with)."""
        assert view.current is not None
        return view.current.recipe

    view.refresh()
    before = [c.rec.track.id for c in view.cards]
    view.dial.setValue(30)
    qtbot.waitUntil(lambda: asked()["diversity"] == 0.3, timeout=3000)
    after = [c.rec.track.id for c in view.cards]
    assert after != before
    view.mood.setCurrentIndex(view.mood.findText("calm"))
    view.activity.setCurrentIndex(view.activity.findText("focus"))
    qtbot.waitUntil(lambda: asked()["mood"] == "calm"
                    and asked()["activity"] == "focus", timeout=3000)
    assert asked()["include_saved"] is False
    view.include_saved.setChecked(True)
    qtbot.waitUntil(lambda: asked()["include_saved"] is True, timeout=3000)
    # Familiar <-> New is its own control, beside the diversity dial
    assert asked()["new"] == ctx.services.settings.new_artists
    view.new_dial.setValue(80)
    qtbot.waitUntil(lambda: asked()["new"] == 0.8, timeout=3000)
    assert asked()["diversity"] == 0.3


def test_like_dislike_skip_and_open(qtbot: Any, ctx: Any, library: list[str]) -> None:
    view = _view(qtbot, ctx)
    view.refresh()
    first, second, third = (c.rec for c in view.cards[:3])
    view.cards[0].buttons["like"].click()
    assert (first.track.id, "like") in stored_feedback(ctx.services)
    view.cards[1].buttons["dislike"].click()
    assert (second.track.id, "dislike") in stored_feedback(ctx.services)
    assert all(c.rec is not second for c in view.cards)
    card = next(c for c in view.cards if c.rec is third)
    card.buttons["skip"].click()
    assert (third.track.id, "skip") in stored_feedback(ctx.services)
    assert len(view.cards) == 18
    view.cards[0].buttons["open"].click()
    assert ctx.opened_urls[-1] == f"https://open.spotify.com/track/{first.track.id}"


def test_two_skips_show_the_fresh_list_the_service_answers(qtbot: Any, ctx: Any,
                                                           library: list[str]) -> None:
    view = _view(qtbot, ctx)
    view.refresh()
    shown = view.current
    view.cards[0].buttons["skip"].click()
    assert len(view.cards) == 19
    second = view.cards[0].rec.track.id
    view.cards[0].buttons["skip"].click()
    # the service's refreshed list replaced the old one
    assert view.current is not None and view.current is not shown
    assert len(view.cards) == len(view.current.items) > 0
    assert second not in [c.rec.track.id for c in view.cards]


def test_service_errors_become_a_message_not_a_crash(qtbot: Any, ctx: Any,
                                                     library: list[str]) -> None:
    view = RecommendationsView(ctx, RecommendRequest(mode="more_like", seeds=("no-such-track",)))
    qtbot.addWidget(view)
    view.refresh()  # the service refuses a seed it does not know
    assert "'no-such-track' is not in your library" in view.state.full_text()
    assert not view.cards


def test_empty_library_says_what_to_do(qtbot: Any, ctx: Any) -> None:
    view = _view(qtbot, ctx)
    view.refresh()
    assert not view.cards
    assert "sync your spotify library" in view.state.full_text().lower()
    assert not view.export_button.isEnabled()


def test_figures_are_computed_when_the_service_gives_none(ctx: Any, library: list[str]) -> None:
    result = ctx.services.recommend.recommend(n=10)
    text = describe_figures({}, result.items)
    assert text.startswith("10 tracks")
    one = describe_figures({"distinct_artists": 1, "distinct_genres": 1}, result.items[:1])
    assert one.startswith("1 track · 1 artist · 1 genre")
    assert "largest share of one artist" in text


def test_sound_chart_shows_readable_descriptors_on_fixed_ranges(qtbot: Any) -> None:
    from desktoprec.ui.widgets import SoundCompareWidget

    chart = SoundCompareWidget()
    qtbot.addWidget(chart)
    chart.set_values({"zcr": 0.1, "energy": 0.2, "tempo_bpm": 128.0, "loudness": float("nan")},
                     {"energy": 0.9, "tempo": 120.0})
    # raw DSP internals (zcr) and non-numbers are left out; tempo comes first whatever its key
    assert [row[0] for row in chart._rows] == ["tempo", "energy"]
    tempo = chart._rows[0]
    assert (tempo[1], tempo[2]) == (128.0, 120.0)
    chart.resize(400, 120)
    chart.grab()  # paints without error
