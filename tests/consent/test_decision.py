from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.consent.decision import Policy, Signals, decide, parse_purposes


@pytest.mark.parametrize(
    ("signals", "pooled", "partners", "source", "objection"),
    [
        (Signals(None), False, set(), "none", ""),
        (Signals("measure"), False, set(), "tag", ""),
        (Signals("measure,pool"), True, set(), "tag", ""),
        (Signals("pool,partner:acme,partner:b-2"), True, {"acme", "b-2"}, "tag", ""),
        (Signals("partner:acme"), False, set(), "tag", ""),
        (Signals("pool", gpc=True), False, set(), "tag", "gpc"),
        (Signals("pool", dnt=True), False, set(), "tag", "dnt"),
        (Signals("pool,teleport"), False, set(), "invalid", ""),
        (Signals("pool,partner:"), False, set(), "invalid", ""),
    ],
)
def test_decisions(signals, pooled, partners, source, objection):
    d = decide(signals)
    assert (d.pooled, set(d.partners), d.source, d.objection) == (pooled, partners, source, objection)
    assert d.measurement


def test_objections_can_be_configured_off():
    assert decide(Signals("pool", gpc=True, dnt=True), Policy(honour_gpc=False, honour_dnt=False)).pooled


def test_purposes_are_normalised():
    assert decide(Signals("partner:z,pool,partner:a")).purposes == "measure,pool,partner:a,partner:z"
    assert decide(Signals("measure")).purposes == "measure"


@given(st.text(max_size=60), st.booleans(), st.booleans())
def test_fuzz_never_raises_and_never_pools_without_pool(text, gpc, dnt):
    d = decide(Signals(text, gpc=gpc, dnt=dnt))
    if d.pooled:
        assert "pool" in text.split(",") or "pool" in [t.strip() for t in text.split(",")]
        assert not gpc and not dnt
    parsed = parse_purposes(text)
    assert parsed is None or isinstance(parsed[0], bool)
