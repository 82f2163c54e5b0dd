"""Contributions frozen from the lists actually delivered (a real control plane; chdb, and the
ClickHouse 18.16 server where marked)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from artaud.remuneration.campaign_store import CampaignConflict, UnknownCampaign
from artaud.remuneration.delivery import CampaignFrozen, DeliveryStore
from artaud.remuneration.freeze import Contributions, Freezer, NotFrozen, NothingDelivered
from artaud.warehouse.migrate import migrate
from tests.remuneration.world import CNC, NOW, network

COLUMNS = ("created_on", "partner_slug", "export_id", "visitor", "pseudonym", "credible", "cinemas")


@pytest.fixture
def world(cp, warehouse):
    migrate(warehouse)
    net = network(cp)
    i1, i2, i3 = (net.ids[c] for c in CNC)
    day = date(2026, 4, 2)
    rows = [
        # v1 was in both linked lists, seen at 1 then at 1 and 2: it counts 1/2 at each
        (day, "agence-x", "ex_1", "v1", "x1", 1, [i1]),
        (day, "agence-x", "ex_2", "v1", "x1", 1, [i1, i2]),
        (day, "agence-x", "ex_1", "v2", "x2", 1, [i1, i2, i3]),  # 1/3 at each
        (day, "agence-x", "ex_1", "v3", "x3", 0, [i2]),  # not credible (one day): counts for no one
        (day, "agence-x", "ex_2", "v4", "x4", 1, [i3]),  # withdrew before the freeze
        (day, "agence-x", "ex_3", "v5", "x5", 1, [i3]),  # in a list not delivered for this campaign
        (day, "agence-x", "ex_2", "v6", "x6", 1, [i3]),
    ]
    warehouse.insert_rows("export_lists", COLUMNS, rows)
    warehouse.insert_rows(
        "suppressions",
        ("visitor", "kind", "suppressed_at", "cinema_id"),
        [("v4", "withdraw", NOW.replace(tzinfo=None), i3)],
    )
    for export_id in ("ex_1", "ex_2", "ex_3"):
        net.export(export_id)
    return net, warehouse


def test_each_cinema_counts_1_over_k_of_the_credible_consenting_people_delivered(world) -> None:
    net, wh = world
    desk = DeliveryStore(net.cp.engine)
    with pytest.raises(NothingDelivered, match="link"):
        Freezer(net.cp.engine, wh).freeze(net.campaign.id, "Claire", NOW)
    desk.link(net.campaign.id, "ex_1", "Claire")
    desk.link(net.campaign.id, "ex_2", "partner:agence-x", partner_slug="agence-x")
    frozen = Freezer(net.cp.engine, wh).freeze(net.campaign.id, "Claire", NOW)
    got = {p.cinema: (p.category, p.contribution) for p in frozen.participants}
    assert got == {
        CNC[0]: ("A", Fraction(5, 6)),
        CNC[1]: ("C", Fraction(5, 6)),
        CNC[2]: ("E", Fraction(4, 3)),
    }
    assert sum(c for _, c in got.values()) == frozen.visitors == 3
    assert frozen.exports == ("ex_1", "ex_2") and frozen.frozen_by == "Claire"
    assert Contributions(net.cp.engine).required(net.campaign.id) == frozen


def test_frozen_is_frozen_erasures_links_and_refreezes_change_nothing(world) -> None:
    net, wh = world
    desk = DeliveryStore(net.cp.engine)
    desk.link(net.campaign.id, "ex_1", "Claire")
    frozen = Freezer(net.cp.engine, wh).freeze(net.campaign.id, "Claire", NOW)
    wh.execute(f"ALTER TABLE {wh.database}.export_lists DELETE WHERE visitor = 'v2'")  # erased later
    with pytest.raises(CampaignConflict, match="already frozen"):
        Freezer(net.cp.engine, wh).freeze(net.campaign.id, "Claire", NOW)
    with pytest.raises(CampaignFrozen):
        desk.link(net.campaign.id, "ex_2", "Claire")
    assert Contributions(net.cp.engine).required(net.campaign.id) == frozen


def test_unknown_and_unfrozen_campaigns_are_named(world) -> None:
    net, _ = world
    with pytest.raises(UnknownCampaign):
        Contributions(net.cp.engine).required("nope")
    with pytest.raises(NotFrozen, match="artaud campaigns freeze"):
        Contributions(net.cp.engine).required(net.campaign.id)


def test_a_list_gone_or_made_without_cinemas_is_refused_not_counted_as_nobody(world) -> None:
    net, wh = world
    desk = DeliveryStore(net.cp.engine)
    desk.link(net.campaign.id, "ex_1", "Claire")
    desk.link(net.campaign.id, net.export("ex_dropped"), "Claire")
    with pytest.raises(NothingDelivered, match="ex_dropped: its list is no longer in the warehouse"):
        Freezer(net.cp.engine, wh).freeze(net.campaign.id, "Claire", NOW)
    wh.insert_rows("export_lists", COLUMNS, [(date(2026, 4, 2), "agence-x", "ex_dropped", "v9", "x9", 1, [])])
    with pytest.raises(NothingDelivered, match="ex_dropped: its list was made before"):
        Freezer(net.cp.engine, wh).freeze(net.campaign.id, "Claire", NOW)
    assert Contributions(net.cp.engine).get(net.campaign.id) is None
