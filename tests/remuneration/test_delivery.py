"""Which exports count for a campaign, and the agency's delivery figures (real SQL databases)."""

from __future__ import annotations

from datetime import date

import pytest

from artaud.controlplane import schema
from artaud.remuneration.campaign_store import UnknownCampaign
from artaud.remuneration.delivery import CampaignFrozen, DeliveryStore, InvalidReport, UnknownExport
from tests.remuneration.world import NOW, network


def test_only_exports_delivered_to_the_campaigns_agency_can_be_linked_once(cp) -> None:
    net = network(cp)
    mine, theirs = net.export("ex_1"), net.export("ex_2", partner="agence-y")
    desk = DeliveryStore(cp.engine)
    assert desk.link(net.campaign.id, mine, "Claire") is True
    assert desk.link(net.campaign.id, mine, "partner:agence-x", partner_slug="agence-x") is False
    with pytest.raises(UnknownExport):
        desk.link(net.campaign.id, theirs, "Claire")
    with pytest.raises(UnknownExport):
        desk.link(net.campaign.id, "ex_nope", "Claire")
    # another agency cannot even learn that the campaign exists
    with pytest.raises(UnknownCampaign):
        desk.link(net.campaign.id, theirs, "partner:agence-y", partner_slug="agence-y")
    assert desk.exports(net.campaign.id) == ("ex_1",)


def test_links_close_when_the_contributions_are_frozen(cp) -> None:
    net = network(cp)
    desk = DeliveryStore(cp.engine)
    desk.link(net.campaign.id, net.export("ex_1"), "Claire")
    with cp.engine.begin() as conn:
        conn.execute(
            schema.campaign_freezes.insert().values(
                campaign_id=net.campaign.id, frozen_at=NOW, frozen_by="Claire", visitors=0, exports="ex_1"
            )
        )
    with pytest.raises(CampaignFrozen):
        desk.link(net.campaign.id, net.export("ex_3"), "Claire")
    assert desk.delivery(net.campaign.id).frozen_at == NOW


def test_a_days_figures_are_replaced_not_added_and_checked_field_by_field(cp) -> None:
    net = network(cp)
    desk = DeliveryStore(cp.engine)
    desk.report(net.campaign.id, "2026-04-03", 1000, 12, partner_slug="agence-x", now=NOW)
    desk.report(net.campaign.id, "2026-04-03", 1500, 20, partner_slug="agence-x", now=NOW)
    desk.report(net.campaign.id, date(2026, 4, 4), 500, 0, now=NOW)
    delivery = desk.delivery(net.campaign.id, partner_slug="agence-x")
    assert [(r.day.isoformat(), r.impressions, r.clicks) for r in delivery.reports] == [
        ("2026-04-03", 1500, 20),
        ("2026-04-04", 500, 0),
    ]
    assert (delivery.impressions, delivery.clicks) == (2000, 20)
    with pytest.raises(InvalidReport) as caught:
        desk.report(net.campaign.id, "2026-05-01", -1, True)
    assert set(caught.value.problems) == {"day", "impressions", "clicks"}
    with pytest.raises(InvalidReport) as caught:
        desk.report(net.campaign.id, "2026-04-05", 10, 11)
    assert caught.value.problems == {"clicks": "at most the impressions"}
    with pytest.raises(UnknownCampaign):
        desk.report(net.campaign.id, "2026-04-05", 10, 1, partner_slug="agence-y")
    assert [d.campaign.id for d in desk.of_partner("agence-x")] == [net.campaign.id]
    assert desk.of_partner("agence-y") == []


def test_an_export_counts_only_near_its_flight_and_a_mistaken_link_is_taken_back(cp) -> None:
    from datetime import timedelta

    from artaud.remuneration.delivery import ExportOutsideFlight

    net = network(cp)
    desk = DeliveryStore(cp.engine)
    old = net.export("ex_old")
    with cp.engine.begin() as conn:  # made long before the flight (2026-04-01)
        conn.execute(
            schema.exports.update()
            .where(schema.exports.c.id == old)
            .values(created_at=NOW - timedelta(days=120))
        )
    with pytest.raises(ExportOutsideFlight, match="30 days before"):
        desk.link(net.campaign.id, old, "partner:agence-x", partner_slug="agence-x")
    desk.link(net.campaign.id, net.export("ex_1"), "Claire")
    assert desk.unlink(net.campaign.id, "ex_1", "Claire") is True
    assert desk.unlink(net.campaign.id, "ex_1", "Claire") is False
    assert desk.exports(net.campaign.id) == ()
