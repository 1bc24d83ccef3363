"""Export: recommendation lists to Spotify playlists (with an offline queue), M3U and CSV."""
