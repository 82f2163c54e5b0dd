"""tarteaucitron.js and Klaro states as the tag reads them, and the decisions they lead to."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.consent.cmp import parse_cmp_state
from artaud.consent.decision import Policy, Signals, decide


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("", (False, set())),  # the banner is there, no choice yet
        ("artaud=true", (True, set())),
        ("artaud=false", (False, set())),
        ("artaud=true,artaud_acme=true,artaud_b-2=false", (True, {"acme"})),
        ("artaud=false,artaud_acme=true", (False, set())),  # sharing only counts with the pooled audience
        ("artaud_acme=true", (False, set())),
        ("artaud=wait", None),  # tarteaucitron's pending state never reaches us: the tag sends booleans
        ("artaud=true,gtag=true", None),  # not one of ours
        ("artaud=true,artaud_=true", None),
        ("artaud=TRUE", None),
        ("artaud=true,,", None),
    ],
)
def test_states(state, expected):
    got = parse_cmp_state(state, "artaud")
    assert (got if got is None else (got[0], set(got[1]))) == expected


def test_the_service_name_is_configuration():
    assert parse_cmp_state("audience=true", "audience") == (True, frozenset())
    assert parse_cmp_state("artaud=true", "audience") is None
    d = decide(Signals("audience=true,audience_acme=true", cmp="klaro"), Policy(cmp_service="audience"))
    assert (d.pooled, d.partners, d.source) == (True, frozenset({"acme"}), "klaro")


@pytest.mark.parametrize("cmp", ["tac", "klaro"])
def test_decisions_from_banners(cmp):
    granted = decide(Signals("artaud=true,artaud_acme=true", cmp=cmp))
    assert (granted.pooled, granted.partners, granted.source, granted.purposes) == (
        True,
        frozenset({"acme"}),
        cmp,
        "measure,pool,partner:acme",
    )
    refused = decide(Signals("artaud=false", cmp=cmp))
    assert (refused.pooled, refused.source) == (False, cmp)
    objected = decide(Signals("artaud=true", cmp=cmp, gpc=True))
    assert (objected.pooled, objected.objection) == (False, "gpc")
    assert decide(Signals("artaud=maybe", cmp=cmp)).source == "invalid"


def test_an_unknown_banner_is_no_valid_consent():
    d = decide(Signals("artaud=true", cmp="didomi"))
    assert (d.pooled, d.source) == (False, "invalid")


def test_a_tc_string_decides_before_a_banner_state():
    d = decide(Signals("artaud=true", cmp="tac", tcf="not-a-tc-string"))
    assert (d.pooled, d.source) == (False, "invalid")


@given(st.text(max_size=80), st.sampled_from(["tac", "klaro"]), st.booleans())
def test_fuzz_never_raises_and_pools_only_with_the_pooled_service_granted(state, cmp, gpc):
    d = decide(Signals(state, cmp=cmp, gpc=gpc))
    if d.pooled:
        assert "artaud=true" in state.split(",") and not gpc
    assert d.source in (cmp, "invalid")
