"""The Insights charts name descriptors with the one table of listener words (words.py)."""

from __future__ import annotations

from desktoprec.ui.widgets import descriptor_words
from desktoprec.words import DESCRIPTOR_LABELS


def test_chart_words_are_the_explanations_words_with_their_units() -> None:
    assert descriptor_words("tempo") == ("tempo", "BPM")
    assert descriptor_words("loudness_db") == ("loudness", "dB")
    assert descriptor_words("spectral_centroid_hz") == ("brightness", "Hz")
    for name, words in DESCRIPTOR_LABELS.items():
        assert descriptor_words(name)[0] == words
    assert descriptor_words("valence")[0] == DESCRIPTOR_LABELS["valence"]
    assert descriptor_words("some_new_figure") == ("some new figure", "")
