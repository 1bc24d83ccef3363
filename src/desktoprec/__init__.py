"""desktoprec: a desktop music recommender for Spotify listeners."""

from __future__ import annotations

__all__ = ["APP_NAME", "__version__"]

APP_NAME = "desktoprec"
__version__ = "0.1.0"
