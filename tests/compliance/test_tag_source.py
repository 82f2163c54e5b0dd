"""The identifier's lifetime is read from the tag's code, source and build."""

from __future__ import annotations

from importlib import resources

from artaud.compliance.tag_source import built_carries, lifetime_days

STATIC = resources.files("artaud.collector").joinpath("static")


def test_the_shipped_tag_keeps_its_identifier_390_days_in_source_and_build():
    days = lifetime_days(STATIC.joinpath("tag.src.js").read_text())
    assert days == 390
    assert built_carries(STATIC.joinpath("tag.js").read_text(), days)


def test_another_lifetime_or_none_is_read_as_such():
    assert lifetime_days("if (!v || now - v.t > 400 * 864e5) v = {};") == 400
    assert lifetime_days("localStorage.setItem(K, id)") is None
    assert built_carries("x>400*864e5&&y", 400)
    assert built_carries("i-r.t>3456e7&&(r={})", 400)
    assert not built_carries("i-r.t>33696e6&&(r={})", 400)
