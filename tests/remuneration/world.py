"""A small network for the remuneration tests that need the control plane (and the warehouse): three
cinemas, the agency running the campaign and another, exports delivered to each, a campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from artaud.controlplane.model import make_cinema
from artaud.controlplane.store import ControlPlane
from artaud.partners.records import ExportRecord
from artaud.partners.store import PartnerStore
from artaud.remuneration.campaign_store import CampaignStore
from artaud.remuneration.campaigns import Campaign, make_campaign

NOW = datetime(2026, 5, 2, 9, tzinfo=UTC)
CNC = ("0750012", "0330001", "0690420")  # ids 1, 2, 3 in the control plane, in this order


def campaign_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "2026-04-ete",
        "distributor": "Pyramide Distribution",
        "siren": "732829320",
        "film_title": "L'Été dernier",
        "director": "Catherine Breillat",
        "partner": "agence-x",
        "start": "2026-04-01",
        "end": "2026-04-30",
        "payment_cents": "1000000",
        "vat_rate": "0.2",
        "fee_rate": "0.1",
    }
    return {**fields, **changes}


@dataclass
class Network:
    cp: ControlPlane
    ids: dict[str, int]  # CNC -> control-plane id
    campaign: Campaign

    def export(self, export_id: str, partner: str = "agence-x") -> str:
        PartnerStore(self.cp.engine).add_export(
            ExportRecord(
                id=export_id,
                partner_slug=partner,
                segment_key="art-et-essai",
                build_id="b1",
                previous_id=None,
                members=0,
                added=0,
                removed=0,
                created_at=NOW - timedelta(days=30),
                expires_at=NOW,
                manifest="{}",
                signature="-",
                key_version=1,
            )
        )
        return export_id


def network(cp: ControlPlane, approved: bool = True, **campaign: Any) -> Network:
    categories = ("A", "C", "E")
    ids = {}
    for cnc, category in zip(CNC, categories, strict=True):
        added = cp.add_cinema(make_cinema(cnc_id=cnc, name=f"Cinéma {cnc}", town="Ville", category=category))
        assert added.id is not None
        ids[cnc] = added.id
    partners = PartnerStore(cp.engine)
    partners.add("agence-x", "Agence X")
    partners.add("agence-y", "Agence Y")
    store = CampaignStore(cp.engine)
    made = store.add(make_campaign(**campaign_fields(**campaign)))
    if approved:
        made = store.approve(made.id, "Claire Martin", NOW - timedelta(days=40))
    return Network(cp, ids, made)
