"""One polite HTTP fetcher for every catalogue service: rate window, budget, size limit, deadline.

Each service gets its own `Fetcher` with the service's documented limit (Deezer 50 requests per
5 s, MusicBrainz 1 per second, ...). A request never takes longer than its total deadline, an
answer never grows past its size limit, redirects are followed by hand (https only, or loopback
when the base itself is loopback), and JSON goes through netjson's bounds. A service that is down,
too slow or keeps answering 429/5xx raises `SourceDown`: the caller stops using that source for
this run, with one warning.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from desktoprec import HOMEPAGE, __version__
from desktoprec.catalogs.urls import is_https, is_loopback_http
from desktoprec.errors import MalformedResponse
from desktoprec.httpdeadline import DeadlineExceeded, RequestDeadline

log = logging.getLogger(__name__)

USER_AGENT = f"desktoprec/{__version__} ( {HOMEPAGE} )"  # MusicBrainz asks for a contact
MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
DEFAULT_DEADLINE_S = 20.0
MAX_RETRY_WAIT_S = 10.0


class SourceDown(Exception):
    """The service cannot be used now (unreachable, too slow, busy): stop it for this run."""


class BudgetSpent(Exception):
    """This run's request budget for the service is used up (the next run continues)."""


class BadAnswer(Exception):
    """One answer that cannot be used (too large, not JSON, unsafe redirect): skip that item."""


@dataclass
class Limits:
    """At most `requests` per `window_s` seconds, and `budget` requests per run."""

    requests: int
    window_s: float
    budget: int
    retries: int = 2  # retries after 429/503 before the source is given up for the run


@dataclass
class Answer:
    status: int
    body: bytes
    url: str
    headers: dict[str, str] = field(default_factory=dict)


class Fetcher:
    """GETs for one service; see the module docstring for the rules it keeps."""

    def __init__(self, service: str, base_url: str, limits: Limits, *,
                 deadline_s: float = DEFAULT_DEADLINE_S,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 allowed_hosts: tuple[str, ...] = (), accept: str = "application/json") -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.limits = limits
        self.deadline_s = deadline_s
        self.sleep = sleep
        self.clock = clock
        self.requests_made = 0
        self.down: str | None = None  # why the service was given up for this run
        self._sent: deque[float] = deque()
        self._client: Any = None
        self._loopback = is_loopback_http(self.base_url)
        # Downloads (previews) may come from these host suffixes when the base is public.
        self.allowed_hosts = allowed_hosts
        self.accept = accept  # the Accept header: JSON for the APIs, images for covers

    # --- the rules ------------------------------------------------------------------------------

    def url_allowed(self, url: str) -> bool:
        """https (to the service or its CDN), or loopback http when the base is loopback."""
        if self._loopback:
            return is_loopback_http(url) or is_https(url)
        if not is_https(url):
            return False
        if not self.allowed_hosts:
            return True
        host = (urlsplit(url).hostname or "").lower()
        base_host = (urlsplit(self.base_url).hostname or "").lower()
        return host == base_host or any(host == h.lstrip(".") or host.endswith(h)
                                        for h in self.allowed_hosts)

    def _wait_turn(self) -> None:
        if self.requests_made >= self.limits.budget:
            raise BudgetSpent(f"{self.service}: request budget of {self.limits.budget} spent")
        now = self.clock()
        while self._sent and now - self._sent[0] >= self.limits.window_s:
            self._sent.popleft()
        if len(self._sent) >= self.limits.requests:
            wait = self.limits.window_s - (now - self._sent[0])
            if wait > 0:
                self.sleep(wait)
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.limits.window_s:
                self._sent.popleft()
        self._sent.append(self.clock())
        self.requests_made += 1

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                timeout=httpx.Timeout(min(10.0, self.deadline_s)), follow_redirects=False,
                trust_env=not self._loopback,
                headers={"User-Agent": USER_AGENT, "Accept": self.accept})
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- requests -------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def get(self, path: str, params: dict[str, Any] | None = None, *,
            limit: int = MAX_JSON_BYTES, what: str = "answer") -> Answer:
        """One GET with retries on 429/503 (Retry-After honoured, capped); raises SourceDown,
        BudgetSpent or BadAnswer."""
        if self.down:
            raise SourceDown(self.down)
        attempt = 0
        while True:
            answer = self._get_once(self.url(path), params, limit, what)
            if answer.status in (429, 503) or answer.status >= 500:
                attempt += 1
                if attempt > self.limits.retries:
                    self.give_up(f"{self.service} keeps answering {answer.status}")
                wait = _retry_after(answer.headers.get("retry-after"), attempt)
                log.info("%s answered %s; waiting %.1f s", self.service, answer.status, wait)
                self.sleep(wait)
                continue
            return answer

    def give_up(self, reason: str) -> None:
        self.down = reason
        raise SourceDown(reason)

    def _get_once(self, url: str, params: dict[str, Any] | None, limit: int,
                  what: str) -> Answer:
        import httpx

        started: float | None = None
        for _ in range(MAX_REDIRECTS + 1):
            if not self.url_allowed(url):
                raise BadAnswer(f"{what} address is not https (or not the service's own)")
            self._wait_turn()
            if started is None:  # the deadline counts from the request, not the rate wait
                started = self.clock()
            remaining = max(0.1, self.deadline_s - (self.clock() - started))
            guard = RequestDeadline(remaining, None, self.service)
            try:
                with guard, self._http().stream("GET", url, params=params,
                                            extensions={"trace": guard.trace}) as response:
                    status = response.status_code
                    if status in (301, 302, 303, 307, 308) and response.headers.get("location"):
                        url = urljoin(str(response.url), response.headers["location"])
                        params = None
                        continue
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise BadAnswer(f"{what} is too large ({declared} bytes)")
                    body = bytearray()
                    for chunk in guard.iter_bytes(response):
                        body += chunk
                        if len(body) > limit:
                            raise BadAnswer(f"{what} is too large (over {limit} bytes)")
                        if self.clock() - started > self.deadline_s:
                            self.give_up(f"{self.service} is too slow (over "
                                         f"{self.deadline_s:.0f} s for one answer)")
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    return Answer(status, bytes(body), str(response.url), headers)
            except DeadlineExceeded:
                self.give_up(f"{self.service} is too slow (over "
                             f"{self.deadline_s:.0f} s for one answer)")
            except httpx.TimeoutException:
                self.give_up(f"{self.service} did not answer in time")
            except httpx.HTTPError as exc:
                if guard.expired:  # the deadline shut the socket down mid-answer
                    self.give_up(f"{self.service} is too slow (over "
                                 f"{self.deadline_s:.0f} s for one answer)")
                self.give_up(f"{self.service} could not be reached ({type(exc).__name__})")
        raise BadAnswer(f"{what} redirected too many times")

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
        """(status, decoded JSON or None when the body is not JSON) of one GET."""
        from desktoprec import netjson

        answer = self.get(path, params)
        if not answer.body.strip():
            return answer.status, None
        try:
            return answer.status, netjson.loads(answer.body, source=self.service,
                                                max_bytes=MAX_JSON_BYTES)
        except MalformedResponse as exc:
            if answer.status == 200:
                raise BadAnswer(str(exc)) from exc
            return answer.status, None


def _retry_after(header: str | None, attempt: int) -> float:
    try:
        wait = float(header) if header else float(attempt)
    except ValueError:
        wait = float(attempt)
    return max(0.0, min(MAX_RETRY_WAIT_S, wait))
