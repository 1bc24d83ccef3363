"""The one normaliser of names and titles, on every script (desktoprec/text.py)."""

from __future__ import annotations

import pytest

from desktoprec.text import fold, fold_name, match_title, version_title


@pytest.mark.parametrize(("raw", "expected"), [
    ("東京フラッシュ", "東京フラッシュ"),
    ("ｶﾞｰﾙ", "ガール"),  # half-width katakana: NFKC, the dakuten stays on its letter
    ("ジブリ", "ジブリ"),
    ("Кино — Группа крови", "кино группа крови"),
    ("Йода", "йода"),  # й is a letter of its own in Cyrillic, not и with an accent
    ("فيروز", "فيروز"),
    ("Sigur Rós", "sigur ros"),
    ("Beyoncé", "beyonce"),
    ("Mötley Crüe", "motley crue"),
    ("STRASSE", "strasse"),
    ("Straße", "strasse"),  # casefold, not lower
    ("ﬁnal", "final"),  # the ligature, by NFKC
])
def test_names_keep_the_letters_of_every_script(raw: str, expected: str) -> None:
    assert fold_name(raw) == expected


def test_fold_spells_out_the_ampersand_and_keeps_punctuation() -> None:
    assert fold("Simon & Garfunkel") == "simon  and  garfunkel"
    assert fold("AC/DC") == "ac/dc"


@pytest.mark.parametrize(("raw", "expected"), [
    ("東京フラッシュ (Live)", "東京フラッシュ"),
    ("夜に駆ける - 2020 Remaster", "夜に駆ける"),
    ("Группа крови (feat. Someone)", "группа крови"),
    ("Señorita (feat. Camila Cabello)", "senorita"),
])
def test_match_titles(raw: str, expected: str) -> None:
    assert match_title(raw) == expected


def test_version_titles_keep_titles_apart_in_every_script() -> None:
    titles = ["東京フラッシュ", "夜に駆ける", "群青", "怪物", "アイドル", "祝福", "勇者", "ハルジオン"]
    keys = {version_title(t) for t in titles}
    assert len(keys) == len(titles) and "" not in keys
    assert version_title("東京フラッシュ - Live") == version_title("東京フラッシュ")
    assert version_title("Song (feat. Someone)") != version_title("Song")
