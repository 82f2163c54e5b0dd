"""Campaigns in the control plane's real SQL databases (a SQLite file; PostgreSQL when marked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from artaud.partners.store import PartnerStore
from artaud.remuneration.campaign_store import CampaignConflict, CampaignStore, Unapproved, UnknownCampaign
from artaud.remuneration.campaigns import Campaign, InvalidCampaign, make_campaign


def campaign(campaign_id: str = "2026-04-ete", **changes: str) -> Campaign:
    fields = {
        "id": campaign_id,
        "distributor": "Pyramide Distribution",
        "siren": "732829320",
        "film_title": "L'Été dernier",
        "director": "Catherine Breillat",
        "partner": "agence-x",
        "start": "2026-04-01",
        "end": "2026-04-30",
        "payment_cents": "1234567",
        "vat_rate": "0.2",
        "fee_rate": "0.125",
        "visa": "161616",
        "invoice": "FA-042",
    }
    return make_campaign(**{**fields, **changes})


@pytest.fixture
def store(cp) -> CampaignStore:
    PartnerStore(cp.engine).add("agence-x", "Agence X")
    return CampaignStore(cp.engine)


def test_add_get_list_round_trip_exactly(store: CampaignStore) -> None:
    added = store.add(campaign())
    store.add(campaign("2026-03-autre", start="2026-03-01", end="2026-03-02", visa="", invoice=""))
    assert store.get("2026-04-ete") == added
    assert store.get("nope") is None
    first, second = store.list()
    assert (first.id, second.id) == ("2026-03-autre", "2026-04-ete")
    assert (first.visa, first.invoice) == (None, None)
    assert second.fee_rate == Fraction(1, 8) and second.vat_rate == Fraction(1, 5)


def test_unknown_partner_and_duplicate_id_are_refused(store: CampaignStore) -> None:
    with pytest.raises(InvalidCampaign) as caught:
        store.add(campaign(partner="nobody"))
    assert list(caught.value.problems) == ["partner"]
    store.add(campaign())
    with pytest.raises(CampaignConflict, match="already exists"):
        store.add(campaign(distributor="Another"))
    assert [c.distributor for c in store.list()] == ["Pyramide Distribution"]


def test_approval_is_recorded_once_and_makes_the_campaign_payable(store: CampaignStore) -> None:
    store.add(campaign())
    with pytest.raises(Unapproved, match="cannot be paid out unapproved") as caught:
        store.payable("2026-04-ete")
    assert caught.value.status == 409
    at = datetime(2026, 3, 20, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    approved = store.approve("2026-04-ete", " Conseil  du SCARE ", at)
    assert approved.approved and approved.approved_by == "Conseil du SCARE"
    assert approved.approved_at == at and approved.approved_at.tzinfo is not None
    assert store.payable("2026-04-ete") == approved
    with pytest.raises(CampaignConflict, match="already approved by Conseil du SCARE"):
        store.approve("2026-04-ete", "Someone else", datetime.now(UTC))
    assert store.get("2026-04-ete") == approved


def test_approve_and_pay_refuse_what_is_not_there_or_not_said(store: CampaignStore) -> None:
    with pytest.raises(UnknownCampaign):
        store.approve("nope", "Marie", datetime.now(UTC))
    with pytest.raises(UnknownCampaign):
        store.payable("nope")
    store.add(campaign())
    with pytest.raises(InvalidCampaign):
        store.approve("2026-04-ete", "  ", datetime.now(UTC))
    with pytest.raises(InvalidCampaign):
        store.approve("2026-04-ete", "Marie", datetime(2026, 3, 20))
    assert store.get("2026-04-ete") == campaign()
