"""Benchmarks behind `desktoprec bench NAME`; each module exposes run(args) -> dict of figures."""
