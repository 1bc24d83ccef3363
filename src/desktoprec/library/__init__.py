"""The user's own music: folder scan, tags, matching files to Spotify tracks."""
