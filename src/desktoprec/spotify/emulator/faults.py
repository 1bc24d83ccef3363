"""Fault injection for the emulator: answer chosen paths with errors, cut bodies, drops or delays."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

MODES = ("status", "truncate", "drop", "malformed", "slow")


@dataclass
class Fault:
    """One rule. `times` < 0 means every matching request; `delay` is for mode "slow"."""

    path_prefix: str
    mode: str = "status"
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 2.0
    method: str | None = None
    used: int = 0


class Faults:
    """The active rules; the first matching rule with uses left applies to a request."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, path_prefix: str, status: int = 500, body: Any = None,
            headers: dict[str, str] | None = None, times: int = 1, mode: str = "status",
            delay: float = 2.0, method: str | None = None) -> Fault:
        """Make requests whose path (below /v1, or the full path) starts with `path_prefix` fail.

        mode "status" answers `status` with `body` (a Spotify error object by default) and
        `headers` (e.g. {"Retry-After": "3"}); "truncate" sends half the real body under the full
        Content-Length; "drop" closes the connection without an answer; "malformed" answers 200
        with broken JSON; "slow" waits `delay` seconds, then answers normally.
        """
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; one of {', '.join(MODES)}")
        fault = Fault(path_prefix=path_prefix, mode=mode, status=status, body=body,
                      headers=dict(headers or {}), times=times, delay=delay,
                      method=method.upper() if method else None)
        with self._lock:
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, full_path: str, api_path: str | None) -> Fault | None:
        """The rule that applies to this request (its use counted), or None."""
        with self._lock:
            for fault in self._rules:
                if fault.method and fault.method != method:
                    continue
                if not (full_path.startswith(fault.path_prefix)
                        or (api_path is not None and api_path.startswith(fault.path_prefix))):
                    continue
                if 0 <= fault.times <= fault.used:
                    continue
                fault.used += 1
                return fault
        return None

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for f in self._rules if f.times < 0 or f.used < f.times)
