"""Suppression by person, not by pseudonym version (docs/threat-model.md, T1 and T6): a pooled-key
rotation, visitors who come back under the new key, then withdraw or are erased. Against `artaud run`."""

from __future__ import annotations

import time

import pytest

from artaud.collector.pseudonym import Pseudonymiser
from tests.attacks.house import House, raw_id
from tests.integration.client import call

pytestmark = pytest.mark.slow

BACK = list(range(0, 60, 6))  # ten visitors of the first cinema, consenting to both partners


def test_a_person_is_counted_once_and_withdrawn_everywhere_across_a_pooled_key_rotation(house: House) -> None:
    house.build("art-et-essai")
    status, first = house.export("demo-agency", "art-et-essai")
    assert status == 201, first
    before = house.listed("demo-agency", first["export"]["export_id"])
    old_who = house.who("demo-agency")  # partner pseudonyms of the pooled v1 pseudonyms
    mine = {p for p, i in old_who.items() if i in BACK}
    assert mine <= set(before)
    exact = house.catalog()["art-et-essai"]["members"]

    house.cli("keys", "rotate", "--purpose", "pooled-visitor")
    time.sleep(2)  # the collector follows the key ring (site_refresh_seconds = 1)
    house.visit(BACK)  # they come back: pseudonyms under the new key, linked to the old ones
    house.build("art-et-essai")
    counted = house.catalog()["art-et-essai"]["members"]
    assert counted == exact, (counted, exact)  # once each, not once per key version

    house.withdraw(BACK)
    house.build("art-et-essai")
    status, second = house.export("demo-agency", "art-et-essai")
    assert status == 201, second
    export_id = second["export"]["export_id"]
    after = set(house.listed("demo-agency", export_id))
    new_who = house.who("demo-agency")  # under the pooled v2 key
    theirs_now = {p for p, i in new_who.items() if i in BACK}
    still = (mine | theirs_now) & after
    assert still == set(), still
    assert mine <= set(house.listed("demo-agency", export_id, "removed"))
    assert mine <= house.deletions("demo-agency")
    assert house.catalog()["art-et-essai"]["members"] == exact - len(BACK)
    house.figure(
        "withdrawal after a pooled-key rotation",
        "the old pseudonym still exported; the person counted twice toward k",
        f"{len(still)} of {len(BACK)} withdrawn people in the next export under either version; "
        f"{counted - exact} counted twice; their old pseudonyms in the delta's removals and the deletions feed",
    )


def test_an_erasure_reaches_every_key_version(house: House) -> None:
    ring = house.ring()
    versions = {m.version for m in ring.metas() if m.purpose == "pooled-visitor" and not m.destroyed}
    assert len(versions) == 2  # the rotation of the test above is in its grace period
    target = 7 * 6 + 1  # a visitor of the second cinema
    house.visit([target])
    pseudonyms = [
        Pseudonymiser(ring.get("pooled-visitor", v).secret, v).pooled(raw_id(target))
        for v in sorted(versions)
    ]
    assert all(house.svc.get_json(f"/api/v1/consent?visitor={p}") for p in pseudonyms)
    status, body = call(
        f"{house.svc.admin_url}/api/v1/erasures", house.svc.admin_token, body={"visitor": pseudonyms[-1]}
    )
    assert status == 202, body
    deadline = time.monotonic() + 30
    left = pseudonyms
    while left and time.monotonic() < deadline:
        left = [p for p in pseudonyms if house.svc.get_json(f"/api/v1/consent?visitor={p}")]
        time.sleep(0.3)
    assert left == [], left  # the old version's events went with the new one's
    house.figure(
        "erasure by pseudonym across a rotation",
        "the other version's pseudonym kept",
        f"events under {len(pseudonyms) - len(left)} of {len(pseudonyms)} key versions erased",
    )
