"""The rights ticket (collector/rights_ticket.py) and the per-address limit (collector/rights_limit.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.collector.rights_limit import AddressLimit
from artaud.collector.rights_ticket import BadTicket, ExpiredTicket, Ticket, open_ticket, seal

KEY = b"k" * 32
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
PSEUDONYMS = ["p2." + "a" * 32, "p1." + "b" * 32]


def test_a_ticket_opens_to_what_was_sealed_until_it_expires() -> None:
    token = seal(KEY, PSEUDONYMS, 7, NOW, 15)
    assert open_ticket(KEY, token, NOW + timedelta(minutes=14)) == Ticket(
        tuple(PSEUDONYMS), 7, int((NOW + timedelta(minutes=15)).timestamp())
    )
    with pytest.raises(ExpiredTicket):
        open_ticket(KEY, token, NOW + timedelta(minutes=16))


def test_a_ticket_is_opaque_and_cannot_be_altered_or_opened_under_another_key() -> None:
    token = seal(KEY, PSEUDONYMS, 7, NOW, 15)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"p2." not in raw and b"aaaa" not in raw  # nothing readable
    flipped = bytearray(raw)
    flipped[20] ^= 1
    altered = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
    for bad in (altered, token[:-2], "", "x" * 5000):
        with pytest.raises(BadTicket):
            open_ticket(KEY, bad, NOW)
    with pytest.raises(BadTicket):
        open_ticket(b"o" * 32, token, NOW)
    assert seal(KEY, PSEUDONYMS, 7, NOW, 15) != token  # a fresh nonce each time: tickets are not linkable


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode())
    )
)
def test_fuzz_open_ticket_never_raises_anything_but_bad_ticket(token: str) -> None:
    with pytest.raises(BadTicket):
        open_ticket(KEY, token, NOW)


def test_the_limit_counts_each_address_a_minute_and_forgets_them_after() -> None:
    now = [600.0]
    limit = AddressLimit(3, lambda: now[0], max_addresses=2)
    assert [limit.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("10.0.0.2")
    # the table is full for this minute: a new client is still served, the oldest forgotten
    assert limit.allow("10.0.0.3")
    assert limit.allow("10.0.0.1")  # forgotten, so counted again from nothing
    now[0] += 60
    assert limit.allow("10.0.0.1") and limit.allow("10.0.0.3")


def test_an_ipv6_subscriber_is_one_client_whatever_address_it_takes() -> None:
    limit = AddressLimit(2, lambda: 600.0)
    assert limit.allow("2001:db8:1:2::1") and limit.allow("2001:db8:1:2:ffff::9")
    assert not limit.allow("2001:db8:1:2:abcd::42")  # the same /64
    assert limit.allow("2001:db8:1:3::1")  # another subscriber
