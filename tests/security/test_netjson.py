"""netjson: bounded, validated JSON decoding — every hostile body is one MalformedResponse."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktoprec.errors import MalformedResponse
from desktoprec.netjson import depth_of, loads, loads_object


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, b"\xff\xfe",
     b"NaN", b'{"x": Infinity}', b'{"x": -Infinity}', b"[1,]", b"\x00", b'"\\ud800"x'],
)
def test_hostile_bodies_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        loads(body, source="the test server")
    assert "the test server" in str(caught.value)


def test_size_and_depth_limits() -> None:
    with pytest.raises(MalformedResponse, match="too large"):
        loads(b"[" + b"1," * 600 + b"1]", max_bytes=1000)
    nested = "[" * 70 + "]" * 70
    with pytest.raises(MalformedResponse, match="nested too deeply"):
        loads(nested)
    assert loads(nested, max_depth=80) is not None
    assert depth_of({"a": [{"b": []}]}) == 4


def test_object_required() -> None:
    assert loads_object('{"id": "x"}') == {"id": "x"}
    with pytest.raises(MalformedResponse, match="not an object"):
        loads_object("[1, 2]")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_valid_json_round_trips(value: object) -> None:
    assert loads(json.dumps(value)) == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=500))
def test_random_bytes_parse_or_are_malformed(body: bytes) -> None:
    try:
        loads(body)
    except MalformedResponse:
        pass
