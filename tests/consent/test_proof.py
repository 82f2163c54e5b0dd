"""A consent record proves the decision without identifying the person (`consent/proof.py`)."""

from __future__ import annotations

from datetime import UTC, datetime

from artaud.consent.proof import relevant_vendors, tcf_summary
from artaud.consent.tcf import decode
from artaud.consent.tcf_policy import TcfPolicy
from tests.tcf_strings import tc_strings

POLICY = TcfPolicy(scare_vendor_id=755, partner_vendor_ids={"acme": 12, "zenith": 0})


def fields(summary: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in summary.split(";"))


def test_the_summary_keeps_what_proves_the_decision(reference):
    for r in reference[:300]:
        tc = decode(str(r["tc"]))
        f = fields(tcf_summary(tc, POLICY))
        assert (int(f["cmp"]), int(f["cmp_version"]), int(f["gvl"])) == (
            r["cmpId"],
            r["cmpVersion"],
            r["vendorListVersion"],
        )
        assert f["purposes"] == ",".join(str(p) for p in r["purposeConsents"])  # type: ignore[union-attr]
        day = datetime.fromtimestamp(int(r["lastUpdated"]) / 1000, UTC).date()  # type: ignore[call-overload]
        assert f["decided"] == day.isoformat()  # the day, never the instant
        # of the vendors, only those that decide something here
        assert set(f["vendors"].split(",")) - {""} == {
            str(v)
            for v in r["vendorConsents"]
            if v in (755, 12)  # type: ignore[union-attr]
        }
        for restriction in filter(None, f["restrictions"].split(",")):
            assert int(restriction.split(":")[2]) in relevant_vendors(POLICY)


def test_two_people_deciding_alike_on_one_day_have_the_same_summary():
    # whole TC strings differ to the tenth of a second (created, last updated): a summary does not
    specs = [
        {"purposes": [1, 3, 4], "vendors": [755, 12, 99], "lastUpdated": "2026-11-20T09:00:00.100Z"},
        {"purposes": [1, 3, 4], "vendors": [755, 12, 41], "lastUpdated": "2026-11-20T17:43:12.700Z"},
        {"purposes": [1, 3, 4], "vendors": [755, 12], "lastUpdated": "2026-11-21T09:00:00.100Z"},
    ]
    a, b, c = tc_strings(specs)
    assert len({a, b, c}) == 3
    sa, sb, sc = (tcf_summary(decode(s), POLICY) for s in (a, b, c))
    assert sa == sb and sa != sc
    assert a not in sa and not any(seg in sa for seg in a.split(".") if len(seg) > 8)


def test_a_record_decides_again_as_the_string_did(reference):
    from collections import Counter

    from artaud.consent.decision import Policy
    from artaud.consent.proof import decide_again, read_tcf_summary
    from artaud.consent.tcf_policy import pooled_and_partners

    restricted = Counter(v for r in reference for x in r["publisherRestrictions"] for v in x["vendors"])  # type: ignore[attr-defined]
    a, b, c = (v for v, _ in restricted.most_common(3))
    policies = [
        TcfPolicy(partner_vendor_ids={"a": a, "b": b, "c": c}),
        TcfPolicy(scare_vendor_id=a, partner_vendor_ids={"b": b, "c": c}),
        TcfPolicy(pooled_purposes=(1,), scare_vendor_id=c, partner_vendor_ids={"a": a}),
    ]
    outcomes = Counter()
    for policy in policies:
        for r in reference:
            tc = decode(str(r["tc"]))
            expected = pooled_and_partners(tc, policy)
            again = decide_again("tcf", tcf_summary(tc, policy), Policy(tcf=policy))
            assert (again.pooled, again.partners) == expected, r["tc"]
            outcomes[(expected[0], len(expected[1]))] += 1
    assert len(outcomes) >= 4  # pooled or not, with none, some or every partner: the cases are met
    assert decide_again("tac", "artaud=true", Policy()).pooled
    assert not decide_again("tag", "measure", Policy()).pooled
    for bad in ("", "cmp=1", "purposes=x;vendors=;restrictions=;decided=2026-11-20"):
        try:
            read_tcf_summary(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} read as a summary")
