"""The consent matrix through real HTTP: every combination of consent signal, first-party id, Global
Privacy Control, Do Not Track and transport (beacon, pixel) sent to `artaud run`; then, in the
embedded ClickHouse, which track each hit landed in, and that every pooled event references a valid
consent record (one that exists and whose stored signal, decided again, covers the pooled audience).

The expected track is written out here from the privacy model, not computed by the code under test."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from artaud.consent.decision import Policy
from artaud.consent.proof import decide_again
from artaud.consent.tcf_policy import TcfPolicy
from artaud.warehouse.backend import ChdbWarehouse
from artaud_devkit.testing.app_process import ArtaudProcess
from tests.integration.client import HitClient
from tests.tcf_strings import tc_strings

pytestmark = pytest.mark.slow

PARTNER_VENDOR = 755


@dataclass(frozen=True)
class Consent:
    name: str
    fields: dict[str, str]  # what the tag sends: c / cs / gdpr_consent
    pooled: bool  # does the signal itself cover the pooled audience?
    source: str  # the consent_source the collector must store
    partners: str = ""  # the partner purposes it grants, as stored


def consents() -> list[Consent]:
    granted, partner, refused, expired = tc_strings(
        [
            {"purposes": [1, 3, 4]},
            {"purposes": [1, 3, 4], "vendors": [PARTNER_VENDOR]},
            {"purposes": [1, 3], "vendors": [PARTNER_VENDOR]},
            {"purposes": [1, 3, 4], "lastUpdated": "2024-01-15T00:00:00Z"},  # older than 13 months
        ]
    )
    return [
        Consent("none", {}, False, "none"),
        Consent("tag-measure", {"c": "measure"}, False, "tag"),
        Consent("tag-pool", {"c": "measure,pool"}, True, "tag"),
        Consent(
            "tag-partner", {"c": "measure,pool,partner:demo-agency"}, True, "tag", ",partner:demo-agency"
        ),
        Consent("tag-partner-only", {"c": "partner:demo-agency"}, False, "tag"),
        Consent("tag-malformed", {"c": "pool,teleport"}, False, "invalid"),
        Consent("tac-granted", {"cs": "tac", "c": "artaud=true"}, True, "tac"),
        Consent("tac-refused", {"cs": "tac", "c": "artaud=false"}, False, "tac"),
        Consent("tac-no-choice", {"cs": "tac", "c": ""}, False, "tac"),
        Consent(
            "klaro-partner",
            {"cs": "klaro", "c": "artaud=true,artaud_demo-agency=true"},
            True,
            "klaro",
            ",partner:demo-agency",
        ),
        Consent(
            "klaro-refused", {"cs": "klaro", "c": "artaud=false,artaud_demo-agency=true"}, False, "klaro"
        ),
        Consent("klaro-not-ours", {"cs": "klaro", "c": "artaud=true,gtag=true"}, False, "invalid"),
        Consent("tcf-granted", {"gdpr_consent": granted}, True, "tcf"),
        Consent("tcf-partner", {"gdpr_consent": partner}, True, "tcf", ",partner:demo-agency"),
        Consent("tcf-refused", {"gdpr_consent": refused}, False, "tcf"),
        Consent("tcf-expired", {"gdpr_consent": expired}, False, "expired"),
        Consent("tcf-truncated", {"gdpr_consent": granted[:14]}, False, "invalid"),  # cut by a URL limit
        # a TC string decides even when the page also has a banner state
        Consent("tcf-over-tac", {"gdpr_consent": refused, "cs": "tac", "c": "artaud=true"}, False, "tcf"),
    ]


GPC = {"none": ({}, {}), "header": ({"Sec-GPC": "1"}, {}), "navigator": ({}, {"g": "1"})}
DNT = {"none": {}, "header": {"DNT": "1"}}


def test_every_combination_lands_in_the_right_track_with_valid_proof(tmp_path):
    svc = ArtaudProcess(
        tmp_path / "data",
        extra_env={"ARTAUD_CONSENT__TCF_PARTNER_VENDORS": json.dumps([f"demo-agency:{PARTNER_VENDOR}"])},
    ).start()
    expected: dict[str, dict[str, Any]] = {}
    matrix = consents()
    try:
        site = next(s for s in svc.sites() if s["cnc_id"] == "9990001")
        host = site["domains"][0]
        client = HitClient(svc.url)
        combos = itertools.product(matrix, (True, False), GPC, DNT, ("beacon", "pixel"))
        for n, (consent, with_id, gpc, dnt, transport) in enumerate(combos):
            event_id = f"matrix-{n:05d}"
            headers = {"Origin": f"https://{host}", **GPC[gpc][0], **DNT[dnt]}
            fields: dict[str, str] = {**consent.fields, **GPC[gpc][1]}
            if with_id:
                fields["v"] = f"first-party-{n:05d}"
            url = f"https://{host}/{consent.name}"
            if transport == "beacon":
                doc: dict[str, Any] = {
                    "k": site["site_key"],
                    **fields,
                    "e": [{"n": "page_view", "u": url, "i": event_id}],
                }
                body = json.dumps(doc).encode()
                status, _ = client._request("POST", "/c/e", body, {**headers, "Content-Type": "text/plain"})
                assert status == 204, (consent.name, status)
            else:
                query = urlencode({"k": site["site_key"], **fields, "u": url, "i": event_id})
                status, _ = client._request("GET", "/c/p.gif?" + query, None, headers)
                assert status == 200, (consent.name, status)
            objection = "gpc" if gpc != "none" else ("dnt" if dnt != "none" else "")
            pooled = consent.pooled and with_id and not objection
            expected[event_id] = {
                "track": "pooled" if pooled else "exempt",
                "consent_source": consent.source,
                "consent_objection": objection,
                "consent_purposes": "measure,pool" + consent.partners if pooled else "measure",
            }
        client.close()
    finally:
        assert svc.stop() == 0
    assert len(expected) == 18 * 2 * 3 * 2 * 2
    tc_kept = [c.fields["gdpr_consent"] for c in matrix if "gdpr_consent" in c.fields]

    wh = ChdbWarehouse(tmp_path / "data" / "chdb", "artaud")
    try:
        rows = wh.query(
            "SELECT event_id, toString(track), consent_source, consent_objection, consent_purposes, consent_id, visitor "
            "FROM artaud.events WHERE startsWith(event_id, 'matrix-')"
        )
        records = {
            r[0]: r
            for r in wh.query(
                "SELECT consent_id, source, signal, purposes, policy_version FROM artaud.consent_records"
            )
        }
    finally:
        wh.close()
    got = {
        r[0]: {"track": r[1], "consent_source": r[2], "consent_objection": r[3], "consent_purposes": r[4]}
        for r in rows
    }
    assert len(rows) == len(expected)  # each accepted hit stored exactly once
    mismatches = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert mismatches == {}
    pooled = [r for r in rows if r[1] == "pooled"]
    assert len(pooled) == sum(1 for v in expected.values() if v["track"] == "pooled") > 0
    for event_id, _, source, _, purposes, consent_id, visitor in pooled:
        assert consent_id in records, f"pooled event {event_id} without its consent record"
        _, rec_source, signal, rec_purposes, policy_version = records[consent_id]
        assert (rec_source, rec_purposes) == (source, purposes) and policy_version
        # the stored signal is the proof: decided again, it still covers the pooled audience
        again = decide_again(
            source, signal, Policy(tcf=TcfPolicy(partner_vendor_ids={"demo-agency": PARTNER_VENDOR}))
        )
        assert not any(tc in signal for tc in tc_kept), "a whole TC string kept"
        assert again.pooled and again.purposes == purposes, event_id
        assert visitor.startswith("p") and "first-party" not in visitor
    for r in rows:
        if r[1] == "exempt":
            assert r[5] == "" and not r[6].startswith("p")
