"""Explanations for every pick: a summary, reasons, block shares and sources, all true to the model.

The ranking model (recommend/model.py) adds one contribution per signal to a candidate's score:
coefficient x feature value, summed over the signal's features. `block_shares` are the positive
contributions of one pick as shares of their sum (the intercept and the negative contributions
are left out), so they add up to 1. A reason is given for a signal only when its share is at least
`MIN_REASON_SHARE`, and it states only what the numbers show: a direction ("less energy") only
when the track moves that way from the seeds, a closeness ("close to your seeds' 120 BPM") only
when it is close. Words a listener reads come from words.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktoprec.domain import Explanation, Reason, Recommendation, SourceBlock, SourceCode
from desktoprec.recommend.context import time_of_day
from desktoprec.recommend.model import YEAR_SCALE
from desktoprec.recommend.rerank import Picked
from desktoprec.words import (
    DESCRIPTOR_WORDS,
    DIRECTION_WORDS,
    SERVICE_NAMES,
    describe,
    format_value,
    label,
    source_code,
)

# Signals a reason can name (as in Explanation.block_shares) and the smallest share that may.
# Other reason blocks state facts that are not score shares: "mood" (the chosen mood or activity
# let the track through its filter), "evidence" (what brought a new artist, Deezer's tempo),
# "diversity" (the re-ranking chose it for variety), "library" (a track of the user's own that
# fills a list the rest of the catalogue could not).
SIGNAL_BLOCKS = ("artist", "colisten", "sound", "genre", "metadata", "context")
MIN_REASON_SHARE = 0.05
# Within this many standard deviations a descriptor counts as "close to" the seeds'.
CLOSE_SD = 0.35
# A descriptor counts as "far above / below" the average (and earns its word) beyond this.
WORD_SD = 0.5
# Tempos that differ by more than this (BPM, after allowing for half/double) "disagree".
TEMPO_DISAGREES_BPM = 8.0
# Descriptors that are not amounts (major/minor): no "close to" or "above" claims about them.
_WORDLESS = {"mode", "mode_major"}


def block_shares(parts: Mapping[str, float]) -> dict[str, float]:
    """Positive contributions as shares of their sum, largest first (empty when none is)."""
    positive = {block: float(v) for block, v in parts.items()
                if block in SIGNAL_BLOCKS and float(v) > 0}
    total = sum(positive.values())
    if total <= 0:
        return {}
    shares = {block: round(value / total, 3) for block, value in
              sorted(positive.items(), key=lambda item: -item[1])}
    return {block: share for block, share in shares.items() if share > 0}


def tempo_disagrees(ours: float, theirs: float) -> bool:
    """True when two tempos differ by more than TEMPO_DISAGREES_BPM, even allowing for x2 / x0.5."""
    return min(abs(ours - theirs), abs(ours - 2 * theirs), abs(2 * ours - theirs)) > \
        TEMPO_DISAGREES_BPM


def _seed_words(mode: str) -> tuple[str, str]:
    """How the seeds are called: (plural, possessive)."""
    if mode == "for_you":
        return "the tracks you play and save", "your usual"
    if mode == "playlist":
        return "this playlist's tracks", "the playlist's"
    return "your seeds", "your seeds'"


def _evidence_reason(evidence: Sequence[Any], artist_name: str, artist_rank: Mapping[str, int]
                     ) -> Reason | None:
    """'Deezer lists X as related to Y, whom you play most' from the strongest evidence."""
    if not evidence:
        return None
    best = max(evidence, key=lambda e: float(getattr(e, "score", 0.0) or 0.0))
    service = SERVICE_NAMES.get(best.service, best.service.title())
    candidate = best.candidate_artist_name or artist_name
    via = best.via_artist_name or "one of your artists"
    rank = artist_rank.get(best.via_artist_id)
    if rank == 0:
        whom = f"{via}, whom you play most"
    elif rank is not None and rank < 5:
        whom = f"{via}, one of the artists you play most"
    else:
        whom = f"{via}, an artist in your library"
    if best.relation == "similar":
        text = f"new to you: {service} finds {candidate} similar to {whom}"
    elif best.relation == "top_tracks":
        text = f"new to you: a top track of {candidate}, whom {service} lists as related to {whom}"
    else:
        text = f"new to you: {service} lists {candidate} as related to {whom}"
    return Reason(text, "evidence", round(float(best.score or 0.0), 4))


def sound_source(catalog: Any, pos: int) -> SourceCode:
    """Where a track's sound came from, or "none" when it has none."""
    return source_code(catalog.sound_source[pos]) if catalog.has_sound[pos] else "none"


def data_sources(catalog: Any, vectors: Any, pos: int) -> dict[SourceBlock, SourceCode]:
    """Where each block's data of one track came from, as codes (words.source_word reads them)."""
    return {
        "sound": sound_source(catalog, pos),
        "genre": source_code(catalog.genre_source[pos]) if catalog.genres[pos] else "none",
        "colisten": "listening" if vectors.masks["colisten"][pos] else "none",
        "metadata": "spotify" if vectors.masks["metadata"][pos] else "none",
    }


@dataclass(frozen=True)
class _SeedProfile:
    """What the seeds of one list have in common, as the reasons compare picks with it."""

    positions: np.ndarray  # catalog positions of the seeds (positive weights only)
    sound: dict[str, float]  # weighted mean of each raw descriptor the seeds have
    sound_z: np.ndarray  # the same, standardized like the index (0 where the seeds have none)
    sound_rows: np.ndarray | None  # the seeds' sound block vectors
    typical_year: float  # median release year (nan when none is known)
    genres: dict[str, int]  # genre -> how many seeds have it
    artist_counts: dict[int, int]  # primary artist -> how many seeds are by it
    artist_rank: dict[str, int]  # artist key -> rank by seed weight (0 = the heaviest)
    order: dict[int, int]  # seed position -> its place among the seeds
    plural: str  # how the seeds are called: "your seeds"
    possessive: str  # and whose: "your seeds'"


def _seed_profile(catalog: Any, vectors: Any, seeds: Sequence[int],
                  seed_weights: Sequence[float], mode: str) -> _SeedProfile:
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    weights = np.asarray(seed_weights, dtype=np.float64)
    sound: dict[str, float] = {}
    sound_z = np.zeros(len(catalog.sound_names), dtype=np.float64)
    if len(seeds_arr):
        raw = catalog.sound[seeds_arr].astype(np.float64)
        for col, name in enumerate(catalog.sound_names):
            ok = ~np.isnan(raw[:, col])
            if ok.any():
                w = np.abs(weights[ok]) + 1e-9
                sound[name] = float(np.average(raw[ok, col], weights=w))
                sound_z[col] = (sound[name] - vectors.sound_mean[col]) / vectors.sound_std[col]
    years = catalog.year[seeds_arr] if len(seeds_arr) else np.zeros(0)
    years = years[np.isfinite(years)]
    genres: dict[str, int] = {}
    for s in seeds_arr.tolist():
        for g in catalog.genres[s]:
            genres[g] = genres.get(g, 0) + 1
    artist_counts: dict[int, int] = {}
    artist_weight: dict[str, float] = {}
    for s, w in zip(seeds_arr.tolist(), weights.tolist()):
        a = int(catalog.primary_artist[s])
        artist_counts[a] = artist_counts.get(a, 0) + 1
        for key in catalog.artist_keys[s][:1]:
            artist_weight[key] = artist_weight.get(key, 0.0) + w
    plural, possessive = _seed_words(mode)
    return _SeedProfile(
        positions=seeds_arr, sound=sound, sound_z=sound_z,
        sound_rows=vectors.blocks["sound"][seeds_arr] if len(seeds_arr) else None,
        typical_year=float(np.median(years)) if len(years) else math.nan,
        genres=genres, artist_counts=artist_counts,
        artist_rank={key: rank for rank, key in enumerate(
            sorted(artist_weight, key=lambda k: -artist_weight[k]))},
        order={int(s): i for i, s in enumerate(seeds_arr.tolist())},
        plural=plural, possessive=possessive)


@dataclass(frozen=True)
class _ListContext:
    """What every pick of one list is explained against: the catalog, the seeds, the query."""

    engine: Any
    catalog: Any
    vectors: Any
    seeds: _SeedProfile
    context_word: str  # where tracks appear together: "of your playlists"
    excluded_contexts: set[int]  # contexts whose co-occurrence does not count (the playlist)
    chosen_context: list[str]  # the chosen mood and activity
    context_label: str  # who asks for a change: "calm and focus", "the evening"
    shift: Mapping[str, float]  # the wanted direction per descriptor (standard deviations)
    tempo_evidence: Mapping[int, Mapping[str, float]]


def _list_context(engine: Any, profile: _SeedProfile, shift: Mapping[str, float], query: Any,
                  tempo_evidence: Mapping[int, Mapping[str, float]] | None) -> _ListContext:
    catalog = engine.catalog
    context_word = "of your playlists"
    if catalog.context_kinds and all(k == "session" for k in catalog.context_kinds):
        context_word = "of your listening sessions"
    chosen = [v for v in (getattr(query, "mood", None), getattr(query, "activity", None)) if v]
    hour = getattr(query, "hour", None)
    label_ = " and ".join(chosen) if chosen else (
        f"the {time_of_day(hour)}" if hour is not None else "the context")
    return _ListContext(
        engine=engine, catalog=catalog, vectors=engine.vectors, seeds=profile,
        context_word=context_word,
        excluded_contexts={int(c) for c in getattr(query, "exclude_contexts", ()) or ()},
        chosen_context=chosen, context_label=label_, shift=shift,
        tempo_evidence=tempo_evidence or {})


@dataclass(frozen=True)
class _Pick:
    """One pick as its reasons see it."""

    pos: int
    shares: dict[str, float]
    artist: int  # primary artist number
    artist_name: str
    sound: dict[str, float]  # its raw descriptors
    z: np.ndarray  # its standardized descriptors (0 where it has none)
    cooccur: float
    features: np.ndarray | None  # its row of the ranking model's features
    picked: Picked


# Reasons are ordered by a weight: a signal's share of the score, or for facts that are not
# shares, these (a new artist's evidence and the own-library note come first, diversity last).
_NEW_ARTIST_ORDER = 2.0
_LIBRARY_ORDER = 3.0
_DIVERSITY_ORDER = -1.0
# A chosen mood that is only a filter (its share is too small to be a signal) ranks below them.
_MOOD_ORDER = 0.5 * MIN_REASON_SHARE
# The shared-words sound reason ranks just behind a closeness the same pick already has.
_SECOND_SOUND_ORDER = 0.9
# Sound words are given only for a seed at least this similar in sound.
_WORDS_SIMILARITY = 0.5
# Among close descriptors, those where the seeds are far from average are the telling ones.
_TELLING_WEIGHT = 0.3
_Ranked = list[tuple[float, Reason]]


def _artist_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    k = ctx.seeds.artist_counts.get(pick.artist, 0) - (1 if pick.pos in ctx.seeds.order else 0)
    if pick.shares.get("artist", 0) < MIN_REASON_SHARE or not k:
        return []
    made = f"{k} of {ctx.seeds.plural}" if k != 1 else f"one of {ctx.seeds.plural}"
    return [(pick.shares["artist"], Reason(
        f"by {pick.artist_name}, who made {made}", "artist", float(k)))]


def _shared_contexts(ctx: _ListContext, pos: int) -> dict[int, int]:
    """Seed position -> how many counted contexts it shares with the track at `pos`."""
    engine, order = ctx.engine, ctx.seeds.order
    context_ptr, context_tracks = engine.contexts.indptr, engine.contexts.indices
    track_ptr, track_ctx = engine.contexts_by_track.indptr, engine.contexts_by_track.indices
    shared_with: dict[int, int] = {}
    for context in track_ctx[track_ptr[pos]:track_ptr[pos + 1]].tolist():
        if context in ctx.excluded_contexts:
            continue
        for member in context_tracks[context_ptr[context]:context_ptr[context + 1]].tolist():
            if member in order and member != pos:  # a saved track brought back is not its own seed
                shared_with[member] = shared_with.get(member, 0) + 1
    return shared_with


def _colisten_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    """A named seed it shares playlists with, else the co-listening embedding's similarity."""
    share = pick.shares.get("colisten", 0)
    if share < MIN_REASON_SHARE:
        return []
    order = ctx.seeds.order
    shared_with = _shared_contexts(ctx, pick.pos) if pick.cooccur > 0 and order else {}
    if shared_with:
        best_seed = max(shared_with, key=lambda s: (shared_with[s], -order[s]))
        times = shared_with[best_seed]
        where = f"{times} {ctx.context_word}" if times != 1 else f"one {ctx.context_word}"
        return [(share, Reason(
            f"appears next to \u201c{ctx.catalog.names[best_seed]}\u201d in {where}",
            "colisten", float(times)))]
    if pick.features is None:
        return []
    sim = float(pick.features[ctx.engine.ranker.features.index("colisten_sim")])
    return [(share, Reason(
        f"played alongside the same tracks as {ctx.seeds.plural} (co-listening similarity "
        f"{sim:.2f})", "colisten", round(sim, 3)))]


def _close_sound_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    """A descriptor of the pick close to the seeds' (the most telling such one)."""
    seeds, names, z = ctx.seeds, ctx.catalog.sound_names, pick.z
    close = [c for c, name in enumerate(names)
             if name in pick.sound and name in seeds.sound and label(name)
             and name not in _WORDLESS and abs(z[c] - seeds.sound_z[c]) <= CLOSE_SD]
    if not close:
        return []
    close.sort(key=lambda c: abs(z[c] - seeds.sound_z[c]) - _TELLING_WEIGHT * abs(seeds.sound_z[c]))
    name = names[close[0]]
    return [(pick.shares["sound"], Reason(
        f"{describe(name, pick.sound[name])}, close to {seeds.possessive} "
        f"{format_value(name, seeds.sound[name])}", "sound", round(pick.sound[name], 4)))]


def _shared_words_reason(ctx: _ListContext, pick: _Pick, after_close: bool) -> _Ranked:
    """The descriptor words the pick shares with its nearest seed in sound."""
    catalog, vectors, seeds, z = ctx.catalog, ctx.vectors, ctx.seeds, pick.z
    if seeds.sound_rows is None or not len(seeds.positions):
        return []
    sims = seeds.sound_rows @ vectors.blocks["sound"][pick.pos]
    sims = np.where(seeds.positions == pick.pos, -np.inf, sims)  # not itself (a saved track)
    if not np.isfinite(sims).any():
        return []
    best = int(np.argmax(sims))
    nearest = int(seeds.positions[best])
    nearest_z = np.nan_to_num((catalog.sound[nearest] - vectors.sound_mean) / vectors.sound_std)
    words = []
    for c in np.argsort(-np.abs(z)):
        pair = DESCRIPTOR_WORDS.get(catalog.sound_names[c])
        if not pair or abs(z[c]) < WORD_SD:
            continue
        # The word must hold for both the pick and the seed it is compared with.
        if np.sign(nearest_z[c]) == np.sign(z[c]) and abs(nearest_z[c]) >= WORD_SD:
            words.append(pair[0] if z[c] > 0 else pair[1])
        if len(words) == 2:
            break
    similarity = float(sims[best])
    if not (words and similarity > _WORDS_SIMILARITY):
        return []
    order = pick.shares["sound"] * (_SECOND_SOUND_ORDER if after_close else 1.0)
    return [(order, Reason(
        f"{' and '.join(words)} like \u201c{catalog.names[nearest]}\u201d "
        f"(sound match {similarity:.2f} out of 1)", "sound", round(similarity, 3)))]


def _sound_reasons(ctx: _ListContext, pick: _Pick) -> _Ranked:
    if pick.shares.get("sound", 0) < MIN_REASON_SHARE or not pick.sound or not ctx.seeds.sound:
        return []
    close = _close_sound_reason(ctx, pick)
    return close + _shared_words_reason(ctx, pick, after_close=bool(close))


def _genre_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    """A genre it shares with the seeds (a sound cluster is a "sound family", never a genre)."""
    if pick.shares.get("genre", 0) < MIN_REASON_SHARE:
        return []
    seed_genres = ctx.seeds.genres
    shared = [g for g in ctx.catalog.genres[pick.pos] if g in seed_genres]
    if not shared:
        return []
    kind = "sound family" if ctx.catalog.genre_source[pick.pos] == "cluster" else "genre"
    return [(pick.shares["genre"], Reason(
        f"shares the {kind} {shared[0]} with {ctx.seeds.plural}", "genre",
        float(seed_genres[shared[0]])))]


def _era_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    """Released close to the seeds' typical year (within the model's year scale)."""
    year, typical = ctx.catalog.year[pick.pos], ctx.seeds.typical_year
    if pick.shares.get("metadata", 0) < MIN_REASON_SHARE or not math.isfinite(year) or \
            not math.isfinite(typical) or abs(year - typical) > YEAR_SCALE:
        return []
    return [(pick.shares["metadata"], Reason(
        f"released {int(year)}, close to {ctx.seeds.possessive} {round(typical)}",
        "metadata", float(year)))]


def _context_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    """Only a descriptor the track really moves the asked way. It is a score signal when its
    share is large enough; a chosen mood or activity is also a filter (tracks that do not move
    its way are left out), and then the reason says so as "mood"."""
    shift, sound = ctx.shift, pick.sound
    context_share = pick.shares.get("context", 0)
    as_signal = context_share >= MIN_REASON_SHARE
    if not (shift and sound and (as_signal or ctx.chosen_context)):
        return []
    for name in sorted(shift, key=lambda k: -abs(shift[k])):
        if name not in sound or not label(name) or name in _WORDLESS:
            continue
        value = sound[name]
        col = ctx.catalog.sound_names.index(name)
        pair = DIRECTION_WORDS.get(name)
        asked = (pair[0] if shift[name] > 0 else pair[1]) if pair else "a change"
        base = ctx.seeds.sound.get(name)
        if base is not None and (value - base) * shift[name] > 0:
            than = (f"{'above' if value > base else 'below'} {ctx.seeds.possessive} "
                    f"{format_value(name, base)}")
        elif pick.z[col] * shift[name] > WORD_SD:
            than = f"{'above' if pick.z[col] > 0 else 'below'} most tracks"
        else:
            continue
        text = f"{ctx.context_label} asks for {asked}: {describe(name, value)}, {than}"
        return [(context_share if as_signal else _MOOD_ORDER,
                 Reason(text, "context" if as_signal else "mood", round(value, 4)))]
    return []


def _tempo_reason(ctx: _ListContext, pick: _Pick) -> _Ranked:
    """Our tempo beside Deezer's when they disagree."""
    tempo_name = next((n for n in ("tempo", "tempo_bpm") if n in pick.sound), None)
    theirs = ctx.tempo_evidence.get(pick.pos, {}).get("bpm")
    if not (tempo_name and theirs and tempo_disagrees(pick.sound[tempo_name], float(theirs))):
        return []
    return [(0.0, Reason(
        f"tempo {pick.sound[tempo_name]:.0f} BPM by our analysis "
        f"(Deezer says {float(theirs):.0f} BPM)", "evidence", float(theirs)))]


def _fact_reasons(ctx: _ListContext, pick: _Pick, *, is_new: bool,
                  evidence: Sequence[Any], from_library: bool) -> _Ranked:
    """What brought a new artist, the own-library note and the diversity pick."""
    reasons: _Ranked = []
    if is_new:
        found = _evidence_reason(evidence, pick.artist_name, ctx.seeds.artist_rank)
        if found is None:
            found = Reason(f"new to you: you have not saved, played or followed "
                           f"{pick.artist_name}", "evidence", None)
        reasons.append((_NEW_ARTIST_ORDER, found))
    if from_library:  # a track of the user's own, brought back because the list was short
        reasons.append((_LIBRARY_ORDER, Reason(
            "from your own library: too few other tracks to fill the list yet", "library",
            None)))
    if pick.picked.diversity_pick:
        cluster = ctx.catalog.genre_source[pick.pos] == "cluster"
        what = ("a sound family" if cluster else "a genre") if pick.picked.new_genre \
            else "an artist"
        reasons.append((_DIVERSITY_ORDER, Reason(
            f"diversity pick: {what} this list did not have yet", "diversity", None)))
    return reasons


def _ordered_reasons(ctx: _ListContext, pick: _Pick, facts: _Ranked) -> tuple[Reason, ...]:
    """Every reason the numbers support, the weightiest first; never none."""
    reasons = [*_artist_reason(ctx, pick), *_colisten_reason(ctx, pick),
               *_sound_reasons(ctx, pick), *_genre_reason(ctx, pick), *_era_reason(ctx, pick),
               *_context_reason(ctx, pick), *_tempo_reason(ctx, pick), *facts]
    shares = pick.shares
    if not any(r.block in SIGNAL_BLOCKS for _, r in reasons) and shares:
        top_block = next(iter(shares))
        reasons.append((shares[top_block], Reason(
            _plain_share(top_block, ctx.seeds.plural), top_block, shares[top_block])))
    if not reasons:
        reasons.append((0.0, Reason(
            "none of the signals points strongly at it: it fills the list", "diversity",
            None)))
    reasons.sort(key=lambda item: -item[0])
    return tuple(r for _, r in reasons)


def _pick(ctx: _ListContext, pos: int, track_artists: Sequence[str], part: Mapping[str, float],
          cooccur: float, features: np.ndarray | None, picked: Picked) -> _Pick:
    catalog, vectors = ctx.catalog, ctx.vectors
    sound = catalog.sound_dict(pos)
    z = np.nan_to_num((catalog.sound[pos] - vectors.sound_mean) / vectors.sound_std) \
        if sound else np.zeros(len(catalog.sound_names))
    return _Pick(pos=pos, shares=block_shares(part), artist=int(catalog.primary_artist[pos]),
                 artist_name=track_artists[0] if track_artists else "an unknown artist",
                 sound=sound, z=z, cooccur=cooccur, features=features, picked=picked)


def explain_list(
    engine: Any,
    *,
    positions: Sequence[int],
    scores: Sequence[float],
    parts: Sequence[Mapping[str, float]],
    cooccur: Sequence[float],
    picks: Sequence[Picked],
    seeds: Sequence[int],
    seed_weights: Sequence[float],
    shift: Mapping[str, float],
    query: Any,
    features: Sequence[np.ndarray] | None = None,
    new_artist: Sequence[bool] | None = None,
    evidence: Sequence[Sequence[Any]] | None = None,
    from_library: Sequence[bool] | None = None,
    tempo_evidence: Mapping[int, Mapping[str, float]] | None = None,
) -> list[Recommendation]:
    """The chosen picks as Recommendations, each with its summary, reasons, shares and sources."""
    catalog = engine.catalog
    profile = _seed_profile(catalog, engine.vectors, seeds, seed_weights,
                            getattr(query, "mode", "more_like"))
    ctx = _list_context(engine, profile, shift, query, tempo_evidence)
    results: list[Recommendation] = []
    for i, (pos, score, part, co, picked) in enumerate(zip(positions, scores, parts, cooccur,
                                                            picks)):
        track = catalog.track(pos)
        pick = _pick(ctx, pos, track.artists, part, co,
                     features[i] if features is not None else None, picked)
        is_new = bool(new_artist[i]) if new_artist is not None else False
        facts = _fact_reasons(ctx, pick, is_new=is_new,
                              evidence=evidence[i] if evidence is not None else (),
                              from_library=from_library is not None and bool(from_library[i]))
        ordered = _ordered_reasons(ctx, pick, facts)
        sources = data_sources(catalog, ctx.vectors, pos)
        explanation = Explanation(summary=_summary(track.name, pick.artist_name, ordered),
                                  reasons=ordered, block_shares=pick.shares, sources=sources)
        results.append(Recommendation(
            track=track, score=float(score), explanation=explanation,
            diversity_pick=picked.diversity_pick, genres=tuple(catalog.genres[pos]),
            sources=sources, sound=pick.sound, seed_sound=dict(profile.sound), new_artist=is_new))
    return results


def _plain_share(block: str, plural: str) -> str:
    return {
        "artist": f"by an artist of {plural}",
        "colisten": f"played alongside {plural}",
        "sound": f"sounds like {plural}",
        "genre": f"in the genres of {plural}",
        "metadata": f"from the years of {plural}",
        "context": "fits the moment",
    }.get(block, f"close to {plural}")


def _summary(name: str, artist_name: str, reasons: Sequence[Reason]) -> str:
    """'“A” by X: reason and reason.' without naming X twice."""
    texts = [r.text for r in reasons if r.block != "diversity"][:2] or \
        [r.text for r in reasons][:1]
    if texts and texts[0].startswith(f"by {artist_name}"):
        head = f"\u201c{name}\u201d {texts[0]}"
        rest = texts[1:]
        return head + (f"; {rest[0]}" if rest else "") + "."
    texts = [t.replace(f"by {artist_name}, who", "its artist") for t in texts]
    return f"\u201c{name}\u201d by {artist_name}: " + "; ".join(texts) + "."
