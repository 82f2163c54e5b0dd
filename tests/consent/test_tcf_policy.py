"""Consent decisions from TC strings, checked against what the IAB's decoder reads from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from artaud.consent.decision import Policy, Signals, decide
from artaud.consent.tcf_policy import TcfPolicy

POLICY = Policy(
    tcf=TcfPolicy(pooled_purposes=(1, 3, 4), scare_vendor_id=0, partner_vendor_ids={"acme": 5, "bravo": 12})
)
VENDOR_POLICY = Policy(tcf=TcfPolicy(pooled_purposes=(3,), scare_vendor_id=5))


def expected(r, purposes, vendor):
    if not all(p in r["purposeConsents"] for p in purposes):
        return False
    if vendor:
        if vendor not in r["vendorConsents"]:
            return False
        for pr in r["publisherRestrictions"]:
            if pr["purpose"] in purposes and vendor in pr["vendors"] and pr["type"] in (0, 2):
                return False
    return True


def test_decisions_follow_the_iab_decoding_of_each_string(reference):
    seen = {True: 0, False: 0}
    for r in reference:
        now = datetime.fromtimestamp(r["lastUpdated"] / 1000, UTC) + timedelta(days=1)
        d = decide(Signals(None, tcf=r["tc"]), POLICY, now)
        pooled = expected(r, (1, 3, 4), 0)
        assert d.pooled == pooled and d.source == "tcf"
        assert d.partners == (
            frozenset(s for s, v in (("acme", 5), ("bravo", 12)) if expected(r, (1, 3, 4), v))
            if pooled
            else frozenset()
        )
        v = decide(Signals(None, tcf=r["tc"]), VENDOR_POLICY, now)
        assert v.pooled == expected(r, (3,), 5)
        seen[v.pooled] += 1
    assert seen[True] > 50 and seen[False] > 50  # both outcomes exercised, restrictions included


def test_expired_malformed_and_objected_strings_give_no_pooled_consent(reference):
    r = next(x for x in reference if expected(x, (1, 3, 4), 0))
    updated = datetime.fromtimestamp(r["lastUpdated"] / 1000, UTC)
    assert decide(Signals(None, tcf=r["tc"]), POLICY, updated + timedelta(days=10)).pooled
    old = decide(Signals(None, tcf=r["tc"]), POLICY, updated + timedelta(days=391))
    assert (old.pooled, old.source) == (False, "expired")
    bad = decide(Signals("pool", tcf=r["tc"][:-6] + "!!!!!!"), POLICY, updated)
    assert (bad.pooled, bad.source) == (False, "invalid")
    gpc = decide(Signals(None, tcf=r["tc"], gpc=True), POLICY, updated)
    assert (gpc.pooled, gpc.objection) == (False, "gpc")
