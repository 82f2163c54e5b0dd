"""IO-free parts of the partner module: keys, pseudonyms, cursors, manifests, rate limits."""

from __future__ import annotations

import contextlib
import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from partners import cursor as cursors
from partners.keys import hash_token, matches, new_key, prefix_of
from partners.manifest import canonical, sign, signing_key, verify
from partners.pseudonyms import partner_pseudonym
from partners.ratelimit import RateLimiter


def test_keys_are_shown_once_and_stored_as_hashes():
    k = new_key()
    assert k.token.startswith(f"pk_{k.prefix}_") and len(k.prefix) == 8
    assert k.secret_hash == hash_token(k.token) and k.token not in k.secret_hash
    assert prefix_of(k.token) == k.prefix and matches(k.token, k.secret_hash)
    assert not matches(k.token[:-1] + ("A" if k.token[-1] != "A" else "B"), k.secret_hash)
    assert new_key().prefix != k.prefix or new_key().token != k.token


@given(st.text(max_size=80))
def test_fuzz_anything_else_is_not_a_key(text):
    p = prefix_of(text)
    assert p is None or (text.startswith("pk_") and len(text) == 55)


def test_partner_pseudonyms_differ_between_partners_and_are_stable():
    a, b = secrets.token_bytes(32), secrets.token_bytes(32)
    assert partner_pseudonym(a, "p1.x") == partner_pseudonym(a, "p1.x") != partner_pseudonym(b, "p1.x")
    assert partner_pseudonym(a, "p1.x") != partner_pseudonym(a, "p1.y")
    assert partner_pseudonym(a, "p1.x").startswith("x") and len(partner_pseudonym(a, "p1.x")) == 41


def test_cursors_are_sealed_to_their_export_and_kind():
    key = secrets.token_bytes(32)
    c = cursors.seal(key, "ex_1", "members", "p1.abc")
    assert "p1.abc" not in c and cursors.open_(key, "ex_1", "members", c) == "p1.abc"
    for export_id, kind, k in (
        ("ex_2", "members", key),
        ("ex_1", "added", key),
        ("ex_1", "members", b"k" * 32),
    ):
        with pytest.raises(cursors.BadCursor):
            cursors.open_(k, export_id, kind, c)


@given(st.text(max_size=120))
def test_fuzz_cursors_open_or_raise_bad_cursor(text):
    with contextlib.suppress(cursors.BadCursor):
        cursors.open_(b"k" * 32, "ex_1", "members", text)


def test_manifests_are_canonical_and_signed():
    key = signing_key(b"s" * 32)
    m = {"b": 1, "a": "é", "members": 3}
    assert canonical(m) == '{"a":"é","b":1,"members":3}'.encode()
    sig = sign(m, key)
    assert verify(m, sig, key.public_key())
    assert not verify({**m, "members": 4}, sig, key.public_key())
    assert not verify(m, sig, Ed25519PrivateKey.generate().public_key())
    assert not verify(m, "not base64!", key.public_key())


def test_rate_limiter_refills_over_time():
    now = [0.0]
    rl = RateLimiter(60, burst=2, clock=lambda: now[0])
    assert [rl.take("a"), rl.take("a")] == [0.0, 0.0]
    wait = rl.take("a")
    assert 0 < wait <= 1.0
    assert rl.take("b") == 0.0  # keys are independent
    now[0] += 1.0
    assert rl.take("a") == 0.0
