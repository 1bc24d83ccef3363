"""Browsing the local database: the library table, playlists, search, artist and album views."""
