"""Library sync: pulls the Spotify library into SQLite (full, then incremental) and reports it."""
