"""Runtime hook (frozen app): point numba's kernel cache at the user cache before anything imports it.

A frozen bundle cannot write beside the library, and numba reads NUMBA_CACHE_DIR when it is first
imported, which may happen while the command line is still being built.
"""

try:
    from desktoprec.paths import configure_numba_cache

    configure_numba_cache()
except Exception:  # noqa: BLE001, S110 - never stop the app from starting over a cache folder
    pass
