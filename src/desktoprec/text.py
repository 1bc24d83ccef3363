"""Names and titles made comparable: the one Unicode-aware normaliser of artists and titles.

Every script keeps its letters (`東京フラッシュ` stays `東京フラッシュ`, `Кино` becomes `кино`);
only Latin letters lose their accents (`Beyoncé` = `Beyonce`), as people type them both ways.
Two keys come from it: `match_title` for matching a file to a track (featuring credits and every
bracket dropped) and `version_title` for telling versions of one recording apart (only brackets
and tails that name a version are dropped).
"""

from __future__ import annotations

import re
import unicodedata

# Below this code point a combining mark sits on a Latin letter (é, ñ, ø); above it, marks are
# part of the letter in their script (Japanese dakuten, Cyrillic й, Arabic harakat) and are kept.
_LATIN_END = 0x0250
_NON_WORD = re.compile(r"[\W_]+")

# Words that mark another version of the same recording ("Song - Live", "Song (2011 Remaster)").
VERSION_WORDS = re.compile(
    r"\b(remaster(ed)?|live|radio edit|edit|version|mono|stereo|mix|remix|demo|acoustic|"
    r"single|deluxe|explicit|clean|instrumental|bonus|original|extended|re-?recorded|\d{4})\b",
    re.IGNORECASE,
)
BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]")
_FEATURING = re.compile(r"\s*[\(\[]?\b(feat\.?|ft\.?|featuring|with)\s+.*$", re.IGNORECASE)


def fold(text: str) -> str:
    """NFKC, Latin accents removed, casefolded, '&' spelled 'and'; punctuation is kept."""
    if text.isascii():  # nothing to decompose: the same answer without the walk per letter
        return text.casefold().replace("&", " and ")
    out: list[str] = []
    base = 0
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            if base < _LATIN_END:
                continue
        else:
            base = ord(ch)
        out.append(ch)
    return unicodedata.normalize("NFKC", "".join(out)).casefold().replace("&", " and ")


def squash(text: str) -> str:
    """Words only, one space apart: every run of punctuation and spaces becomes one space."""
    return " ".join(_NON_WORD.sub(" ", text).split())


def fold_name(name: str) -> str:
    """An artist or any other name as a comparable key: `Sigur Rós!` -> `sigur ros`."""
    return squash(fold(name)) or name.strip().casefold()


def match_title(title: str) -> str:
    """For matching: `Song (feat. X) - Remastered 2011` -> `song`."""
    text = BRACKETS.sub(" ", fold(title))
    head, sep, tail = text.partition(" - ")
    if sep and VERSION_WORDS.search(tail):
        text = head
    return squash(_FEATURING.sub("", text)) or squash(fold(title))


def version_title(title: str) -> str:
    """For grouping versions: `Song - 2011 Remaster` -> `song`, `Song (feat. X)` stays apart."""
    text = fold(title)
    text = BRACKETS.sub(lambda m: "" if VERSION_WORDS.search(m[0]) else m[0], text)
    head, sep, tail = text.partition(" - ")
    if sep and VERSION_WORDS.search(tail):
        text = head
    return squash(text) or squash(fold(title))
