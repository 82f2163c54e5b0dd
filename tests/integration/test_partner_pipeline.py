"""Consent through the whole pipeline: simulated mixed-consent traffic (the tag's API, tarteaucitron and
Klaro states, GPC, bots) into `artaud run`, a segment build, exports pulled over HTTP by two partners,
withdrawals, a second build and the delta. Every exported pseudonym must belong to a visitor whose
consent covers that partner; withdrawn visitors must come back as removals; the partner ID sync hands
a partner exactly the values its exports carry, and only for visitors who consented to it."""

from __future__ import annotations

import io
import json
import time
from typing import Any
from urllib.parse import quote

import pytest

from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.collector.pseudonym import Pseudonymiser
from artaud.config.keyring import KeyRing
from artaud.warehouse.backend import ChdbWarehouse
from artaud_devkit.simulator.run import SimConfig, simulate
from artaud_devkit.testing.app_process import ArtaudProcess
from tests.integration.client import HitClient, call, cli
from tests.sync_frames import handed

pytestmark = pytest.mark.slow


def members(svc: ArtaudProcess, token: str, export_id: str, kind: str) -> set[str]:
    status, rows = call(f"{svc.partners_url}/v1/exports/{export_id}/{kind}?format=jsonl&limit=1000000", token)
    assert status == 200
    return {r["pseudonym"] for r in rows}


def synced(client: HitClient, site: dict[str, Any], visitor: str, consent: str) -> dict[str, str]:
    """What the sync frame opened by this visitor's hit hands each partner: {partner: xid}."""
    host = site["domains"][0]
    event = {"n": "page_view", "u": f"https://{host}/programme", "i": f"sync-{visitor}"}
    body = {"k": site["site_key"], "v": visitor, "c": consent, "e": [event]}
    status, doc = client._request(
        "GET", "/c/s?b=" + quote(json.dumps(body)), None, {"Referer": f"https://{host}/"}
    )
    assert status == 200
    return {slug: url.split("xid=", 1)[1] for slug, url in handed(doc).items()}


def test_only_consenting_visitors_reach_each_partner_and_withdrawals_come_back_as_removals(tmp_path):
    data = tmp_path / "data"
    for slug, name in (("demo-agency", "Demo Agency"), ("other-agency", "Other Agency")):
        cli(data, "partners", "add", "--slug", slug, "--name", name)
        cli(
            data,
            "partners",
            "sync",
            "--slug",
            slug,
            "--url",
            f"https://sync.{slug}.example/match?xid={{xid}}",
        )
    svc = ArtaudProcess(
        data,
        extra_env={
            "ARTAUD_SEGMENTS__K": "20",
            "ARTAUD_SEGMENTS__MIN_CINEMAS": "2",
            "ARTAUD_SEGMENTS__MAX_CINEMA_SHARE": "0.9",
            "ARTAUD_SEGMENTS__BUILD_HOUR": "-1",
            # one day of traffic: every member counts (members seen on two days: tests/attacks/)
            "ARTAUD_SEGMENTS__CREDIBLE_DAYS": "1",
        },
    ).start()
    known = [f"known-visitor-{i:04d}" for i in range(40)]  # visitors this test follows by their raw id
    try:
        demo = cli(data, "partners", "key", "--slug", "demo-agency").splitlines()[1]
        other = cli(data, "partners", "key", "--slug", "other-agency").splitlines()[1]
        out = io.StringIO()
        assert (
            simulate(
                SimConfig(
                    svc.url,
                    svc.admin_url,
                    admin_token=svc.admin_token,
                    rate=250,
                    duration=6,
                    concurrency=4,
                    seed=11,
                ),
                out=out,
            )
            == 0
        )
        sites = svc.sites()
        client = HitClient(svc.url)
        for i, v in enumerate(known):
            site = sites[i % len(sites)]
            status, _ = client.beacon(
                site["site_key"],
                site["domains"][0],
                [{"n": "page_view", "u": f"https://{site['domains'][0]}/programme", "i": f"known-{i:06d}"}],
                visitor=v,
                consent="measure,pool,partner:demo-agency",
            )
            assert status == 204
        syncs = [
            synced(client, sites[i % len(sites)], v, "measure,pool,partner:demo-agency")
            for i, v in enumerate(known)
        ]
        no_pool = synced(client, sites[0], known[0], "measure,partner:demo-agency,partner:other-agency")
        time.sleep(3)  # the drainer inserts about once a second
        status, first_build = call(
            f"{svc.admin_url}/api/v1/segments/build", svc.admin_token, body={"only": ["art-et-essai"]}
        )
        assert status == 200, first_build
        status, first = call(f"{svc.partners_url}/v1/exports", demo, {"segment": "art-et-essai"})
        assert status == 201, first
        first_members = members(svc, demo, first["export"]["export_id"], "members")
        status, refused = call(f"{svc.partners_url}/v1/exports", other, {"segment": "art-et-essai"})
        assert (status, refused["error"]) == (409, "below_k")  # no visitor ever consented to other-agency
        gone = known[:25]
        for i, v in enumerate(gone):
            site = sites[i % len(sites)]
            r = client._request(
                "POST",
                "/c/w",
                json.dumps({"k": site["site_key"], "v": v}).encode(),
                {"Origin": f"https://{site['domains'][0]}", "Content-Type": "text/plain"},
            )
            assert r[0] == 204
        client.close()
        time.sleep(3)
        status, second_build = call(
            f"{svc.admin_url}/api/v1/segments/build", svc.admin_token, body={"only": ["art-et-essai"]}
        )
        assert status == 200 and second_build["build_id"] != first_build["build_id"]
        status, second = call(f"{svc.partners_url}/v1/exports", demo, {"segment": "art-et-essai"})
        assert status == 201, second
        export_id = second["export"]["export_id"]
        second_members = members(svc, demo, export_id, "members")
        removed = members(svc, demo, export_id, "removed")
        added = members(svc, demo, export_id, "added")
    finally:
        assert svc.stop() == 0

    ring = KeyRing(data / "secrets")
    pooled_key = ring.current("pooled-visitor")
    pooled = Pseudonymiser(pooled_key.secret, pooled_key.version)
    demo_key = ring.current("partner-demo-agency").secret
    wh = ChdbWarehouse(data / "chdb", "artaud")
    try:
        rows = wh.query(
            "SELECT visitor, purposes FROM artaud.segment_visitors "
            f"WHERE build_id = '{first_build['build_id']}' AND visitor IN (SELECT visitor FROM artaud.segment_members "
            f"WHERE build_id = '{first_build['build_id']}' AND segment_key = 'art-et-essai')"
        )
        [(exempt_in_members,)] = wh.query(
            "SELECT count() FROM artaud.segment_members WHERE NOT startsWith(visitor, 'p')"
        )
    finally:
        wh.close()
    consenting = {partner_pseudonym(demo_key, v) for v, p in rows if "partner:demo-agency" in p.split(",")}
    others = {partner_pseudonym(demo_key, v) for v, p in rows if "partner:demo-agency" not in p.split(",")}
    assert others, "the simulated traffic should include pooled visitors without consent for demo-agency"
    assert first_members == consenting and not first_members & others
    assert int(exempt_in_members) == 0  # nothing from the exempt track enters a segment
    withdrawn = {partner_pseudonym(demo_key, pooled.pooled(v)) for v in gone}
    assert withdrawn <= first_members
    # the sync handed demo-agency each known visitor's export pseudonym, other-agency nothing
    assert [set(s) for s in syncs] == [{"demo-agency"}] * len(known)
    handed = {s["demo-agency"] for s in syncs}
    assert (
        handed == {partner_pseudonym(demo_key, pooled.pooled(v)) for v in known} and handed <= first_members
    )
    assert no_pool == {}  # no partner without the pooled audience
    assert removed == withdrawn and added == set()
    assert second_members == first_members - withdrawn
    assert (
        second["export"]["removed"] == 25
        and second["export"]["previous_export_id"] == first["export"]["export_id"]
    )
