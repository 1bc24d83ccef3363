"""Spotify: sign-in (PKCE), tokens in the OS keyring, the Web API client and a local emulator."""
