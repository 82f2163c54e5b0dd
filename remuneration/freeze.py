"""Freezing a campaign's contributions: computed once from the export lists delivered for it, then
kept as per-cinema aggregates in the control plane (migration 8).

The lists are read in the warehouse (`export_lists`, with the cinemas each person was seen at when
the export was made, migration 0016); only credible people (seen on two days or more, as the guards
count them) who have not withdrawn or been erased by then are counted. Once frozen, a campaign's
contributions never change: a later erasure removes the person from the data, not from the
aggregate, so a past statement stays true and its proof valid. Freezing twice is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.errors import Conflict, InvalidInput
from artaud.remuneration.attribution import Member, participants, shares
from artaud.remuneration.campaign_store import CampaignConflict, CampaignStore, UnknownCampaign
from artaud.remuneration.campaigns import approver
from artaud.remuneration.delivered_sql import delivered_counts_sql, lists_kept_sql
from artaud.remuneration.delivery import DeliveryStore
from artaud.remuneration.inputs import Participant
from artaud.remuneration.ledger_store import take_lock
from artaud.remuneration.numbers import exact_number, fraction_text
from artaud.warehouse.backend import Warehouse

PARIS = ZoneInfo("Europe/Paris")


class NothingDelivered(InvalidInput):
    code = "nothing_delivered"


class NotFrozen(Conflict):
    code = "contributions_not_frozen"


@dataclass(frozen=True)
class Frozen:
    campaign_id: str
    frozen_at: datetime
    frozen_by: str
    visitors: int
    exports: tuple[str, ...]
    participants: tuple[Participant, ...]  # in CNC order


class Contributions:
    """The frozen contributions, read from the control plane (no warehouse needed)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.campaigns = CampaignStore(engine)

    def get(self, campaign_id: str) -> Frozen | None:
        f, k = schema.campaign_freezes, schema.campaign_contributions
        with self.engine.connect() as conn:
            head = conn.execute(select(f).where(f.c.campaign_id == campaign_id)).first()
            if head is None:
                return None
            rows = conn.execute(
                select(k).where(k.c.campaign_id == campaign_id).order_by(k.c.cinema_cnc)
            ).all()
        at = head.frozen_at if head.frozen_at.tzinfo else head.frozen_at.replace(tzinfo=UTC)
        return Frozen(
            campaign_id=campaign_id,
            frozen_at=at,
            frozen_by=head.frozen_by,
            visitors=int(head.visitors),
            exports=tuple(e for e in head.exports.split(",") if e),
            participants=tuple(
                Participant(r.cinema_cnc, r.category, exact_number(r.contribution), int(r.days)) for r in rows
            ),
        )

    def required(self, campaign_id: str) -> Frozen:
        found = self.get(campaign_id)
        if found is None:
            if self.campaigns.get(campaign_id) is None:
                raise UnknownCampaign(f"no campaign {campaign_id!r}")
            raise NotFrozen(
                f"campaign {campaign_id!r}: freeze its contributions first "
                f"(artaud campaigns freeze {campaign_id} --by NAME)"
            )
        return found


class Freezer:
    def __init__(self, engine: Engine, warehouse: Warehouse) -> None:
        self.engine, self.wh = engine, warehouse
        self.campaigns = CampaignStore(engine)
        self.delivery = DeliveryStore(engine)
        self.frozen = Contributions(engine)

    def _members(self) -> list[Member]:
        c = schema.cinemas
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.c.id, c.c.cnc_id, c.c.category, c.c.status, c.c.created_at)).all()
        out = []
        for row in rows:
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            out.append(
                Member(
                    int(row.id),
                    row.cnc_id,
                    row.category,
                    created.astimezone(PARIS).date(),
                    row.status == "active",
                )
            )
        return out

    def freeze(self, campaign_id: str, by: str, now: datetime | None = None) -> Frozen:
        who = approver(by)
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise UnknownCampaign(f"no campaign {campaign_id!r}")
        exports = list(self.delivery.exports(campaign_id))
        if not exports:
            raise NothingDelivered(
                f"campaign {campaign_id!r} has no export linked to it: link the exports delivered for it "
                f"first (artaud campaigns link {campaign_id} EXPORT_ID --by NAME)"
            )
        kept = {
            str(e): (int(n), int(blank))
            for e, n, blank in self.wh.query(lists_kept_sql(self.wh.database, exports))
        }
        gone = [e for e in exports if e not in kept]
        old = [e for e in exports if e in kept and kept[e][1]]
        if gone or old:
            why = [
                f"{e}: its list is no longer in the warehouse (lists are kept partners.window_days days)"
                for e in gone
            ]
            why += [f"{e}: its list was made before lists kept each person's cinemas" for e in old]
            raise NothingDelivered(f"campaign {campaign_id!r}: cannot count " + "; ".join(why))
        counts_sql, total_sql = delivered_counts_sql(self.wh.database, exports)
        counted = shares((int(c), int(k), int(n)) for c, k, n in self.wh.query(counts_sql))
        [(people,)] = self.wh.query(total_sql)
        try:
            listed = participants(counted, self._members(), campaign.start, campaign.end)
        except KeyError as exc:
            raise Conflict(f"campaign {campaign_id!r}: {exc.args[0]}") from None
        if not listed:
            raise NothingDelivered(f"campaign {campaign_id!r}: no cinema brought anyone or took part")
        at = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        try:
            with self.engine.begin() as conn:
                take_lock(conn)  # ordered with links: none slips in between the reading and the freeze
                link = schema.campaign_exports
                now_linked = sorted(
                    r[0]
                    for r in conn.execute(select(link.c.export_id).where(link.c.campaign_id == campaign_id))
                )
                if now_linked != sorted(exports):
                    raise CampaignConflict(
                        f"campaign {campaign_id!r}: its exports changed while freezing: run again"
                    )
                conn.execute(
                    schema.campaign_freezes.insert().values(
                        campaign_id=campaign_id,
                        frozen_at=at,
                        frozen_by=who,
                        visitors=int(people),
                        exports=",".join(sorted(exports)),
                    )
                )
                conn.execute(
                    schema.campaign_contributions.insert(),
                    [
                        {
                            "campaign_id": campaign_id,
                            "cinema_cnc": p.cinema,
                            "category": p.category,
                            "contribution": fraction_text(p.contribution),
                            "days": p.days,
                        }
                        for p in listed
                    ],
                )
        except IntegrityError:
            found = self.frozen.get(campaign_id)
            when = f" on {found.frozen_at:%Y-%m-%d %H:%M} UTC by {found.frozen_by}" if found else ""
            raise CampaignConflict(f"campaign {campaign_id!r}: contributions already frozen{when}") from None
        frozen = self.frozen.get(campaign_id)
        assert frozen is not None
        return frozen
