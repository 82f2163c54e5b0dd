"""Lists that cannot be linked (docs/threat-model.md, T2: colluding partners; T1: one partner across
its own key versions). Against `artaud run`, over the partners' API."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from artaud.partners.manifest import verify
from tests.attacks.house import House

pytestmark = pytest.mark.slow


def rank_correlation(a: list[str], b: list[str], same: dict[str, str]) -> tuple[float, int]:
    """Spearman's correlation between the positions of the same people in two lists (`same` maps a
    pseudonym of `a` to that person's pseudonym in `b`), and how many people are in both."""
    pos_b = {p: j for j, p in enumerate(b)}
    pairs = [(i, pos_b[same[p]]) for i, p in enumerate(a) if p in same and same[p] in pos_b]
    n = len(pairs)
    ra = {x: r for r, x in enumerate(sorted(x for x, _ in pairs))}
    rb = {y: r for r, y in enumerate(sorted(y for _, y in pairs))}
    d2 = sum((ra[x] - rb[y]) ** 2 for x, y in pairs)
    return 1 - 6 * d2 / (n * (n * n - 1)), n


def position_matches(a: list[str], b: list[str], same: dict[str, str]) -> int:
    """People an attacker pairs right by lining the two lists up position by position."""
    return sum(1 for x, y in zip(a, b, strict=False) if same.get(x) == y)


def test_two_partners_lists_of_one_segment_cannot_be_lined_up(house: House) -> None:
    house.build("art-et-essai")
    lists = {}
    for partner in ("demo-agency", "other-agency"):
        status, body = house.export(partner, "art-et-essai")
        assert status == 201, body
        lists[partner] = house.listed(partner, body["export"]["export_id"])
    demo, other = house.who("demo-agency"), house.who("other-agency")
    by_person = {i: p for p, i in other.items()}
    same = {p: by_person[i] for p, i in demo.items()}
    a, b = lists["demo-agency"], lists["other-agency"]
    rho, common = rank_correlation(a, b, same)
    matched = position_matches(a, b, same)
    assert common >= 700  # 80 % of the visitors consented to both partners
    assert abs(rho) < 0.15, rho  # the orders share nothing (1.0 when sorted by the pooled pseudonym)
    assert matched <= 10, matched  # chance alone pairs about one
    house.figure(
        "order join across partners (art-et-essai)",
        "949 of 949 paired by position",
        f"{matched} of {common} paired by position, rank correlation {rho:+.3f}",
    )


def test_a_partner_key_rotation_withdraws_the_old_list_and_the_next_delta_drops_it(house: House) -> None:
    house.build("recherche-decouverte")
    status, first = house.export("demo-agency", "recherche-decouverte")
    assert status == 201, first
    old_id = first["export"]["export_id"]
    old = house.listed("demo-agency", old_id)
    old_who = house.who("demo-agency")
    house.cli("keys", "rotate", "--purpose", "partner-demo-agency")
    # the old export is withdrawn: served again it could pair old and new pseudonyms
    for path in (f"/v1/exports/{old_id}", f"/v1/exports/{old_id}/members"):
        status, body = house.get("demo-agency", path)
        assert (status, body["error"]) == (410, "withdrawn")
    status, second = house.export("demo-agency", "recherche-decouverte")
    assert status == 201, second
    manifest = second["export"]
    assert manifest["replaces_previous"] and manifest["previous_export_id"] == old_id
    assert manifest["partner_key_version"] == first["export"]["partner_key_version"] + 1
    new = house.listed("demo-agency", manifest["export_id"])
    assert set(house.listed("demo-agency", manifest["export_id"], "removed")) == set(old)  # drop them all
    assert set(house.listed("demo-agency", manifest["export_id"], "added")) == set(new)
    # both manifests verify with the published key, the old one as the partner received it
    status, key = house.get("demo-agency", "/v1/signing-key")
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    assert verify(first["export"], first["signature"], public) and verify(
        manifest, second["signature"], public
    )
    # joining the old and the new list: the same people, in orders that share nothing
    new_who = house.who("demo-agency")
    by_person = {i: p for p, i in new_who.items()}
    same = {p: by_person[i] for p, i in old_who.items()}
    rho, common = rank_correlation(old, new, same)
    matched = position_matches(old, new, same)
    assert common == len(old) == len(new) and abs(rho) < 0.15 and matched <= 10, (rho, matched)
    assert not set(old) & set(new)
    house.figure(
        "join across a partner-key rotation (recherche-decouverte)",
        "947 of 948 old→new paired by re-serving the old export; its manifest no longer verified",
        f"old export 410 withdrawn; {matched} of {common} paired by position (rank correlation "
        f"{rho:+.3f}); both manifests verify; the next delta removes all {len(old)} old pseudonyms",
    )
