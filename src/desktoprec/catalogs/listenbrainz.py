"""ListenBrainz similar artists (labs API): new-artist candidates from artist MBIDs.

`GET /similar-artists/json?artist_mbids={MBID}&algorithm={name}` answers a list of
`{artist_mbid, name, score, reference_mbid}`. The algorithm names are a strict list kept by the
server: a name it does not know answers 400 with the valid ones in the body, so the client reads
them from there, picks one, and remembers it for the rest of the run.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from desktoprec.catalogs.http import BadAnswer, Fetcher, Limits

log = logging.getLogger(__name__)

LIMITS = Limits(requests=2, window_s=1.0, budget=200)
DEFAULT_ALGORITHM = ("session_based_days_7500_session_300_contribution_5_threshold_10_limit_100_"
                     "filter_True_skip_30")
_ALGORITHM = re.compile(r"session_based_[A-Za-z0-9_]+")
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def algorithms_in(body: bytes) -> list[str]:
    """The algorithm names a 400 answer lists (in its order, without repeats)."""
    text = body.decode("utf-8", errors="replace")[:100_000]
    return list(dict.fromkeys(_ALGORITHM.findall(text)))


def choose_algorithm(names: list[str]) -> str | None:
    """A long-history, filtered algorithm when the server has one; else its first name."""
    for wanted in ("days_7500", "filter_True", ""):
        for name in names:
            if wanted in name:
                return name
    return None


def parse_similar(data: Any, limit: int = 25) -> list[dict[str, Any]]:
    items = data if isinstance(data, list) else (
        data.get("payload") if isinstance(data, dict) else None)
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        mbid, name, score = item.get("artist_mbid"), item.get("name"), item.get("score")
        if not (isinstance(mbid, str) and _MBID.match(mbid) and isinstance(name, str)):
            continue
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            score = 0
        out.append({"mbid": mbid, "name": " ".join(name.split())[:200], "score": float(score)})
    out.sort(key=lambda a: -a["score"])
    return out[:limit]


class ListenBrainzClient:
    service = "listenbrainz"

    def __init__(self, fetcher: Fetcher, algorithm: str = DEFAULT_ALGORITHM) -> None:
        self.fetcher = fetcher
        self.algorithm = algorithm

    def similar(self, mbid: str) -> list[dict[str, Any]]:
        for _ in range(2):
            answer = self.fetcher.get("/similar-artists/json",
                                      {"artist_mbids": mbid, "algorithm": self.algorithm})
            if answer.status == 400:
                # the body may quote the refused name too: choose among the others
                valid = [n for n in algorithms_in(answer.body) if n != self.algorithm]
                chosen = choose_algorithm(valid)
                if chosen is None or chosen == self.algorithm:
                    raise BadAnswer("ListenBrainz refused the request (400) and named no "
                                    "other algorithm")
                log.info("listenbrainz: algorithm %s refused; using %s", self.algorithm, chosen)
                self.algorithm = chosen
                continue
            if answer.status == 404:
                return []
            if answer.status != 200:
                raise BadAnswer(f"ListenBrainz answered {answer.status}")
            from desktoprec import netjson
            from desktoprec.errors import MalformedResponse

            try:
                data = netjson.loads(answer.body, source="ListenBrainz") if answer.body.strip() \
                    else []
            except MalformedResponse as exc:
                raise BadAnswer(str(exc)) from exc
            return parse_similar(data)
        raise BadAnswer("ListenBrainz refused every algorithm name")
