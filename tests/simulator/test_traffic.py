"""The simulator's traffic (IO-free): what it sends parses as the tag's hits, and each visitor's
consent leads to the decision the visitor made, whichever banner reports it."""

from __future__ import annotations

import random
from urllib.parse import urlsplit

import pytest

from artaud.collector.hit import parse_beacon, parse_query
from artaud.consent.decision import Signals, decide
from artaud_devkit.simulator.traffic import SimSite, Visitor, consent_fields, make_visitor, next_request

SITE = SimSite("sk_simulated00001", "9990001", ("melies.example",))


def visitor(consent: str | None, banner: str) -> Visitor:
    return Visitor("10.11.0.1", "ua", consent, banner, gpc=False, first_party_id="f" * 32, bot=False)


@pytest.mark.parametrize(
    ("consent", "banner", "fields"),
    [
        (None, "tac", {}),
        ("measure", "tag", {"c": "measure"}),
        ("measure", "tac", {"cs": "tac", "c": "artaud=false"}),
        ("measure,pool", "klaro", {"cs": "klaro", "c": "artaud=true"}),
        (
            "measure,pool,partner:demo-agency",
            "tac",
            {"cs": "tac", "c": "artaud=true,artaud_demo-agency=true"},
        ),
    ],
)
def test_consent_as_each_banner_reports_it(consent, banner, fields):
    assert consent_fields(visitor(consent, banner)) == fields


def test_generated_hits_parse_and_decide_as_the_visitor_chose():
    rng = random.Random(7)
    visitors = [make_visitor(rng) for _ in range(200)]
    assert {v.banner for v in visitors} == {"tag", "tac", "klaro"}
    seen = {"pooled": 0, "exempt": 0, "bad": 0}
    for n in range(2000):
        req = next_request(rng, [SITE], visitors, "simulated-", n)
        if req.kind.startswith("bad:"):  # deliberately refused by the collector; checked over HTTP
            assert req.expected_status >= 400
            seen["bad"] += 1
            continue
        hit = parse_beacon(req.body, 50) if req.method == "POST" else parse_query(urlsplit(req.path).query)
        d = decide(Signals(hit.consent, cmp=hit.cmp, gpc=req.headers.get("Sec-GPC") == "1"))
        pooled = d.pooled and bool(hit.visitor_id)
        seen["pooled" if pooled else "exempt"] += 1
        if pooled:
            assert req.headers.get("Sec-GPC") != "1"
    assert min(seen.values()) > 20, seen
