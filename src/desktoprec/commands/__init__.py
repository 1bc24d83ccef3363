"""Subcommands of the command line, one module per area; each exposes register(subparsers)."""
