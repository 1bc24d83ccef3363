"""Listening context: how mood, activity and time of day shift the sound a list aims for.

Kept apart from the engine (numpy, scipy, faiss) so the command line and the tray can name the
choices without loading it.
"""

from __future__ import annotations

from datetime import datetime

# Shifts in standard deviations of the sound descriptors, per context choice.
CONTEXT_TARGETS: dict[str, dict[str, dict[str, float]]] = {
    "mood": {
        "happy": {"valence": 1.0, "mode": 0.6, "energy": 0.3},
        "sad": {"valence": -1.0, "mode": -0.6, "energy": -0.5},
        "calm": {"energy": -1.0, "tempo": -0.5, "acousticness": 0.7, "brightness": -0.4},
        "energetic": {"energy": 1.0, "tempo": 0.6, "danceability": 0.5, "brightness": 0.4},
    },
    "activity": {
        "exercise": {"energy": 1.0, "tempo": 1.0, "danceability": 0.4},
        "relax": {"energy": -0.9, "acousticness": 0.8, "tempo": -0.5},
        "party": {"danceability": 1.0, "energy": 0.7, "valence": 0.5},
        "focus": {"instrumentalness": 1.0, "speechiness": -0.8, "energy": -0.3},
    },
    "time": {
        "morning": {"energy": 0.3, "brightness": 0.3, "valence": 0.3},
        "afternoon": {},
        "evening": {"energy": -0.2, "acousticness": 0.2},
        "night": {"energy": -0.6, "acousticness": 0.5, "tempo": -0.3},
    },
}


def time_of_day(hour: int | None = None) -> str:
    """Morning, afternoon, evening or night for an hour of the day (now when not given)."""
    hour = datetime.now().hour if hour is None else hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    if 18 <= hour < 23:
        return "evening"
    return "night"
