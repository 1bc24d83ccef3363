"""Explanations for every pick: a one-sentence summary, numbered reasons, block shares, sources."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from desktoprec.domain import Explanation, Reason, Recommendation
from desktoprec.recommend.catalog import _DESCRIPTOR_WORDS
from desktoprec.recommend.context import time_of_day
from desktoprec.recommend.rerank import Picked

# Which block a score part belongs to in `block_shares`.
PART_BLOCK = {
    "artist": "artist",
    "cooccur": "colisten",
    "colisten": "colisten",
    "sound": "sound",
    "genre": "genre",
    "metadata": "metadata",
    "context": "context",
}
SOURCE_WORDS = {"own_file": "own file", "spotify": "Spotify", "preview": "preview clip",
                "none": "none", "tags": "file tags", "metadata": "metadata service",
                "cluster": "sound clusters"}


def _format_value(name: str, value: float) -> str:
    if name in ("tempo", "tempo_bpm"):
        return f"{value:.0f} BPM"
    if name in ("loudness", "loudness_db"):
        return f"{value:.1f} dB"
    if name in ("mode", "mode_major"):
        return "major" if value >= 0.5 else "minor"
    if name == "spectral_centroid_hz":
        return f"brightness {value:.0f} Hz"
    return f"{name} {value:.2f}"


def block_shares(parts: Mapping[str, float]) -> dict[str, float]:
    positive: dict[str, float] = {}
    for part, value in parts.items():
        if value > 0:
            block = PART_BLOCK.get(part, part)
            positive[block] = positive.get(block, 0.0) + value
    total = sum(positive.values())
    if total <= 0:
        return {}
    return {block: round(value / total, 3) for block, value in
            sorted(positive.items(), key=lambda item: -item[1])}


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
) -> list[Recommendation]:
    catalog = engine.catalog
    vectors = engine.vectors
    seeds_arr = np.asarray(seeds, dtype=np.int64)
    weights = np.asarray(seed_weights, dtype=np.float64)
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
    for s in seeds_arr.tolist():
        a = int(catalog.primary_artist[s])
        seed_artist_counts[a] = seed_artist_counts.get(a, 0) + 1
    context_word = "of your playlists"
    if catalog.context_kinds and all(k == "session" for k in catalog.context_kinds):
        context_word = "of your listening sessions"
    # seeds x contexts (row slices of a CSR matrix are cheap; column slices are not)
    seed_sound_rows = vectors.blocks["sound"][seeds_arr] if len(seeds_arr) else None
    seed_order = {int(s): i for i, s in enumerate(seeds_arr.tolist())}
    context_ptr, context_tracks = engine.contexts.indptr, engine.contexts.indices
    track_ptr, track_ctx = engine.contexts_by_track.indptr, engine.contexts_by_track.indices
    excluded_contexts = {int(c) for c in getattr(query, "exclude_contexts", ()) or ()}

    results: list[Recommendation] = []
    for pos, score, part, co, pick in zip(positions, scores, parts, cooccur, picks):
        reasons: list[tuple[float, Reason]] = []
        track = catalog.track(pos)
        artist = int(catalog.primary_artist[pos])
        # artist affinity
        if part.get("artist", 0) > 0 and seed_artist_counts.get(artist):
            k = seed_artist_counts[artist]
            made = f"{k} of your seeds" if k != 1 else "one of your seeds"
            by = track.artists[0] if track.artists else "the same artist"
            reasons.append((part["artist"], Reason(f"by {by}, who made {made}", "artist", float(k))))
        # co-occurrence with a named seed
        if co > 0 and seed_order:
            # For each seed, the contexts it shares with this track.
            shared_with: dict[int, int] = {}
            for context in track_ctx[track_ptr[pos]:track_ptr[pos + 1]].tolist():
                if context in excluded_contexts:
                    continue
                for member in context_tracks[context_ptr[context]:context_ptr[context + 1]
                                             ].tolist():
                    if member in seed_order:
                        shared_with[member] = shared_with.get(member, 0) + 1
            if shared_with:
                best_seed = max(shared_with, key=lambda s: (shared_with[s], -seed_order[s]))
                best = seed_order[best_seed]
                times = shared_with[best_seed]
                reasons.append((part.get("cooccur", 0.0) + 1e-6, Reason(
                    f"appears next to \u201c{catalog.names[int(seeds_arr[best])]}\u201d in "
                    f"{times} {context_word}", "colisten", float(times))))
        elif part.get("colisten", 0) > 0.5 * 0.03:
            sim = part["colisten"] / 0.03
            reasons.append((part["colisten"], Reason(
                f"listened to alongside the same tracks as your seeds "
                f"(co-listening similarity {sim:.2f})", "colisten", round(sim, 3))))
        # sound: the descriptors it shares with the seeds, and the closest seed
        track_sound = catalog.sound_dict(pos)
        if track_sound and seed_sound and part.get("sound", 0) > 0:
            z = np.nan_to_num((catalog.sound[pos] - vectors.sound_mean) / vectors.sound_std)
            distinct = [c for c in range(len(catalog.sound_names))
                        if catalog.sound_names[c] in track_sound
                        and catalog.sound_names[c] in seed_sound]
            distinct.sort(key=lambda c: abs(z[c] - seed_z[c]) - 0.3 * abs(seed_z[c]))
            for tempo in ("tempo", "tempo_bpm"):
                if tempo in track_sound and tempo in seed_sound and abs(
                    track_sound[tempo] - seed_sound[tempo]
                ) <= 8:
                    distinct.insert(0, catalog.sound_names.index(tempo))
            if distinct:
                name = catalog.sound_names[distinct[0]]
                reasons.append((part["sound"], Reason(
                    f"{_format_value(name, track_sound[name])}, close to your seeds' "
                    f"{_format_value(name, seed_sound[name]).replace(name + ' ', '')}",
                    "sound", round(track_sound[name], 4))))
            if len(seeds_arr):
                sims = seed_sound_rows @ vectors.blocks["sound"][pos]
                nearest = int(seeds_arr[int(np.argmax(sims))])
                top_cols = np.argsort(-np.abs(z))[:2]
                words = []
                for c in top_cols:
                    pair = _DESCRIPTOR_WORDS.get(catalog.sound_names[c])
                    if pair:
                        words.append(pair[0] if z[c] > 0 else pair[1])
                if words and float(sims.max()) > 0.5:
                    reasons.append((part["sound"] * 0.9, Reason(
                        f"{' and '.join(words)} like \u201c{catalog.names[nearest]}\u201d "
                        f"(sound similarity {float(sims.max()):.2f})", "sound",
                        round(float(sims.max()), 3))))
        # genre
        shared_genres = [g for g in catalog.genres[pos] if g in seed_genres]
        if shared_genres:
            reasons.append((part.get("genre", 0.0), Reason(
                f"shares the genre {shared_genres[0]}", "genre", float(seed_genres[shared_genres[0]]))))
        # era
        year = catalog.year[pos]
        if math.isfinite(year) and math.isfinite(typical_year) and part.get("metadata", 0) > 0:
            typical = typical_year
            if abs(year - typical) <= 5:
                reasons.append((part["metadata"], Reason(
                    f"released {int(year)}, close to your seeds' {round(typical)}",
                    "metadata", float(year))))
        # context
        if shift and track_sound:
            name = max(shift, key=lambda k: abs(shift[k]))
            if name in track_sound:
                direction = "more" if shift[name] > 0 else "less"
                hour = getattr(query, "hour", None)
                label = ", ".join(
                    [v for v in (query.mood, query.activity) if v]
                    + ([f"the {time_of_day(hour)}"] if hour is not None and not (
                        query.mood or query.activity) else [])
                ) or "the context"
                base = seed_sound.get(name)
                value = track_sound[name]
                shown = _format_value(name, value)
                plain = name.replace("_bpm", "").replace("_major", "").replace("_db", "")
                if base is None:
                    text_ = f"{label} asks for {direction} {plain}: {shown}"
                else:
                    versus = _format_value(name, base).replace(name + " ", "")
                    moved = (value - base) * shift[name] > 0
                    text_ = (f"fits {label}: {shown}, {'above' if value > base else 'below'} "
                             f"your seeds' {versus}" if moved else
                             f"{label} asks for {direction} {plain}; this one has {shown} "
                             f"(your seeds {versus})")
                reasons.append((abs(part.get("context", 0.0)) + 1e-6,
                                Reason(text_, "context", round(value, 4))))
        # diversity
        if pick.diversity_pick:
            what = "a genre" if pick.new_genre else "an artist"
            reasons.append((1.0, Reason(
                f"diversity pick: {what} this list did not have yet", "diversity", None)))
        if not reasons:
            reasons.append((0.0, Reason(
                f"close to your seeds overall (score {score:.3f})", "sound", round(score, 4))))
        reasons.sort(key=lambda item: -item[0])
        ordered = tuple(r for _, r in reasons)
        top = [r.text for r in ordered[:2]]
        artist_name = track.artists[0] if track.artists else "unknown artist"
        summary = f"\u201c{track.name}\u201d by {artist_name}: " + " and ".join(top) + "."
        sources = {
            "sound": SOURCE_WORDS.get(catalog.sound_source[pos], catalog.sound_source[pos])
            if catalog.has_sound[pos] else "none",
            "genre": SOURCE_WORDS.get(catalog.genre_source[pos], catalog.genre_source[pos])
            if catalog.genres[pos] else "none",
            "colisten": "your playlists and listening" if vectors.masks["colisten"][pos]
            else "none",
            "metadata": "Spotify" if vectors.masks["metadata"][pos] else "none",
        }
        explanation = Explanation(
            summary=summary, reasons=ordered, block_shares=block_shares(part), sources=sources
        )
        results.append(Recommendation(
            track=track,
            score=float(score),
            explanation=explanation,
            diversity_pick=pick.diversity_pick,
            genres=tuple(catalog.genres[pos]),
            sources=sources,
            sound=track_sound,
            seed_sound=dict(seed_sound),
        ))
    return results
