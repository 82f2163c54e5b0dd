"""A control plane (SQLite), a warehouse (chdb, and the ClickHouse 18.16 server where marked) with
pooled visitors of mixed consent, a segment build, two partners with keys of several scopes, and the
partners' API in front of them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from artaud.controlplane.store import ControlPlane
from artaud.partners.activation import Activation
from artaud.partners.api import create_partner_api
from artaud.partners.exports import ExportService, PartnerKey
from artaud.partners.keys import new_key
from artaud.partners.ratelimit import RateLimiter
from artaud.partners.store import PartnerStore
from artaud.remuneration.campaign_store import CampaignStore
from artaud.remuneration.campaigns import make_campaign
from artaud.remuneration.delivery import DeliveryStore
from artaud.remuneration.partner_api import register_campaign_routes
from artaud.segments.builder import SegmentBuilder
from artaud.segments.definitions import Segment
from artaud.segments.guards import GuardPolicy
from artaud.segments.release import NoisePolicy
from artaud.warehouse.migrate import migrate
from tests.segments.helpers import CINEMAS, TODAY, event

CAMPAIGN = "2026-ete"
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 18, tzinfo=UTC)
SEGMENTS = (
    Segment("art-et-essai", 1, "Public Art et Essai", lookback_days=30, iab=(477,)),
    Segment("acheteurs", 1, "Acheteurs", lookback_days=90, events=("purchase",), iab=(787,)),
    Segment("idf", 1, "Île-de-France", lookback_days=30, regions=("FR-IDF",)),
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    wh: Any
    store: PartnerStore
    service: ExportService
    builder: SegmentBuilder
    client: Any
    keys: dict[str, str]
    clock: Clock
    signing: Ed25519PrivateKey
    partner_keys: dict[str, bytes]
    key_versions: dict[str, int]

    def rotate(self, slug: str) -> None:
        """A new version of the partner's pseudonym key (as `artaud keys rotate` or the schedule do)."""
        self.key_versions[slug] = self.key_versions.get(slug, 1) + 1
        self.partner_keys[slug] = secrets.token_bytes(32)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"} if who in self.keys else {}

    def withdraw(self, visitors: list[str]) -> None:
        self.wh.insert_rows(
            "suppressions",
            ("visitor", "kind", "suppressed_at", "cinema_id"),
            [(v, "withdraw", NOW.replace(tzinfo=None), 1) for v in visitors],
        )


def mixed_consent_events() -> list[dict[str, Any]]:
    """300 pooled visitors over 9 cinemas: 120 consent to acme and other, 90 to acme only, 60 to
    other only, 30 to no partner; 150 of them bought tickets."""
    rows = []
    for i in range(300):
        if i < 120:
            purposes = "measure,pool,partner:acme,partner:other"
        elif i < 210:
            purposes = "measure,pool,partner:acme"
        elif i < 270:
            purposes = "measure,pool,partner:other"
        else:
            purposes = "measure,pool"
        v = f"p1.v{i:04d}"
        rows.append(event(v, 1 + i % 9, days_ago=i % 20, purposes=purposes))
        if i % 2 == 0:
            rows.append(event(v, 1 + i % 9, days_ago=i % 20, name="purchase", purposes=purposes))
    return rows


def make_world(wh: Any, tmp_path: Any, policy: GuardPolicy, rate: int = 10_000) -> World:
    migrate(wh)
    wh.insert_events(mixed_consent_events(), "partners-test")
    cp = ControlPlane(f"sqlite:///{tmp_path / 'control.sqlite'}")
    cp.migrate()
    store = PartnerStore(cp.engine)
    store.add("acme", "Acme Programmatique", rate_per_minute=rate, ttl_days=30)
    store.add("other", "Autre Agence", rate_per_minute=rate, ttl_days=30)
    keys = {}
    for who, slug, segments, formats in (
        ("acme", "acme", ("*",), ("csv", "jsonl")),
        ("other", "other", ("*",), ("csv", "jsonl")),
        ("acme-buyers-only", "acme", ("acheteurs",), ("jsonl",)),
        ("acme-csv-only", "acme", ("*",), ("csv",)),
        ("revoked", "acme", ("*",), ("csv", "jsonl")),
    ):
        k = new_key()
        store.add_key(slug, k.prefix, k.secret_hash, segments, formats)
        keys[who] = k.token
        if who == "revoked":
            store.revoke_key(k.prefix)
    keys["forged"] = "pk_0000abcd_" + "A" * 43
    clock = Clock()
    signing = Ed25519PrivateKey.generate()
    partner_keys = {"acme": secrets.token_bytes(32), "other": secrets.token_bytes(32)}
    key_versions: dict[str, int] = {}
    service = ExportService(
        wh,
        store,
        partner_key=lambda slug: PartnerKey(key_versions.get(slug, 1), partner_keys[slug]),
        signing_key=signing,
        cursor_key=secrets.token_bytes(32),
        policy=policy,
        iab=lambda sid: {s.id: s.iab for s in SEGMENTS}.get(sid, ()),
        clock=clock,
    )
    builder = SegmentBuilder(
        wh,
        lambda: CINEMAS,
        SEGMENTS,
        policy,
        clock=clock,
        noise=NoisePolicy(delta=0.5),
        draw=lambda n: n + 2,
        partners=lambda: [(p.slug, p.min_audience) for p in store.all() if p.status == "active"],
    )
    builder.build()
    app = create_partner_api(
        store,
        service,
        Activation(SEGMENTS, seller_domain="scare-cinemas.fr"),
        limiter_for=lambda per_minute: RateLimiter(per_minute, burst=per_minute),
        clock=clock,
    )
    # the campaigns' routes, as the service registers them, with one campaign run by acme
    register_campaign_routes(app, DeliveryStore(cp.engine))
    CampaignStore(cp.engine).add(
        make_campaign(
            id=CAMPAIGN,
            distributor="Pyramide Distribution",
            siren="732829320",
            film_title="L'Été dernier",
            partner="acme",
            start=TODAY - timedelta(days=10),
            end=TODAY + timedelta(days=20),
            payment_cents="1000000",
            vat_rate="0.2",
            fee_rate="0.1",
        )
    )
    return World(
        wh, store, service, builder, app.test_client(), keys, clock, signing, partner_keys, key_versions
    )


@pytest.fixture
def world(warehouse, tmp_path) -> Iterator[World]:
    yield make_world(
        warehouse, tmp_path, GuardPolicy(k=50, min_cinemas=3, max_cinema_share=0.5, credible_days=1)
    )


def later(world: World, days: int) -> None:
    world.clock.now = world.clock.now + timedelta(days=days)


def add_consenting(
    world: World,
    visitors: list[str],
    cinemas: Any = range(1, 10),
    region: str = "FR-IDF",
    partner: str = "acme",
) -> None:
    """New pooled visitors consenting to `partner`, seen yesterday, then a build a second later."""
    world.wh.insert_events(
        [
            {
                **event(v, cinemas[i % len(cinemas)], days_ago=1, purposes=f"measure,pool,partner:{partner}"),
                "region": region,
            }
            for i, v in enumerate(visitors)
        ],
        "added-" + visitors[0],
    )
    world.clock.now += timedelta(seconds=1)
    world.builder.build()
