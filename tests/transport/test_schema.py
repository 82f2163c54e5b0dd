from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.transport.schema import PoisonMessage, decode_event, message_key
from tests.warehouse.helpers import records


def test_a_collector_event_decodes_and_is_keyed_by_cinema():
    [payload] = records(1, cinema=42)
    row = decode_event(payload)
    assert row["cinema_id"] == 42 and message_key(payload) == b"42" and message_key(row) == b"42"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"cinema_id": "42"}, "cinema_id"),
        ({"cinema_id": 0}, "cinema_id"),
        ({"is_bot": True}, "is_bot"),
        ({"track": "other"}, "track"),
        ({"event_date": "2026-13-40"}, "bad date"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"event_id": ""}, "event_id"),
        ({"visitor": None}, "visitor"),
    ],
)
def test_bad_fields_are_poison_with_a_reason(change, reason):
    row = json.loads(records(1)[0]) | change
    with pytest.raises(PoisonMessage, match=reason):
        decode_event(json.dumps(row).encode())


def test_non_json_and_non_objects_are_poison():
    for value in (None, b"", b"\xff", b"[1]", b"{", b"[" * 50_000):
        with pytest.raises(PoisonMessage):
            decode_event(value)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200)
    | st.dictionaries(st.text(max_size=12), st.none() | st.integers() | st.text(max_size=8), max_size=8).map(
        lambda d: json.dumps(d).encode()
    )
)
def test_fuzz_decode_only_ever_raises_poison(value):
    try:
        row = decode_event(value)
    except PoisonMessage as exc:
        assert str(exc)
    else:
        assert isinstance(row["cinema_id"], int) and row["track"] in ("exempt", "pooled")


def test_a_suppression_travels_the_topic():
    from datetime import UTC, datetime

    from artaud.collector.events import suppression_record

    rec = suppression_record("p1.abc", 7, datetime(2026, 11, 24, 9, tzinfo=UTC))
    assert decode_event(json.dumps(rec).encode()) == rec
    assert message_key(rec) == b"7"


@pytest.mark.parametrize(
    "change",
    [{"visitor": ""}, {"kind": "forget"}, {"cinema_id": "7"}, {"suppressed_at": "yesterday"}, {"visitor": 3}],
)
def test_malformed_suppressions_are_poison(change):
    rec = {
        "_t": "suppression",
        "visitor": "p1.abc",
        "kind": "withdraw",
        "suppressed_at": "2026-11-24 09:00:00",
        "cinema_id": 7,
        **change,
    }
    with pytest.raises(PoisonMessage, match="suppression"):
        decode_event(json.dumps(rec).encode())
