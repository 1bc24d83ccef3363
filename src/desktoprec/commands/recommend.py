"""`recommend`, `path`, `eval`, `feedback` and `index`: the recommendation commands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktoprec.domain import RecommendationList
from desktoprec.errors import AuthError, ConfigError
from desktoprec.recommend.context import CONTEXT_TARGETS

if TYPE_CHECKING:
    from desktoprec.services import Services


def _unit(what: str) -> Callable[[str], float]:
    """An argparse type for a dial from 0 to 1; `what` names it in the message."""
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
        if not 0.0 <= number <= 1.0:
            raise argparse.ArgumentTypeError(f"{what} goes from 0 to 1")
        return number
    return parse


_diversity = _unit("the diversity dial")
_share = _unit("the familiar/new control")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from exc
    if number <= 0:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def register(subparsers: Any) -> None:
    rec = subparsers.add_parser("recommend", help="recommend tracks, each with its explanation")
    rec.add_argument("--json", action="store_true", help="print one JSON array")
    rec.add_argument("-n", type=_positive, default=20, help="how many tracks (default 20)")
    rec.add_argument("--seed-track", nargs="+", action="extend", default=[],
                     metavar="TRACK", help="more like these tracks: an id, a Spotify URI or link, "
                     "or \"Artist – Title\" (see `desktoprec tracks --search`)")
    rec.add_argument("--seed-playlist", metavar="ID", help="continue this playlist")
    rec.add_argument("--style", nargs="+", action="extend", default=[], metavar="STYLE",
                     help="cold start from these styles (genres)")
    rec.add_argument("--list-styles", action="store_true",
                     help="print the styles cold start can start from, then stop")
    rec.add_argument("--mode", choices=("for_you", "more_like", "playlist", "cold_start"),
                     help="default: from the seeds given, else for_you")
    rec.add_argument("--mood", choices=tuple(CONTEXT_TARGETS["mood"]))
    rec.add_argument("--activity", choices=tuple(CONTEXT_TARGETS["activity"]))
    rec.add_argument("--diversity", type=_diversity, metavar="X",
                     help="0 = pure similarity ... 1 = most varied (default from settings, 0.5)")
    rec.add_argument("--new", type=_share, metavar="X", dest="new",
                     help="familiar <-> new: 0 = only artists you know ... 1 = only artists new "
                          "to you (default from settings, 0.4)")
    saved = rec.add_mutually_exclusive_group()
    saved.add_argument("--include-saved", dest="include_saved", action="store_true",
                       default=None, help="allow tracks you already saved")
    saved.add_argument("--exclude-saved", dest="include_saved", action="store_false",
                       help="leave out tracks you already saved (the default)")
    rec.set_defaults(handler=handle_recommend)

    path = subparsers.add_parser("path", help="a sequence from one track to another through sound")
    path.add_argument("--from", dest="from_id", required=True, metavar="TRACK",
                      help="id, Spotify URI or link, or \"Artist – Title\"")
    path.add_argument("--to", dest="to_id", required=True, metavar="TRACK",
                      help="id, Spotify URI or link, or \"Artist – Title\"")
    path.add_argument("-n", type=_positive, default=8, help="steps, both ends included")
    path.add_argument("--json", action="store_true")
    path.set_defaults(handler=handle_path)

    ev = subparsers.add_parser("eval", help="playlist-continuation evaluation on a dataset")
    ev.add_argument("--dataset", required=True, type=Path, metavar="PATH")
    ev.add_argument("--split-seed", type=int, default=0, metavar="N")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--dump", type=Path, metavar="FILE", help="one JSON line per playlist")
    ev.add_argument("--limit-playlists", type=_positive, metavar="K",
                    help="evaluate only the first K eligible playlists")
    ev.add_argument("--diversity", type=_diversity, default=None, metavar="X",
                    help="the default dial (0.5)")
    ev.add_argument("--fit-ranker", action="store_true",
                    help="fit the ranking model on the seed halves of this split and write it "
                         "to the app's resources/ranker.json (or --ranker-out), then evaluate")
    ev.add_argument("--ranker-out", type=Path, metavar="FILE",
                    help="with --fit-ranker: write the model here instead")
    ev.set_defaults(handler=handle_eval)

    fb = subparsers.add_parser("feedback", help="tell desktoprec about a track")
    fb.add_argument("track", metavar="TRACK", help="track id or URI")
    fb.add_argument("kind", choices=("like", "dislike", "skip", "play"))
    fb.add_argument("--json", action="store_true")
    fb.add_argument("--artist", action="store_true",
                    help="with dislike: never recommend this track's artist again")
    fb.add_argument("--genre", action="store_true",
                    help="with dislike: never recommend this track's genre again")
    fb.set_defaults(handler=handle_feedback)

    ix = subparsers.add_parser("index", help="rebuild the recommendation index")
    ix.add_argument("--json", action="store_true")
    ix.add_argument("--discover", action="store_true",
                    help="first fetch discovery candidates: albums of your top and followed "
                         "artists (within settings.discovery_request_budget)")
    ix.set_defaults(handler=handle_index)


def _print_list(result: RecommendationList, as_json: bool) -> None:
    if as_json:
        print(json.dumps([item.to_dict() for item in result.items], ensure_ascii=False))
        return
    for rank, item in enumerate(result.items, 1):
        artists = ", ".join(item.track.artists) or "unknown artist"
        flags = [label for label, on in (("new artist", item.new_artist),
                                         ("diversity pick", item.diversity_pick)) if on]
        flag = f"  [{', '.join(flags)}]" if flags else ""
        print(f"{rank:2d}. {item.track.name} \u2014 {artists}{flag}")
        print(f"    {item.explanation.summary}")
    figures = result.figures
    if figures:
        print(f"{figures.get('distinct_artists', '?')} artists, "
              f"{figures.get('distinct_genres', '?')} genres, largest artist share "
              f"{100 * float(figures.get('largest_artist_share', 0)):.0f}%"
              + (f", {figures['new_artist_picks']} by artists new to you"
                 if figures.get("new_artist_picks") else ""))
        if figures.get("context_note"):
            print(f"note: {figures['context_note']}")


def handle_recommend(args: argparse.Namespace, services: Services) -> int:
    if args.list_styles:
        styles = services.recommend.styles_for_cold_start()
        if args.json:
            print(json.dumps([style.to_json() for style in styles], ensure_ascii=False))
        else:
            for style in styles:
                print(f"{style.style}  ({style.tracks} tracks, e.g. "
                      f"{', '.join(style.examples)})")
        return 0
    mode = args.mode
    if mode is None:
        if args.seed_playlist:
            mode = "playlist"
        elif args.seed_track:
            mode = "more_like"
        elif args.style:
            mode = "cold_start"
        else:
            mode = "for_you"
    if mode == "cold_start" and not (args.style or args.seed_track):
        raise ConfigError("Cold start needs 3 to 5 tracks (--seed-track) or styles (--style).")
    seeds = tuple(services.library.resolve_track(t) for t in args.seed_track)
    result = services.recommend.recommend(
        mode=mode, seeds=seeds, playlist_id=args.seed_playlist, n=args.n,
        mood=args.mood, activity=args.activity, diversity=args.diversity,
        include_saved=args.include_saved, styles=tuple(args.style), new=args.new,
    )
    _print_list(result, args.json)
    return 0


def handle_path(args: argparse.Namespace, services: Services) -> int:
    library = services.library
    result = services.recommend.path(library.resolve_track(args.from_id),
                                     library.resolve_track(args.to_id), args.n)
    _print_list(result, args.json)
    return 0


def handle_eval(args: argparse.Namespace, services: Services) -> int:
    from desktoprec.recommend.evaluate import evaluate
    from desktoprec.recommend.rerank import DEFAULT_DIVERSITY

    def progress(phase: str, done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{phase}: {done}/{total}", end="", file=sys.stderr, flush=True)

    ranker_out = args.ranker_out
    if args.fit_ranker and ranker_out is None:
        from desktoprec.recommend.model import shipped_path

        ranker_out = shipped_path()
    if ranker_out is not None and not args.fit_ranker:
        raise ConfigError("--ranker-out goes with --fit-ranker.")
    result = evaluate(
        args.dataset, split_seed=args.split_seed, limit_playlists=args.limit_playlists,
        dump=args.dump, diversity=DEFAULT_DIVERSITY if args.diversity is None else args.diversity,
        fit=args.fit_ranker, ranker_out=ranker_out, progress=progress,
    )
    if args.json:
        print(json.dumps(result))
        return 0
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"{result['playlists']} playlists, {result['tracks']} tracks, split seed "
          f"{result['split_seed']}, {result['seconds']} s")
    header = (f"{'':16} {'R-prec':>7} {'rec@100':>8} {'NDCG':>7} {'artists@20':>10} "
              f"{'top share':>9}")
    print(header)
    print(f"new artists: R-prec {result['new_artist_r_precision']:.4f}, rec@100 "
          f"{result['new_artist_recall_at_100']:.4f} ({result['new_artist_playlists']} "
          f"playlists; ranking model: {result['ranker'].get('source')})")
    rows = [("default", result["default"]), ("diversity 0", result["diversity0"])]
    rows += [(f"base {k}", v) for k, v in result["baselines"].items()]
    for label, figures in rows:
        print(f"{label:16} {figures['r_precision']:7.4f} {figures['recall_at_100']:8.4f} "
              f"{figures['ndcg_at_100']:7.4f} {figures['distinct_artists_top20']:10.2f} "
              f"{figures['largest_artist_share_top20']:9.3f}")
    return 0


def handle_feedback(args: argparse.Namespace, services: Services) -> int:
    if (args.artist or args.genre) and args.kind != "dislike":
        raise ConfigError("--artist and --genre go with dislike.")
    answer = services.recommend.feedback(args.track, args.kind)
    data = answer.to_json()
    if args.artist or args.genre:
        data["never"] = services.recommend.dislike_track_parts(
            answer.track_id, artist=args.artist, genre=args.genre)
    refreshed = answer.fresh
    if args.json:
        if refreshed is not None:
            data["list"] = [item.to_dict() for item in refreshed.items]
        print(json.dumps(data))
        return 0
    print(f"noted: {args.kind} {answer.track_id}")
    if refreshed is not None:
        print("two skips within a minute: here is a fresh list, steered away from them")
        _print_list(refreshed, False)
    return 0


def handle_index(args: argparse.Namespace, services: Services) -> int:
    discovery = None
    if args.discover:
        try:
            discovery = services.recommend.discover()
        except AuthError as exc:
            # Discovery needs Spotify; the index is still rebuilt from what is stored.
            print(f"desktoprec: discovery skipped: {exc.user_text()}", file=sys.stderr)
    index = services.recommend.rebuild_index()
    figures = index.to_json()
    if discovery is not None:
        figures["discovery"] = discovery.to_dict()
        if not args.json:
            print(f"discovery: {discovery.tracks_added} new tracks from "
                  f"{discovery.albums_fetched} albums ({discovery.albums_cached} cached), "
                  f"{discovery.requests} of {discovery.budget} requests"
                  + (f"; stopped: {discovery.message or discovery.stopped}"
                     if discovery.stopped else ""))
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"index rebuilt: {index.tracks} tracks, {index.dimensions} dimensions, "
              f"{index.with_sound} with sound, {index.with_genre} with genres, "
              f"{index.with_colisten} with co-listening ({index.seconds} s)")
    return 0
