"""Sound families are named with the same listener words as the explanations (words.py)."""

from __future__ import annotations

import numpy as np

from desktoprec.features.genres import CLUSTER_FEATURES, tag_genres
from desktoprec.words import DESCRIPTOR_WORDS, name_clusters


def test_every_clustered_descriptor_has_its_words_in_the_one_table() -> None:
    missing = [name for name in CLUSTER_FEATURES if name not in DESCRIPTOR_WORDS]
    assert missing == []


def test_a_family_is_named_with_the_explanations_words() -> None:
    features = list(CLUSTER_FEATURES)
    quiet_gentle = np.zeros(len(features))
    quiet_gentle[features.index("energy")] = -2.0
    quiet_gentle[features.index("loudness")] = -1.0
    fast_busy = np.zeros(len(features))
    fast_busy[features.index("tempo")] = 1.5
    fast_busy[features.index("onset_rate")] = 1.0
    names = name_clusters(np.vstack([quiet_gentle, fast_busy, np.zeros(len(features))]), features)
    assert names[0] == f"{DESCRIPTOR_WORDS['energy'][1]} · {DESCRIPTOR_WORDS['loudness'][1]}"
    assert names[0] == "gentle · quiet"  # not "calm": one word for low energy everywhere
    assert names[1] == "fast · busy"
    assert names[2] == "middle of the road"


def test_tag_genres_split_lower_and_drop_years() -> None:
    assert tag_genres("Rock; Indie/Pop | 1991") == ["rock", "indie", "pop"]
    assert tag_genres(None) == [] and tag_genres("  ") == []
