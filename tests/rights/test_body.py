"""The rights page's request bodies (rights/body.py): anything a client sends is a request or one refusal."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.rights.body import BadRightsRequest, parse_body


def test_a_ticket_and_an_optional_confirmation() -> None:
    assert parse_body(b'{"ticket": "abc"}').confirm is False
    assert parse_body(b'{"ticket": "abc", "confirm": true}').confirm is True


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.dictionaries(
            st.text(max_size=8), st.one_of(st.text(max_size=50), st.booleans(), st.integers())
        ).map(lambda d: json.dumps(d).encode()),
    )
)
def test_fuzz_parse_body_returns_a_request_or_refuses(body: bytes) -> None:
    try:
        req = parse_body(body)
    except BadRightsRequest:
        return
    assert req.ticket and isinstance(req.confirm, bool)
