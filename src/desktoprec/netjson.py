"""Size-limited, depth-limited, validated JSON from the network: garbage becomes MalformedResponse.

`json.loads` alone accepts NaN and Infinity, recurses until `RecursionError` on deeply nested input
(`[[[[…`), and reads any size it is handed. These helpers put bounds on all three, so a hostile or
broken server costs one clear error and nothing else. Any module that reads JSON from outside the
process (Spotify, metadata and preview services, cached answers) can use them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from desktoprec.errors import MalformedResponse

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def depth_of(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a decoded JSON value (iterative: safe on any input); stops past `limit`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def loads(
    content: bytes | str,
    *,
    source: str = "the server",
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Decode JSON from the network, or raise MalformedResponse naming `source`.

    Rejects bodies over `max_bytes`, invalid UTF-8, NaN/Infinity, nesting deeper than `max_depth`.
    """
    size = len(content.encode("utf-8") if isinstance(content, str) else content)
    if size > max_bytes:
        raise MalformedResponse(
            f"The answer from {source} was too large ({size} bytes, the limit is {max_bytes}); "
            "it was ignored."
        )
    try:
        value = json.loads(content, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        log.debug("undecodable JSON from %s: %s", source, type(exc).__name__)
        raise MalformedResponse(
            f"The answer from {source} was not valid JSON (cut off or damaged); "
            "nothing from it was stored."
        ) from exc
    if depth_of(value, max_depth) > max_depth:
        raise MalformedResponse(
            f"The answer from {source} was nested too deeply to be a real answer; it was ignored."
        )
    return value


def loads_object(content: bytes | str, *, source: str = "the server", **limits: int) -> dict[str, Any]:
    """Like `loads`, and the top level must be a JSON object."""
    value = loads(content, source=source, **limits)
    if not isinstance(value, dict):
        raise MalformedResponse(
            f"The answer from {source} was {type(value).__name__}, not an object; it was ignored."
        )
    return value
