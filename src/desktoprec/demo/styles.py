"""The demo's musical styles: tempo, harmony, drums and timbre per style, plus names to invent from.

Each style is a recipe the synthesizer (demo/audio.py) follows, chosen so that the sound analysis
finds real differences between styles: tempo, brightness, noisiness, percussiveness and mode.
"""

from __future__ import annotations

from dataclasses import dataclass

# Semitone steps of the scales the styles use.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
}


@dataclass(frozen=True)
class DrumPattern:
    """One bar of sixteen steps per voice; 'x' a hit, 'o' a softer hit, '.' silence."""

    kick: str = "." * 16
    snare: str = "." * 16
    hat: str = "." * 16
    open_hat: str = "." * 16
    ride: str = "." * 16
    shaker: str = "." * 16
    swing: float = 0.0  # 0..0.5 of a sixteenth: how late the off-beat steps fall
    snare_tail: float = 0.08  # seconds of noise after each snare (a gated-reverb feel when long)


@dataclass(frozen=True)
class Style:
    """How one style sounds, and the words its artists, albums and titles are made from."""

    key: str  # short id, e.g. "dnb"
    genre: str  # the genre tag written into files and shown to people
    tempo: tuple[int, int]  # bpm range
    modes: tuple[str, ...]
    progressions: tuple[tuple[int, ...], ...]  # scale degrees (0-based), one chord per bar
    drums: DrumPattern | None
    bass: str  # none | sub | reese | acid | walking | root8 | pluck | offbeat | pedal
    bass_steps: str  # which sixteenths the bass plays ("x" on), ignored by walking/pedal
    chords: str  # pad | stab | power | ep | piano | strum | skank | arp | none
    lead: str  # none | saw | sine | pluck | bell
    distortion: float  # 0 = clean; >0 drives a tanh on the harmonic parts
    brightness: float  # 0..1: the low-pass cutoff of the harmonic parts
    noise: float  # 0..1: a noise bed (tape hiss, rain, crowd)
    octave: int  # base octave of the harmony (MIDI octave number)
    years: tuple[int, int]
    moods: tuple[str, ...]
    artist_words: tuple[tuple[str, ...], tuple[str, ...]]
    album_words: tuple[str, ...]
    title_words: tuple[tuple[str, ...], tuple[str, ...]]
    # Mastering: how hard the mix is driven into a soft clipper, and its final peak level —
    # loud, compressed styles and quiet, dynamic ones differ in loudness and dynamic range.
    drive: float = 1.0
    peak: float = 0.89


STYLES: tuple[Style, ...] = (
    Style(
        key="ambient", genre="ambient", tempo=(60, 76), modes=("major", "dorian"),
        progressions=((0, 3, 5, 4), (0, 5, 3, 0), (0, 4, 5, 3)),
        drums=None, bass="pedal", bass_steps="x" + "." * 15, chords="pad", lead="bell",
        distortion=0.0, brightness=0.25, noise=0.05, octave=4, years=(1994, 2024),
        moods=("calm", "focus", "sleep"),
        artist_words=(("Glass", "Slow", "Northern", "Quiet", "Pale"),
                      ("Horizons", "Drift", "Lantern", "Tides", "Orchard")),
        album_words=("Weightless Hours", "Fog Studies", "Low Sun", "Still Water", "Aerial Maps"),
        title_words=(("Morning", "Distant", "Soft", "Hollow", "Silver", "Long"),
                     ("Haze", "Shore", "Breath", "Field", "Signal", "Cloud")),
        drive=0.6, peak=0.55,
    ),
    Style(
        key="dnb", genre="drum and bass", tempo=(170, 176), modes=("minor",),
        progressions=((0, 5, 3, 4), (0, 0, 5, 6)),
        drums=DrumPattern(kick="x.........x.....", snare="....x.......x...",
                          hat="x.x.x.x.x.x.x.xx", shaker="..o...o...o...o."),
        bass="reese", bass_steps="x.....x...x.....", chords="pad", lead="none",
        distortion=0.6, brightness=0.55, noise=0.0, octave=3, years=(1996, 2025),
        moods=("energetic", "workout", "night"),
        artist_words=(("Circuit", "Hard", "Night", "Amen", "Subway"),
                      ("Breaks", "Pressure", "Theory", "Runners", "System")),
        album_words=("Rollers", "Concrete Jungle", "Low End Science", "Tunnel Vision"),
        title_words=(("Liquid", "Shadow", "Rapid", "Deep", "Urban", "Neon"),
                     ("Pulse", "Step", "Current", "Motion", "Chase", "Roller")),
        drive=2.2, peak=0.95,
    ),
    Style(
        key="house", genre="house", tempo=(120, 126), modes=("minor", "dorian"),
        progressions=((0, 3, 4, 3), (0, 5, 3, 4), (1, 4, 0, 0)),
        drums=DrumPattern(kick="x...x...x...x...", snare="....x.......x...",
                          hat="o.o.o.o.o.o.o.o.", open_hat="..x...x...x...x."),
        bass="offbeat", bass_steps="..x...x...x...x.", chords="stab", lead="none",
        distortion=0.0, brightness=0.6, noise=0.0, octave=4, years=(1988, 2025),
        moods=("party", "happy", "dance"),
        artist_words=(("Velvet", "Warehouse", "Sunset", "Disco", "Chicago"),
                      ("Grooves", "Society", "Unit", "Collective", "Motion")),
        album_words=("Saturday Sessions", "Back To The Floor", "Deep Cuts", "Strobe Light"),
        title_words=(("Feel", "Move", "Golden", "Higher", "Jack", "Late"),
                     ("Love", "Groove", "Body", "Night", "Feeling", "Rhythm")),
        drive=2.0, peak=0.95,
    ),
    Style(
        key="techno", genre="techno", tempo=(128, 138), modes=("phrygian", "minor"),
        progressions=((0, 0, 0, 1), (0, 0, 6, 0)),
        # no open hats on the off-beats: against the kick they blur the beat into 3/2 time
        drums=DrumPattern(kick="x...x...x...x...", snare="....o.......o...",
                          hat="xoxoxoxoxoxoxoxo"),
        bass="acid", bass_steps="x.xxx.x.xx.x.xx.", chords="none", lead="saw",
        distortion=0.8, brightness=0.75, noise=0.04, octave=3, years=(1991, 2025),
        moods=("dark", "dance", "focus"),
        artist_words=(("Iron", "Black", "Grid", "Machine", "Berlin"),
                      ("Forge", "Sector", "Protocol", "Code", "Assembly")),
        album_words=("Control Room", "Hard Wired", "Sequence", "Steel Frame", "Night Shift"),
        title_words=(("Dark", "Metal", "Binary", "Cold", "Raw", "Static"),
                     ("Engine", "Loop", "Matrix", "Pressure", "Drive", "Unit")),
        drive=2.4, peak=0.95,
    ),
    Style(
        key="hiphop", genre="hip hop", tempo=(84, 96), modes=("minor", "dorian"),
        progressions=((0, 5, 3, 4), (0, 3, 0, 4), (0, 6, 5, 4)),
        drums=DrumPattern(kick="x......x..x.....", snare="....x.......x...",
                          hat="x.x.x.x.x.x.x.x.", swing=0.28),
        bass="sub", bass_steps="x......x..x.....", chords="ep", lead="none",
        distortion=0.1, brightness=0.4, noise=0.06, octave=4, years=(1989, 2025),
        moods=("chill", "focus", "night"),
        artist_words=(("MC", "Lyric", "Dusty", "Block", "Golden"),
                      ("Crates", "Verse", "Cipher", "Kings", "Era")),
        album_words=("Boom Bap Diaries", "Basement Tapes", "Crate Digging", "Corner Stories"),
        title_words=(("Street", "Smoke", "Vinyl", "Rhyme", "Old", "City"),
                     ("Dreams", "Flow", "Story", "Blocks", "Dust", "Cypher")),
        drive=1.6, peak=0.9,
    ),
    Style(
        key="rock", genre="rock", tempo=(112, 140), modes=("major", "mixolydian"),
        progressions=((0, 4, 5, 3), (0, 3, 4, 4), (0, 6, 3, 0)),
        drums=DrumPattern(kick="x.......x.x.....", snare="....x.......x...",
                          hat="x.x.x.x.x.x.x.x.", open_hat="..............x."),
        bass="root8", bass_steps="x.x.x.x.x.x.x.x.", chords="power", lead="none",
        distortion=2.5, brightness=0.7, noise=0.02, octave=3, years=(1968, 2024),
        moods=("energetic", "happy", "driving"),
        artist_words=(("The", "Electric", "Wild", "Broken", "Highway"),
                      ("Stones", "Riders", "Engines", "Foxes", "Arrows")),
        album_words=("Loud And Clear", "Garage Days", "Open Road", "Amplified", "Sweat"),
        title_words=(("Burning", "Fast", "Restless", "Rebel", "Heavy", "Lonely"),
                     ("Heart", "Road", "Fire", "Wheels", "Town", "Radio")),
        drive=2.4, peak=0.95,
    ),
    Style(
        key="metal", genre="metal", tempo=(170, 200), modes=("phrygian", "minor"),
        progressions=((0, 1, 0, 6), (0, 0, 5, 1)),
        drums=DrumPattern(kick="xxxxxxxxxxxxxxxx", snare="....x.......x...",
                          hat="x...x...x...x...", ride="x.x.x.x.x.x.x.x."),
        bass="root8", bass_steps="xxxxxxxxxxxxxxxx", chords="power", lead="none",
        distortion=7.0, brightness=0.85, noise=0.05, octave=2, years=(1984, 2025),
        moods=("aggressive", "workout", "dark"),
        artist_words=(("Grave", "Obsidian", "Iron", "Cursed", "Frozen"),
                      ("Throne", "Wrath", "Legion", "Abyss", "Hammer")),
        album_words=("Blood Of Giants", "Black Altar", "Storm Of Blades", "Fallen Empire"),
        title_words=(("Chaos", "Burning", "Endless", "Frozen", "Savage", "Eternal"),
                     ("Storm", "War", "Void", "Throne", "Fire", "Doom")),
        drive=3.2, peak=0.97,
    ),
    Style(
        key="jazz", genre="jazz", tempo=(110, 160), modes=("dorian", "mixolydian"),
        progressions=((1, 4, 0, 0), (0, 5, 1, 4), (2, 5, 1, 4)),
        drums=DrumPattern(ride="x..xx..xx..xx..x", hat="....x.......x...",
                          kick="x...............", swing=0.33),
        bass="walking", bass_steps="x...x...x...x...", chords="ep", lead="sine",
        distortion=0.0, brightness=0.35, noise=0.03, octave=4, years=(1956, 2022),
        moods=("chill", "evening", "focus"),
        artist_words=(("Miles", "Blue", "Smoky", "Midnight", "Velvet"),
                      ("Quartet", "Trio", "Ensemble", "Hour", "Standard")),
        album_words=("Round Midnight Sessions", "Blue Room", "Late Set", "Brushes", "Standards"),
        title_words=(("Blue", "Autumn", "Little", "Lazy", "Night", "Misty"),
                     ("Waltz", "Train", "Bird", "Serenade", "Corner", "Ballad")),
        drive=0.8, peak=0.7,
    ),
    Style(
        key="piano", genre="classical", tempo=(60, 84), modes=("major", "minor"),
        progressions=((0, 3, 4, 0), (0, 5, 3, 4), (0, 4, 5, 2)),
        drums=None, bass="none", bass_steps="." * 16, chords="piano", lead="none",
        distortion=0.0, brightness=0.5, noise=0.01, octave=4, years=(1960, 2023),
        moods=("calm", "sad", "focus"),
        artist_words=(("Clara", "Anton", "Elena", "Frederic", "Sofia"),
                      ("Novak", "Lindqvist", "Moreau", "Bellini", "Haas")),
        album_words=("Nocturnes", "Preludes", "Piano Sonatas", "Etudes", "Impromptus"),
        title_words=(("Nocturne in", "Prelude in", "Etude in", "Sonata in", "Waltz in"),
                     ("C", "D", "E flat", "F sharp", "G", "A", "B flat")),
        drive=0.6, peak=0.6,
    ),
    Style(
        key="folk", genre="folk", tempo=(92, 116), modes=("major", "mixolydian"),
        progressions=((0, 3, 4, 0), (0, 4, 5, 3), (0, 0, 3, 4)),
        drums=DrumPattern(shaker="o.x.o.x.o.x.o.x.", kick="x.......x......."),
        bass="pluck", bass_steps="x.......x.......", chords="strum", lead="pluck",
        distortion=0.0, brightness=0.55, noise=0.02, octave=3, years=(1963, 2024),
        moods=("calm", "happy", "morning"),
        artist_words=(("River", "Willow", "Old", "Hollow", "Meadow"),
                      ("Creek", "Wood", "Barn", "Kin", "Lane")),
        album_words=("Cabin Songs", "Back Porch", "Wildflowers", "Harvest Moon", "Pine"),
        title_words=(("Little", "Green", "Wandering", "Country", "Old", "Quiet"),
                     ("Valley", "Home", "River", "Song", "Fields", "Mountain")),
        drive=0.9, peak=0.75,
    ),
    Style(
        key="reggae", genre="reggae", tempo=(70, 82), modes=("major", "minor"),
        progressions=((0, 3, 0, 4), (0, 5, 3, 4), (0, 3, 3, 0)),
        drums=DrumPattern(kick="........x.......", snare="........x.......",
                          hat="x.x.x.x.x.x.x.x.", swing=0.2),
        bass="sub", bass_steps="x..x..x...x.x...", chords="skank", lead="none",
        distortion=0.0, brightness=0.45, noise=0.03, octave=4, years=(1970, 2023),
        moods=("chill", "happy", "summer"),
        artist_words=(("Roots", "Lion", "Island", "Dub", "Zion"),
                      ("Riddim", "Sound", "Vibration", "Youth", "Rockers")),
        album_words=("One Drop", "Sunshine Riddims", "Roots Rock", "Kingston Town"),
        title_words=(("Sun", "Jah", "Island", "One", "Easy", "Sweet"),
                     ("Skank", "Love", "Riddim", "Vibes", "Rock", "Dub")),
        drive=1.3, peak=0.85,
    ),
    Style(
        key="synthwave", genre="synthwave", tempo=(96, 118), modes=("minor", "major"),
        progressions=((0, 5, 2, 6), (0, 3, 5, 4), (5, 3, 0, 4)),
        drums=DrumPattern(kick="x.......x.......", snare="....x.......x...",
                          hat="x.x.x.x.x.x.x.x.", snare_tail=0.35),
        bass="root8", bass_steps="x.x.x.x.x.x.x.x.", chords="pad", lead="saw",
        distortion=0.2, brightness=0.65, noise=0.0, octave=4, years=(2009, 2025),
        moods=("night", "driving", "nostalgic"),
        artist_words=(("Neon", "Chrome", "Laser", "Miami", "Retro"),
                      ("Dreams", "Drive", "Horizon", "Grid", "Cassette")),
        album_words=("Outrun", "Nightcall", "VHS Memories", "Sunset Boulevard", "Arcade"),
        title_words=(("Midnight", "Neon", "Electric", "Turbo", "Pacific", "Crystal"),
                     ("Drive", "Skyline", "Runner", "Heat", "Lights", "Coast")),
        drive=1.6, peak=0.9,
    ),
)

STYLE_BY_KEY: dict[str, Style] = {style.key: style for style in STYLES}
