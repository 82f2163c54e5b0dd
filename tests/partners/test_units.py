"""IO-free parts of the partner module: keys, pseudonyms, cursors, manifests, rate limits."""

from __future__ import annotations

import contextlib
import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.partners import cursor as cursors
from artaud.partners.keys import hash_token, matches, new_key, prefix_of
from artaud.partners.manifest import canonical, sign, signing_key, verify
from artaud.partners.ratelimit import RateLimiter


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


def test_rate_limit_fields_say_where_the_bucket_stands():
    now = [0.0]
    rl = RateLimiter(60, clock=lambda: now[0])  # the documented quota: 60 at once, then 1 a second
    first = rl.check("k")
    assert first.headers() == {"RateLimit-Policy": '"default";q=60;w=60', "RateLimit": '"default";r=59;t=1'}
    for _ in range(59):
        last = rl.check("k")
    assert (last.remaining, last.reset, last.wait) == (0, 60, 0.0)
    refused = rl.check("k")
    assert refused.wait > 0 and refused.headers()["Retry-After"] == "1" and refused.remaining == 0
    now[0] += 30
    assert rl.check("k").headers()["RateLimit"] == '"default";r=29;t=31'


@pytest.mark.parametrize(
    ("fmt", "accept", "chosen"),
    [
        (None, None, "json"),
        (None, "*/*", "json"),
        (None, "text/csv", "csv"),
        (None, "application/x-ndjson", "jsonl"),
        (None, "text/csv;q=0.5, application/x-ndjson", "jsonl"),
        ("csv", "application/json", "csv"),  # the parameter wins
        (None, "text/*", "csv"),
    ],
)
def test_one_rule_picks_the_format(fmt, accept, chosen):
    from artaud.partners.formats import choose

    assert choose(fmt, accept) == chosen


def test_an_unknown_format_or_an_accept_allowing_none_is_refused():
    from artaud.partners.formats import NotAcceptable, choose

    with pytest.raises(NotAcceptable):
        choose(None, "image/png")
    with pytest.raises(ValueError, match="format"):
        choose("xml", None)


def test_the_three_formats_carry_the_same_pseudonyms_and_gzip_round_trips():
    import gzip
    import json

    from artaud.partners.formats import gzipped, render, wants_gzip

    rows = [f"x{i:040x}" for i in range(12_345)]
    page = json.loads(b"".join(render("json", iter(rows), "abc")))
    assert [r["pseudonym"] for r in page["items"]] == rows and page["next_cursor"] == "abc"
    assert json.loads(b"".join(render("json", iter([]))))["items"] == []
    lines = b"".join(render("jsonl", iter(rows))).decode().splitlines()
    assert [json.loads(line)["pseudonym"] for line in lines] == rows
    assert b"".join(render("csv", iter(rows))).decode().splitlines() == ["pseudonym", *rows]
    body = b"".join(render("csv", iter(rows)))
    assert gzip.decompress(b"".join(gzipped(render("csv", iter(rows))))) == body
    assert wants_gzip("br, gzip;q=0.8") and not wants_gzip("gzip;q=0") and not wants_gzip(None)


def test_each_segment_is_described_with_its_own_id_geography_and_seller_descriptors():
    from artaud.partners.activation import Activation
    from artaud.segments.definitions import Segment

    defs = [
        Segment("region", 1, "Région", per="region", iab=(477,)),
        Segment("film", 1, "Intérêt pour un film", per="film", iab=(467,)),
        Segment("categorie", 1, "Catégorie de cinéma", per="category", iab=(477,)),
    ]
    bare = Activation(defs).describe("region/FR-IDF")
    assert bare["geo"] == {"iso_3166_2": "FR-IDF", "name": "Île-de-France"} and bare["sda_user_data"] == []
    a = Activation(defs, seller_domain="scare-cinemas.fr", segtax=612)
    films = [
        a.describe(f"film/{ref}")
        for ref in ("la-chimere~alice-rohrwacher", "anatomie-d-une-chute~justine-triet")
    ]
    assert len({f["taxonomy_id"] for f in films}) == len({f["title"] for f in films}) == 2
    assert films[0]["film"] == {"ref": "la-chimere~alice-rohrwacher"} and films[0]["geo"] is None
    assert films[0]["sda_user_data"] == [
        {
            "name": "scare-cinemas.fr",
            "ext": {"segtax": 612},
            "segment": [{"id": "film/la-chimere~alice-rohrwacher"}],
        },
        {"name": "scare-cinemas.fr", "ext": {"segtax": 4}, "segment": [{"id": "467"}]},
    ]
    assert a.describe("categorie/E")["title"].startswith("Catégorie de cinéma : E (")
    without_registration = Activation(defs, seller_domain="scare-cinemas.fr").describe("region/FR-BRE")
    assert [d["ext"]["segtax"] for d in without_registration["sda_user_data"]] == [4]
    assert without_registration["geo"]["name"] == "Bretagne"
