"""The offline demo: a generated account with synthesized music, served by the built-in emulator.

    styles.py   twelve styles: tempo, harmony, drums, timbre, mastering, and words for names
    catalog.py  216 tracks by 48 artists on 96 albums, with ISRCs and years (fixed seeds)
    audio.py    deterministic synthesis of each track, written as tagged FLAC in worker processes
    account.py  the demo listener's library, filled into the emulator's `EmulatorAccount`
    service.py  DemoService: prepare() runs the real sign-in, sync, discovery, scan, analysis and
                index against the emulator; stop() and leave() end it
"""
