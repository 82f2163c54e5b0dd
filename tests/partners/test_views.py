"""What a partner is listed: its own view of each published segment (the members an export to it
would hold), released with noise like a segment's size, or not the segment at all."""

from __future__ import annotations

from artaud.partners.keys import new_key
from tests.partners.conftest import World, add_consenting, later

# the world's consent (tests/partners/conftest.py): 210 of the 300 consent to acme, 180 to other
ACME, OTHER, POOLED = 210, 180, 300
NOISE = 2  # the world's known draw: n + 2


def listed(world: World, who: str) -> dict[str, int]:
    r = world.client.get("/v1/segments", headers=world.auth(who))
    assert r.status_code == 200, r.get_data(as_text=True)
    return {s["segment"]: s["size"] for s in r.get_json()}


def test_each_partner_is_told_its_own_exportable_size_not_the_pooled_one(world: World) -> None:
    acme, other = listed(world, "acme"), listed(world, "other")
    assert acme["art-et-essai"] == ACME + NOISE and other["art-et-essai"] == OTHER + NOISE
    assert POOLED + NOISE not in set(acme.values()) | set(other.values())
    exported = world.client.post("/v1/exports", json={"segment": "art-et-essai"}, headers=world.auth("acme"))
    assert exported.get_json()["export"]["members"] == ACME  # the list behind the listed size


def add_partner(world: World, slug: str, min_audience: int = 0) -> str:
    world.store.add(slug, slug.title(), min_audience=min_audience, rate_per_minute=10_000)
    k = new_key()
    world.store.add_key(slug, k.prefix, k.secret_hash, ("*",), ("json", "jsonl", "csv"))
    world.keys[slug] = k.token
    return k.token


def test_a_segment_a_partner_cannot_export_is_not_listed_to_it(world: World) -> None:
    """Nobody consents to "nobody": it is listed nothing, not segments at size 0; a destination
    whose own minimum is above its audience is listed nothing either; until the next build, a new
    partner has no view."""
    add_partner(world, "nobody")
    add_partner(world, "big", min_audience=100)
    assert listed(world, "nobody") == {} and listed(world, "big") == {}
    later(world, 1)
    add_consenting(world, [f"p1.big{i:03d}" for i in range(80)], partner="big")  # k = 50 < 80 < 100
    report = world.builder.build()
    views = {(v.key, v.partner): v for v in report.views}
    assert not views[("art-et-essai", "nobody")].published and views[("art-et-essai", "nobody")].members == 0
    assert not views[("art-et-essai", "big")].published and views[("art-et-essai", "big")].members == 80
    assert "below_k" in views[("art-et-essai", "big")].refusal
    assert listed(world, "nobody") == {} and listed(world, "big") == {}
    assert listed(world, "acme")["art-et-essai"] == ACME + NOISE


def test_views_are_released_like_sizes_sticky_and_counted_in_the_privacy_spend(world: World) -> None:
    db = world.wh.database

    def releases() -> dict[str, int]:
        rows = world.wh.query(f"SELECT segment_key, count() FROM {db}.segment_releases GROUP BY segment_key")
        return {str(k): int(n) for k, n in rows}

    first = releases()
    assert first["art-et-essai@acme"] == first["art-et-essai@other"] == 1
    [(spends,)] = world.wh.query(f"SELECT count() FROM {db}.privacy_spend")
    assert int(spends) == 2  # the segments' releases, then the views'
    world.clock.now = world.clock.now.replace(minute=5)
    world.builder.build()  # nothing changed: nothing is drawn again, the listed sizes stand
    assert releases() == first
    assert listed(world, "acme")["art-et-essai"] == ACME + NOISE
    world.withdraw([f"p1.v{i:04d}" for i in range(10)])  # ten of acme's and other's people
    world.clock.now = world.clock.now.replace(minute=10)
    world.builder.build()
    again = releases()
    assert again["art-et-essai@acme"] == 2 and again["art-et-essai@other"] == 2
    assert listed(world, "acme")["art-et-essai"] == ACME - 10 + NOISE
