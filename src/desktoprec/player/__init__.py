"""Playback control through Spotify Connect (no Qt here; the UI drives it from a worker lane)."""

from __future__ import annotations

from desktoprec.player.service import PlayerService

__all__ = ["PlayerService"]
