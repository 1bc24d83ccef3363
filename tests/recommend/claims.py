"""Checks every claim of an explanation against the numbers behind it (shared by the tests)."""

from __future__ import annotations

import math
import re
from typing import Any

from desktoprec.domain import Recommendation
from desktoprec.recommend.explain import (
    CLOSE_SD,
    MIN_REASON_SHARE,
    SIGNAL_BLOCKS,
    WORD_SD,
)
from desktoprec.words import DESCRIPTOR_LABELS, DESCRIPTOR_WORDS, DIRECTION_WORDS

# Names a listener must never read.
INTERNAL = re.compile(r"dynamic_range|spectral_|colisten|own_file|mfcc|chroma|zcr|onset_rate|"
                      r"tempo_bpm|loudness_db|mode_major|_sim\b|has_|artist_affinity|"
                      r"context_fit|\bcluster\b")
NUMBER = r"(-?\d+(?:\.\d+)?)"
LABEL_TO_NAMES: dict[str, list[str]] = {}
for _name, _label in DESCRIPTOR_LABELS.items():
    LABEL_TO_NAMES.setdefault(_label, []).append(_name)


def _value_of(label: str, sound: dict[str, float], shown: float | None = None,
              unit: str = "") -> tuple[str, float] | None:
    """The descriptor a label names (the one whose value matches what was shown, when several
    share a label: brightness 0..1 and brightness in Hz)."""
    names = [n for n in LABEL_TO_NAMES.get(label, ()) if n in sound]
    if unit == "Hz":
        names = [n for n in names if n.startswith("spectral_centroid")]
    elif unit == "":
        names = [n for n in names if not n.startswith("spectral_centroid")] or names
    if shown is not None:
        for name in names:
            if _close(shown, sound[name], name):
                return name, sound[name]
    return (names[0], sound[names[0]]) if names else None


def _close(shown: float, actual: float, name: str) -> bool:
    """A shown number matches the actual one at the precision it was printed with."""
    if name in ("tempo", "tempo_bpm", "spectral_centroid", "spectral_centroid_hz"):
        return abs(shown - actual) <= 0.5 + 1e-6
    if name in ("loudness", "loudness_db"):
        return abs(shown - actual) <= 0.05 + 1e-6
    return abs(shown - actual) <= 0.005 + 1e-6


def check_item(item: Recommendation, engine: Any, query: dict[str, Any]) -> list[str]:
    """Every problem found in one pick's explanation (empty when every claim holds)."""
    problems: list[str] = []
    ex = item.explanation
    catalog = engine.catalog
    pos = catalog.index[item.track.id]
    shares = ex.block_shares
    artist = item.track.artists[0] if item.track.artists else ""
    texts = [ex.summary] + [r.text for r in ex.reasons]
    for text in texts:
        if INTERNAL.search(text):
            problems.append(f"internal name in {text!r}")
    if artist and re.search(rf"\u201d by {re.escape(artist)}: by {re.escape(artist)}", ex.summary):
        problems.append(f"artist named twice: {ex.summary!r}")
    if not ex.summary.endswith(".") or item.track.name not in ex.summary:
        problems.append(f"summary {ex.summary!r}")
    if shares:
        if abs(sum(shares.values()) - 1.0) > 0.01 or min(shares.values()) <= 0:
            problems.append(f"shares {shares}")
        if set(shares) - set(SIGNAL_BLOCKS):
            problems.append(f"unknown share keys {shares}")
    if not ex.reasons:
        problems.append("no reason")
    sound = item.sound
    seed_sound = item.seed_sound
    mood = query.get("mood") or query.get("activity")
    for reason in ex.reasons:
        text = reason.text
        if reason.block in SIGNAL_BLOCKS and shares.get(reason.block, 0) < MIN_REASON_SHARE:
            problems.append(f"{text!r} names {reason.block}, whose share is "
                            f"{shares.get(reason.block, 0)}")
        if reason.block == "mood" and not mood:
            problems.append(f"mood reason without a mood: {text!r}")
        if reason.block == "diversity" and "diversity pick" in text and not item.diversity_pick:
            problems.append(f"diversity claim on a non-diversity pick: {text!r}")
        if text.startswith("new to you") != item.new_artist and reason.block == "evidence" \
                and "Deezer says" not in text:
            problems.append(f"new-artist claim mismatch: {text!r} (new_artist={item.new_artist})")
        # "by X, who made ..."
        found = re.match(r"by (.+?), who made", text)
        if found and found.group(1) not in item.track.artists:
            problems.append(f"{text!r}: not by {found.group(1)}")
        # "<label> <value>, close to <whose> <value>"
        found = re.match(rf"(.+?) {NUMBER}( BPM| dB| Hz)?, close to .+? {NUMBER}", text)
        if found and reason.block == "sound":
            hit = _value_of(found.group(1), sound, float(found.group(2)),
                            (found.group(3) or "").strip())
            if hit is None:
                problems.append(f"{text!r}: no such descriptor on the track")
            else:
                name, value = hit
                col = catalog.sound_names.index(name)
                std = float(engine.vectors.sound_std[col])
                shown, theirs = float(found.group(2)), float(found.group(4))
                if not _close(shown, value, name) or not _close(theirs, seed_sound[name], name):
                    problems.append(f"{text!r}: numbers are {value} and {seed_sound[name]}")
                if abs(value - seed_sound[name]) / std > CLOSE_SD + 1e-6:
                    problems.append(f"{text!r}: not close ({value} vs {seed_sound[name]})")
        # "<words> like “S” (sound match 0.93 out of 1)"
        found = re.match(r"(.+?) like \u201c(.+)\u201d \(sound match " + NUMBER + r" out of 1\)", text)
        if found:
            z = {name: (sound[name] - float(engine.vectors.sound_mean[c]))
                 / float(engine.vectors.sound_std[c])
                 for c, name in enumerate(catalog.sound_names) if name in sound}
            for word in found.group(1).split(" and "):
                names = [n for n, pair in DESCRIPTOR_WORDS.items() if word in pair and n in z]
                ok = any((z[n] >= WORD_SD and DESCRIPTOR_WORDS[n][0] == word)
                         or (z[n] <= -WORD_SD and DESCRIPTOR_WORDS[n][1] == word) for n in names)
                if not ok:
                    problems.append(f"{text!r}: the track is not {word}")
            if abs(float(found.group(3)) - float(reason.value or 0)) > 0.006:
                problems.append(f"{text!r}: similarity is {reason.value}")
        # "... asks for less energy: energy 0.31, below <whose> 0.56" / "below most tracks"
        found = re.search(r"asks for (.+?): (.+?) " + NUMBER + r"( BPM| dB| Hz)?, "
                          r"(above|below) (.+)$", text)
        if found:
            asked, label, shown, unit, side, rest = found.groups()
            hit = _value_of(label, sound, float(shown), (unit or "").strip())
            if hit is None:
                problems.append(f"{text!r}: no such descriptor")
                continue
            name, value = hit
            if not _close(float(shown), value, name):
                problems.append(f"{text!r}: the value is {value}")
            words = DIRECTION_WORDS.get(name, ())
            up = asked == (words[0] if words else None)
            if (side == "above") != up:
                problems.append(f"{text!r}: the direction contradicts the ask")
            base_match = re.search(NUMBER + r"(?: BPM| dB| Hz)?$", rest)
            if base_match and "most tracks" not in rest:
                base = float(base_match.group(1))
                if not _close(base, seed_sound[name], name):
                    problems.append(f"{text!r}: the seeds' value is {seed_sound[name]}")
                if (value > seed_sound[name]) != (side == "above") or value == seed_sound[name]:
                    problems.append(f"{text!r}: {value} is not {side} {seed_sound[name]}")
            else:
                col = catalog.sound_names.index(name)
                mean = float(engine.vectors.sound_mean[col])
                if (value > mean) != (side == "above"):
                    problems.append(f"{text!r}: {value} is not {side} most tracks ({mean})")
        # "released 2015, close to <whose> 2014"
        found = re.match(r"released (\d{4}), close to .+ (\d{4})$", text)
        if found:
            year = catalog.year[pos]
            if not math.isfinite(year) or int(year) != int(found.group(1)):
                problems.append(f"{text!r}: the year is {year}")
            if abs(int(found.group(1)) - int(found.group(2))) > 5:
                problems.append(f"{text!r}: not close")
        # "shares the genre G" / "shares the sound family G"
        found = re.match(r"shares the (genre|sound family) (.+) with ", text)
        if found:
            kind, genre = found.groups()
            if genre not in catalog.genres[pos]:
                problems.append(f"{text!r}: not a genre of the track")
            if (catalog.genre_source[pos] == "cluster") != (kind == "sound family"):
                problems.append(f"{text!r}: a sound family called a genre (or the reverse)")
        if re.search(r"\bgenre\b", text) and catalog.genre_source[pos] == "cluster":
            problems.append(f"{text!r}: a sound family called a genre")
        # "appears next to “S” in N of your playlists"
        found = re.match(r"appears next to \u201c(.+)\u201d in (\w+) ", text)
        if found and found.group(1) not in catalog.names:
            problems.append(f"{text!r}: no such track")
    return problems


def check_list(result: Any, engine: Any, query: dict[str, Any] | None = None) -> list[str]:
    problems: list[str] = []
    for item in result.items:
        problems.extend(f"{item.track.name}: {p}" for p in check_item(item, engine, query or {}))
    return problems
