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
from typing import Any

import numpy as np

from desktoprec.domain import Explanation, Reason, Recommendation, SourceBlock, SourceCode
from desktoprec.recommend.context import time_of_day
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
    catalog = engine.catalog
    vectors = engine.vectors
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    weights = np.asarray(seed_weights, dtype=np.float64)
    mode = getattr(query, "mode", "more_like")
    plural, possessive = _seed_words(mode)
    # The seeds' typical sound (weighted mean of the raw descriptors they have).
    seed_sound: dict[str, float] = {}
    seed_z = np.zeros(len(catalog.sound_names), dtype=np.float64)
    if len(seeds_arr):
        raw = catalog.sound[seeds_arr].astype(np.float64)
        for col, name in enumerate(catalog.sound_names):
            ok = ~np.isnan(raw[:, col])
            if ok.any():
                w = np.abs(weights[ok]) + 1e-9
                seed_sound[name] = float(np.average(raw[ok, col], weights=w))
                seed_z[col] = (seed_sound[name] - vectors.sound_mean[col]) / vectors.sound_std[col]
    seed_years = catalog.year[seeds_arr] if len(seeds_arr) else np.zeros(0)
    seed_years = seed_years[np.isfinite(seed_years)]
    typical_year = float(np.median(seed_years)) if len(seed_years) else math.nan
    seed_genres: dict[str, int] = {}
    for s in seeds_arr.tolist():
        for g in catalog.genres[s]:
            seed_genres[g] = seed_genres.get(g, 0) + 1
    seed_artist_counts: dict[int, int] = {}
    artist_weight: dict[str, float] = {}
    for s, w in zip(seeds_arr.tolist(), weights.tolist()):
        a = int(catalog.primary_artist[s])
        seed_artist_counts[a] = seed_artist_counts.get(a, 0) + 1
        for key in catalog.artist_keys[s][:1]:
            artist_weight[key] = artist_weight.get(key, 0.0) + w
    artist_rank = {key: rank for rank, key in enumerate(
        sorted(artist_weight, key=lambda k: -artist_weight[k]))}
    context_word = "of your playlists"
    if catalog.context_kinds and all(k == "session" for k in catalog.context_kinds):
        context_word = "of your listening sessions"
    seed_sound_rows = vectors.blocks["sound"][seeds_arr] if len(seeds_arr) else None
    seed_order = {int(s): i for i, s in enumerate(seeds_arr.tolist())}
    context_ptr, context_tracks = engine.contexts.indptr, engine.contexts.indices
    track_ptr, track_ctx = engine.contexts_by_track.indptr, engine.contexts_by_track.indices
    excluded_contexts = {int(c) for c in getattr(query, "exclude_contexts", ()) or ()}
    chosen_context = [v for v in (getattr(query, "mood", None), getattr(query, "activity", None))
                      if v]
    hour = getattr(query, "hour", None)
    context_label = " and ".join(chosen_context) if chosen_context else (
        f"the {time_of_day(hour)}" if hour is not None else "the context")
    tempo_evidence = tempo_evidence or {}

    results: list[Recommendation] = []
    for i, (pos, score, part, co, pick) in enumerate(zip(positions, scores, parts, cooccur,
                                                          picks)):
        shares = block_shares(part)
        reasons: list[tuple[float, Reason]] = []
        track = catalog.track(pos)
        artist = int(catalog.primary_artist[pos])
        artist_name = track.artists[0] if track.artists else "an unknown artist"
        track_sound = catalog.sound_dict(pos)
        z = np.nan_to_num((catalog.sound[pos] - vectors.sound_mean) / vectors.sound_std) \
            if track_sound else np.zeros(len(catalog.sound_names))
        is_new = bool(new_artist[i]) if new_artist is not None else False
        # artist affinity
        if shares.get("artist", 0) >= MIN_REASON_SHARE and seed_artist_counts.get(artist):
            k = seed_artist_counts[artist]
            made = f"{k} of {plural}" if k != 1 else f"one of {plural}"
            reasons.append((shares["artist"], Reason(
                f"by {artist_name}, who made {made}", "artist", float(k))))
        # co-listening: a named seed it shares playlists with, else the embedding similarity
        if shares.get("colisten", 0) >= MIN_REASON_SHARE:
            shared_with: dict[int, int] = {}
            if co > 0 and seed_order:
                for context in track_ctx[track_ptr[pos]:track_ptr[pos + 1]].tolist():
                    if context in excluded_contexts:
                        continue
                    for member in context_tracks[context_ptr[context]:
                                                 context_ptr[context + 1]].tolist():
                        if member in seed_order:
                            shared_with[member] = shared_with.get(member, 0) + 1
            if shared_with:
                best_seed = max(shared_with, key=lambda s: (shared_with[s], -seed_order[s]))
                times = shared_with[best_seed]
                where = f"{times} {context_word}" if times != 1 else f"one {context_word}"
                reasons.append((shares["colisten"], Reason(
                    f"appears next to \u201c{catalog.names[best_seed]}\u201d in {where}",
                    "colisten", float(times))))
            elif features is not None:
                sim = float(features[i][engine.ranker.features.index("colisten_sim")])
                reasons.append((shares["colisten"], Reason(
                    f"played alongside the same tracks as {plural} (co-listening similarity "
                    f"{sim:.2f})", "colisten", round(sim, 3))))
        # sound: a descriptor close to the seeds', or the words it shares with the nearest seed
        if shares.get("sound", 0) >= MIN_REASON_SHARE and track_sound and seed_sound:
            close = [c for c, name in enumerate(catalog.sound_names)
                     if name in track_sound and name in seed_sound and label(name)
                     and name not in _WORDLESS and abs(z[c] - seed_z[c]) <= CLOSE_SD]
            close.sort(key=lambda c: (abs(z[c] - seed_z[c]) - 0.3 * abs(seed_z[c])))
            said = False
            if close:
                name = catalog.sound_names[close[0]]
                reasons.append((shares["sound"], Reason(
                    f"{describe(name, track_sound[name])}, close to {possessive} "
                    f"{format_value(name, seed_sound[name])}", "sound",
                    round(track_sound[name], 4))))
                said = True
            if seed_sound_rows is not None and len(seeds_arr):
                sims = seed_sound_rows @ vectors.blocks["sound"][pos]
                best = int(np.argmax(sims))
                nearest = int(seeds_arr[best])
                nearest_z = np.nan_to_num(
                    (catalog.sound[nearest] - vectors.sound_mean) / vectors.sound_std)
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
                if words and similarity > 0.5:
                    reasons.append((shares["sound"] * (0.9 if said else 1.0), Reason(
                        f"{' and '.join(words)} like \u201c{catalog.names[nearest]}\u201d "
                        f"(sound similarity {similarity:.2f})", "sound", round(similarity, 3))))
        # genre (a sound cluster is a "sound family", never a genre)
        if shares.get("genre", 0) >= MIN_REASON_SHARE:
            shared_genres = [g for g in catalog.genres[pos] if g in seed_genres]
            if shared_genres:
                kind = "sound family" if catalog.genre_source[pos] == "cluster" else "genre"
                reasons.append((shares["genre"], Reason(
                    f"shares the {kind} {shared_genres[0]} with {plural}", "genre",
                    float(seed_genres[shared_genres[0]]))))
        # era
        year = catalog.year[pos]
        if shares.get("metadata", 0) >= MIN_REASON_SHARE and math.isfinite(year) and \
                math.isfinite(typical_year) and abs(year - typical_year) <= 5:
            reasons.append((shares["metadata"], Reason(
                f"released {int(year)}, close to {possessive} {round(typical_year)}",
                "metadata", float(year))))
        # context: only a descriptor the track really moves the asked way. It is a score signal
        # when its share is large enough; a chosen mood or activity is also a filter (tracks
        # that do not move its way are left out), and then the reason says so as "mood".
        context_share = shares.get("context", 0)
        as_signal = context_share >= MIN_REASON_SHARE
        if shift and track_sound and (as_signal or chosen_context):
            for name in sorted(shift, key=lambda k: -abs(shift[k])):
                if name not in track_sound or not label(name) or name in _WORDLESS:
                    continue
                value = track_sound[name]
                col = catalog.sound_names.index(name)
                pair = DIRECTION_WORDS.get(name)
                asked = (pair[0] if shift[name] > 0 else pair[1]) if pair else "a change"
                base = seed_sound.get(name)
                if base is not None and (value - base) * shift[name] > 0:
                    text = (f"{context_label} asks for {asked}: {describe(name, value)}, "
                            f"{'above' if value > base else 'below'} {possessive} "
                            f"{format_value(name, base)}")
                elif z[col] * shift[name] > WORD_SD:
                    text = (f"{context_label} asks for {asked}: {describe(name, value)}, "
                            f"{'above' if z[col] > 0 else 'below'} most tracks")
                else:
                    continue
                reasons.append((context_share if as_signal else 0.5 * MIN_REASON_SHARE,
                                Reason(text, "context" if as_signal else "mood",
                                       round(value, 4))))
                break
        # tempo: our figure beside Deezer's when they disagree
        tempo_name = next((n for n in ("tempo", "tempo_bpm") if n in track_sound), None)
        theirs = tempo_evidence.get(pos, {}).get("bpm")
        if tempo_name and theirs and tempo_disagrees(track_sound[tempo_name], float(theirs)):
            reasons.append((0.0, Reason(
                f"tempo {track_sound[tempo_name]:.0f} BPM by our analysis "
                f"(Deezer says {float(theirs):.0f} BPM)", "evidence", float(theirs))))
        # a new artist: what brought it
        if is_new:
            found = _evidence_reason(evidence[i] if evidence is not None else (), artist_name,
                                     artist_rank)
            if found is None:
                found = Reason(f"new to you: you have not saved, played or followed "
                               f"{artist_name}", "evidence", None)
            reasons.append((2.0, found))
        # a track of the user's own, brought back because the list was short
        if from_library is not None and from_library[i]:
            reasons.append((3.0, Reason(
                "from your own library: too few other tracks to fill the list yet", "library",
                None)))
        # diversity
        if pick.diversity_pick:
            what = ("a sound family" if catalog.genre_source[pos] == "cluster" else "a genre") \
                if pick.new_genre else "an artist"
            reasons.append((-1.0, Reason(
                f"diversity pick: {what} this list did not have yet", "diversity", None)))
        if not any(r.block in SIGNAL_BLOCKS for _, r in reasons) and shares:
            top_block = next(iter(shares))
            reasons.append((shares[top_block], Reason(
                _plain_share(top_block, plural), top_block, shares[top_block])))
        if not reasons:
            reasons.append((0.0, Reason(
                "none of the signals points strongly at it: it fills the list", "diversity",
                None)))
        reasons.sort(key=lambda item: -item[0])
        ordered = tuple(r for _, r in reasons)
        summary = _summary(track.name, artist_name, ordered)
        sources = data_sources(catalog, vectors, pos)
        explanation = Explanation(summary=summary, reasons=ordered, block_shares=shares,
                                  sources=sources)
        results.append(Recommendation(
            track=track,
            score=float(score),
            explanation=explanation,
            diversity_pick=pick.diversity_pick,
            genres=tuple(catalog.genres[pos]),
            sources=sources,
            sound=track_sound,
            seed_sound=dict(seed_sound),
            new_artist=is_new,
        ))
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
