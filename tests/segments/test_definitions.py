"""Segment definitions: the shipped defaults load, and every mistake gets a clear error."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.segments.definitions import InvalidSegments, Segment, load_segments, parse_segments


def test_the_shipped_defaults():
    segs = {s.id: s for s in load_segments()}
    assert {"art-et-essai", "habitues", "film", "acheteurs", "region", "categorie", "jeune-public"} <= set(
        segs
    )
    assert segs["art-et-essai"].lookback_days == 30 and segs["art-et-essai"].iab == (477,)
    assert (segs["habitues"].min_visits, segs["habitues"].min_cinemas, segs["habitues"].lookback_days) == (
        3,
        2,
        90,
    )
    assert segs["acheteurs"].events == ("purchase",) and segs["film"].per == "film"
    assert segs["jeune-public"].cinema_labels == ("JP",)


def one(**kw):
    return {"segment": [{"id": "x", "version": 1, "title": "X", **kw}]}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (one(lookback=30), "x: unknown key(s) lookback"),
        (one(lookback_days=0), "x.lookback_days: expected an integer from 1 to 760"),
        (one(lookback_days=800), "x.lookback_days: expected an integer from 1 to 760"),
        (one(events=["click"]), "x.events: 'click' is not one of"),
        (one(cinema_categories=["F"]), "x.cinema_categories: 'F' is not one of A, B, C, D, E"),
        (one(cinema_labels=["XX"]), "x.cinema_labels: 'XX' is not one of JP, PR, RD"),
        (one(regions=["Bretagne"]), "x.regions: 'Bretagne' is not valid"),
        (one(per="city"), "x.per: one of category, film, region"),
        (one(per="film", films=["a"]), "x: per = 'film' and films together"),
        (one(min_visits=1, min_cinemas=2), "x.min_cinemas: cannot exceed min_visits"),
        (one(iab="477"), "x.iab: a list of IAB Audience Taxonomy ids"),
        (one(version=True), "x.version: expected an integer"),
        ({"segment": [{"id": "Bad Id", "version": 1, "title": "X"}]}, "Bad Id.id: 1 to 40 lower-case"),
        ({"segment": [{"id": "x", "version": 1}]}, "x.title: a non-empty string"),
        ({"segment": [{"id": "x", "version": 1, "title": "X"}] * 2}, "x: defined twice"),
        ({"segments": []}, "unknown table(s) segments"),
        ({}, "no [[segment]] defined"),
    ],
)
def test_mistakes_are_named(doc, message):
    with pytest.raises(InvalidSegments) as err:
        parse_segments(doc)
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


def test_every_problem_is_reported_at_once():
    doc = {
        "segment": [
            {"id": "a", "version": 1, "title": "A", "per": "x"},
            {"id": "b", "version": 0, "title": "B"},
        ]
    }
    with pytest.raises(InvalidSegments) as err:
        parse_segments(doc)
    assert len(err.value.problems) == 2


def test_a_bad_file_is_a_clear_error(tmp_path):
    path = tmp_path / "segments.toml"
    path.write_text("[[segment]\nid = ")
    with pytest.raises(InvalidSegments, match="not valid TOML"):
        load_segments(path)
    with pytest.raises(InvalidSegments, match="No such file"):
        load_segments(tmp_path / "absent.toml")


def test_the_rule_hash_ignores_wording_only():
    a = Segment("x", 1, "X", description="un", iab=(477,))
    assert a.rule_hash == Segment("x", 2, "Y", description="deux").rule_hash
    assert a.rule_hash != Segment("x", 1, "X", lookback_days=31).rule_hash


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=10,
)


@given(
    st.dictionaries(
        st.sampled_from(
            sorted(
                [
                    "id",
                    "version",
                    "title",
                    "lookback_days",
                    "events",
                    "per",
                    "iab",
                    "min_visits",
                    "min_cinemas",
                    "regions",
                    "films",
                    "zz",
                ]
            )
        ),
        values,
    )
)
def test_fuzz_definitions_never_raise_anything_but_invalid_segments(raw):
    try:
        parse_segments({"segment": [raw]})
    except InvalidSegments as err:
        assert err.problems


@given(text=st.text(max_size=200))
def test_fuzz_toml_text(text, tmp_path_factory):
    path = tmp_path_factory.mktemp("toml") / "s.toml"
    path.write_text(text)
    try:
        load_segments(path)
    except InvalidSegments:
        pass
    except tomllib.TOMLDecodeError:  # pragma: no cover - must not escape
        raise
