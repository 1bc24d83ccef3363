"""The offline demo: a generated account with synthesized music, served by the built-in emulator."""
