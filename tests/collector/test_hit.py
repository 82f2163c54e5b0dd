"""Hit parsing: valid shapes, and fuzzing that only ever yields a HitError."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.collector.hit import DROP_REASONS, HitError, parse_beacon, parse_query

KEY = "sk_abcdefgh1234"


def test_query_with_all_fields():
    hit = parse_query(
        f"k={KEY}&n=select_item&u=https%3A%2F%2Fa.example%2Ff&i=abcdefgh-1&v=visitor-0001&c=pool"
        "&film=la-chimere&show=S1&ver=VF&qty=2&value=13.5&cur=EUR&start=2026-11-23T20:00"
    )
    [ev] = hit.events
    assert hit.site_key == KEY and hit.visitor_id == "visitor-0001" and hit.consent == "pool"
    assert (ev.name, ev.film_key, ev.quantity, ev.value_cents, ev.version) == (
        "select_item",
        "la-chimere",
        2,
        1350,
        "VF",
    )


def test_defaults_to_a_page_view():
    assert parse_query(f"k={KEY}").events[0].name == "page_view"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "malformed"),
        (b"\xff\xfe", "malformed"),
        (b"[" * 100_000, "malformed"),
        (b'"string"', "malformed"),
        (json.dumps({"e": [{"n": "page_view"}]}).encode(), "unknown_site"),
        (json.dumps({"k": KEY, "e": "nope"}).encode(), "malformed"),
        (json.dumps({"k": KEY, "e": [1]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "qty": True}]}).encode(), "invalid_event"),
        (
            json.dumps({"k": KEY, "e": [{"n": "page_view", "value": 1e308 * 10}]}).encode(),
            "malformed",
        ),  # Infinity
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "value": 100_001}]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "qty": 2**70}]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "u": "x" * 3000}]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "film": "a b"}]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "title": "a\nb"}]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view", "cur": "euro"}]}).encode(), "invalid_event"),
        (json.dumps({"k": KEY, "c": "POOL;drop", "e": [{"n": "page_view"}]}).encode(), "malformed"),
        (json.dumps({"k": KEY, "e": [{"n": "page_view"}] * 51}).encode(), "too_many_events"),
    ],
)
def test_beacon_rejections(body, reason):
    with pytest.raises(HitError) as exc:
        parse_beacon(body, 50)
    assert exc.value.reason == reason


def test_error_remembers_a_well_formed_site_key():
    with pytest.raises(HitError) as exc:
        parse_beacon(json.dumps({"k": KEY, "e": [{"n": "bogus"}]}).encode(), 50)
    assert exc.value.site_key == KEY


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "n": st.sampled_from(["page_view", "purchase", "view_item", "x"]) | st.text(max_size=10),
        "u": st.text(max_size=80),
        "i": st.text(max_size=70),
        "qty": json_values,
        "value": json_values,
        "film": st.text(max_size=70),
        "ver": st.text(max_size=12),
        "cur": st.text(max_size=4),
        "order": st.text(max_size=140),
        "title": st.text(max_size=210),
        "dir": st.text(max_size=210) | json_values,
        "transaction_id": json_values,
        "currency": json_values,
        "items": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    k: json_values
                    for k in ("item_id", "item_name", "item_variant", "quantity", "show_id", "show_start")
                },
            )
            | json_values,
            max_size=4,
        )
        | json_values,
    },
)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_beacon_bytes(body):
    try:
        hit = parse_beacon(body, 50)
    except HitError as err:
        assert err.reason in DROP_REASONS
    else:
        assert hit.events


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {"k": st.just(KEY) | st.text(max_size=20)},
        optional={
            "v": json_values,
            "c": json_values,
            "cs": st.sampled_from(["tag", "tac", "klaro", "tcf"]) | json_values,
            "g": json_values,
            "gdpr_consent": json_values,
            "e": st.lists(event_like | json_values, max_size=4),
        },
    )
)
def test_fuzz_beacon_structures(doc):
    try:
        hit = parse_beacon(json.dumps(doc).encode(), 50)
    except HitError as err:
        assert err.reason in DROP_REASONS
    else:
        assert hit.site_key == KEY and 1 <= len(hit.events) <= 50


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=300)
    | st.lists(
        st.tuples(
            st.sampled_from(["k", "n", "u", "v", "c", "cs", "g", "dir", "items", "qty", "value", "i", "b"]),
            st.text(max_size=30),
        ),
        max_size=8,
    ).map(lambda kv: "&".join(f"{k}={v}" for k, v in kv))
)
def test_fuzz_query(qs):
    try:
        parse_query(qs)
    except HitError as err:
        assert err.reason in DROP_REASONS


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"k": st.just(KEY)},
        optional={"c": json_values, "cs": st.just("tcf"), "e": st.lists(event_like, max_size=3)},
    ).map(json.dumps)
    | st.text(max_size=200)
)
def test_fuzz_pixel_carrying_a_body(body):
    """The pixel's `b`: any text, percent-encoded as the tag does, is a hit or a clear refusal."""
    from urllib.parse import quote

    try:
        hit = parse_query("b=" + quote(body), 4096, 10)
    except HitError as err:
        assert err.reason in DROP_REASONS
    else:
        assert hit.site_key == KEY and hit.events


def test_ga4_ecommerce_as_a_data_layer_holds_it():
    body = {
        "k": KEY,
        "e": [
            {
                "n": "purchase",
                "transaction_id": "CMD-1",
                "value": 15.5,
                "currency": "eur",
                "items": [
                    {
                        "item_id": "F77",
                        "item_name": "Perfect Days",
                        "item_variant": "vost",
                        "quantity": 2,
                        "show_id": "S42",
                        "show_start": "2026-11-25T20:30",
                        "price": 7.75,
                    },
                    {"item_id": "F77", "quantity": 1},
                ],
            }
        ],
    }
    [ev] = parse_beacon(json.dumps(body).encode(), 10).events
    assert (ev.film_key, ev.film_title, ev.version, ev.show_id, ev.show_start) == (
        "F77",
        "Perfect Days",
        "VOST",
        "S42",
        "2026-11-25T20:30",
    )
    assert (ev.quantity, ev.value_cents, ev.currency, ev.order_id) == (3, 1550, "EUR", "CMD-1")


def test_the_tag_short_keys_win_over_ga4_names():
    body = {
        "k": KEY,
        "e": [{"n": "view_item", "film": "mine", "qty": 1, "items": [{"item_id": "F1", "quantity": 5}]}],
    }
    [ev] = parse_beacon(json.dumps(body).encode(), 10).events
    assert (ev.film_key, ev.quantity) == ("mine", 1)


@pytest.mark.parametrize(
    "items",
    ["F1", [1, 2], [{"quantity": 60}, {"quantity": 60}], [{"item_id": "has space"}], [{}] * 51],
)
def test_bad_ga4_items_are_invalid_events(items):
    body = {"k": KEY, "e": [{"n": "add_to_cart", "items": items}]}
    with pytest.raises(HitError) as err:
        parse_beacon(json.dumps(body).encode(), 10)
    assert err.value.reason == "invalid_event" and err.value.site_key == KEY


def test_banner_state_source_and_gpc():
    hit = parse_beacon(
        json.dumps({"k": KEY, "cs": "tac", "c": "artaud=true", "g": 1, "e": [{}]}).encode(), 10
    )
    assert (hit.cmp, hit.consent, hit.gpc) == ("tac", "artaud=true", True)
    hit = parse_beacon(json.dumps({"k": KEY, "cs": "klaro", "e": [{}]}).encode(), 10)
    assert (hit.cmp, hit.consent) == ("klaro", "")  # the banner is there, no choice yet
    hit = parse_beacon(json.dumps({"k": KEY, "cs": "tag", "c": "pool", "e": [{}]}).encode(), 10)
    assert (hit.cmp, hit.consent, hit.gpc) == (None, "pool", False)
    hit = parse_query(f"k={KEY}&cs=tac&c=artaud%3Dfalse&g=1&dir=Wim+Wenders&title=Perfect+Days")
    assert (hit.cmp, hit.consent, hit.gpc, hit.events[0].film_director) == (
        "tac",
        "artaud=false",
        True,
        "Wim Wenders",
    )


@pytest.mark.parametrize(
    "extra", [{"cs": "didomi"}, {"cs": 1}, {"g": 2}, {"g": "yes"}, {"c": "artaud=true!"}, {"c": 5}]
)
def test_bad_consent_fields_are_malformed(extra):
    with pytest.raises(HitError) as err:
        parse_beacon(json.dumps({"k": KEY, "e": [{}], **extra}).encode(), 10)
    assert err.value.reason == "malformed" and err.value.site_key == KEY
