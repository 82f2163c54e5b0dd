"""What a campaign delivered: the exports it used and the agency's delivery figures (control plane,
migration 8).

An export counts for a campaign once it is linked to it, by the SCARE or by the campaign's agency
through the partners' API; only an export delivered to that agency can be linked. Links are closed
when the campaign's contributions are frozen (`freeze.py`): what was counted stays what was linked.
Delivery figures (impressions, clicks) are the agency's, one row per day of the flight; sending a
day again replaces that day's figures. They inform the SCARE and the cinemas; money never depends on
them (docs/remuneration.md § Principles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.errors import Conflict, InvalidFields, InvalidInput, NotFound
from artaud.remuneration.campaign_store import CampaignStore, UnknownCampaign
from artaud.remuneration.campaigns import Campaign, approver
from artaud.remuneration.ledger_store import take_lock

MAX_FIGURE = 10**12  # impressions in a day: far beyond any campaign
LEAD_DAYS = 30  # an export made this long before the flight may serve it (audiences are built ahead)
PARIS = ZoneInfo("Europe/Paris")


class UnknownExport(NotFound):
    code = "unknown_export"


class CampaignFrozen(Conflict):
    """The campaign's contributions are frozen: its exports can no longer change."""

    code = "campaign_frozen"


class ExportOutsideFlight(InvalidInput):
    code = "export_outside_flight"


class InvalidReport(InvalidFields):
    code = "invalid_report"


@dataclass(frozen=True)
class Report:
    day: date
    impressions: int
    clicks: int
    reported_at: datetime


@dataclass(frozen=True)
class Delivery:
    campaign: Campaign
    exports: tuple[str, ...]  # linked export ids, sorted
    reports: tuple[Report, ...]  # by day
    frozen_at: datetime | None

    @property
    def impressions(self) -> int:
        return sum(r.impressions for r in self.reports)

    @property
    def clicks(self) -> int:
        return sum(r.clicks for r in self.reports)


def _figure(problems: dict[str, str], field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FIGURE:
        problems[field] = f"a whole number from 0 to {MAX_FIGURE}"
        return 0
    return value


def check_report(
    campaign: Campaign, day: object, impressions: object, clicks: object
) -> tuple[date, int, int]:
    """IO-free: one day's figures, within the flight, clicks ≤ impressions; every problem at once."""
    problems: dict[str, str] = {}
    when: date | None = None
    if isinstance(day, date):
        when = day
    elif isinstance(day, str) and len(day) == 10:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            when = None
    if when is None:
        problems["day"] = "a date YYYY-MM-DD"
    elif not campaign.start <= when <= campaign.end:
        problems["day"] = f"a day of the flight, {campaign.start} to {campaign.end}"
    shown = _figure(problems, "impressions", impressions)
    clicked = _figure(problems, "clicks", clicks)
    if "impressions" not in problems and "clicks" not in problems and clicked > shown:
        problems["clicks"] = "at most the impressions"
    if problems or when is None:
        raise InvalidReport(problems)
    return when, shown, clicked


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DeliveryStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.campaigns = CampaignStore(engine)

    def _campaign(self, campaign_id: str, partner_slug: str | None = None) -> Campaign:
        found = self.campaigns.get(campaign_id)
        # another agency's campaign is answered as unknown: its existence is not the caller's to learn
        if found is None or (partner_slug is not None and found.partner_slug != partner_slug):
            raise UnknownCampaign(f"no campaign {campaign_id!r}")
        return found

    def frozen_at(self, campaign_id: str) -> datetime | None:
        f = schema.campaign_freezes
        with self.engine.connect() as conn:
            at = conn.execute(select(f.c.frozen_at).where(f.c.campaign_id == campaign_id)).scalar()
        return None if at is None else _utc(at)

    def link(
        self,
        campaign_id: str,
        export_id: str,
        by: str,
        *,
        partner_slug: str | None = None,
        may_see: Callable[[str], bool] = lambda segment_key: True,
    ) -> bool:
        """Count an export delivered to the campaign's agency for the campaign. True when linked now,
        False when it already was (linking is idempotent). `partner_slug`: the agency calling, which
        may only name its own campaigns; `may_see(segment key)`: whether the calling key may see the
        export (an export out of the key's scope is as unknown to it as another agency's)."""
        who = approver(by)
        campaign = self._campaign(campaign_id, partner_slug)
        e = schema.exports
        with self.engine.connect() as conn:
            found = conn.execute(
                select(e.c.partner_slug, e.c.segment_key, e.c.created_at).where(e.c.id == export_id)
            ).first()
        if found is None or found.partner_slug != campaign.partner_slug or not may_see(found.segment_key):
            raise UnknownExport(f"no export {export_id!r} delivered to {campaign.partner_slug!r}")
        made = _utc(found.created_at).astimezone(PARIS).date()
        if not campaign.start - timedelta(days=LEAD_DAYS) <= made <= campaign.end:
            raise ExportOutsideFlight(
                f"export {export_id} was made on {made}: an export counts for a campaign when made from "
                f"{LEAD_DAYS} days before its flight ({campaign.start}) to its end ({campaign.end})"
            )
        link = schema.campaign_exports
        with self.engine.begin() as conn:
            take_lock(conn)  # ordered with freezes: a link is counted, or refused as frozen
            if self._frozen(conn, campaign_id):
                raise CampaignFrozen(f"campaign {campaign_id!r}: its contributions are frozen")
            known = conn.execute(
                select(link.c.export_id).where(
                    link.c.campaign_id == campaign_id, link.c.export_id == export_id
                )
            ).first()
            if known is not None:
                return False
            try:
                conn.execute(
                    link.insert().values(
                        campaign_id=campaign_id,
                        export_id=export_id,
                        linked_at=datetime.now(UTC),
                        linked_by=who,
                    )
                )
            except IntegrityError:  # linked at the same moment by another caller
                return False
        return True

    @staticmethod
    def _frozen(conn: Connection, campaign_id: str) -> bool:
        f = schema.campaign_freezes
        return conn.execute(select(f.c.campaign_id).where(f.c.campaign_id == campaign_id)).first() is not None

    def unlink(self, campaign_id: str, export_id: str, by: str) -> bool:
        """The SCARE takes back a link (an export declared by mistake), before the freeze."""
        approver(by)
        self._campaign(campaign_id)
        link = schema.campaign_exports
        with self.engine.begin() as conn:
            take_lock(conn)
            if self._frozen(conn, campaign_id):
                raise CampaignFrozen(f"campaign {campaign_id!r}: its contributions are frozen")
            done = conn.execute(
                link.delete().where(link.c.campaign_id == campaign_id, link.c.export_id == export_id)
            )
        return bool(done.rowcount)

    def exports(self, campaign_id: str) -> tuple[str, ...]:
        link = schema.campaign_exports
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(link.c.export_id).where(link.c.campaign_id == campaign_id).order_by(link.c.export_id)
            ).all()
        return tuple(r[0] for r in rows)

    def report(
        self,
        campaign_id: str,
        day: object,
        impressions: object,
        clicks: object,
        *,
        partner_slug: str | None = None,
        now: datetime | None = None,
    ) -> Report:
        """Record (or replace) the agency's figures for one day of the flight."""
        campaign = self._campaign(campaign_id, partner_slug)
        when, shown, clicked = check_report(campaign, day, impressions, clicks)
        at = (now or datetime.now(UTC)).astimezone(UTC)
        r = schema.campaign_reports
        with self.engine.begin() as conn:
            take_lock(conn)  # two reports of one day at once: one after the other, the last one stays
            conn.execute(r.delete().where(r.c.campaign_id == campaign_id, r.c.day == when))
            conn.execute(
                r.insert().values(
                    campaign_id=campaign_id, day=when, impressions=shown, clicks=clicked, reported_at=at
                )
            )
        return Report(when, shown, clicked, at)

    def reports(self, campaign_id: str) -> tuple[Report, ...]:
        r = schema.campaign_reports
        with self.engine.connect() as conn:
            rows = conn.execute(select(r).where(r.c.campaign_id == campaign_id).order_by(r.c.day)).all()
        return tuple(
            Report(
                day=row.day if not isinstance(row.day, datetime) else row.day.date(),
                impressions=int(row.impressions),
                clicks=int(row.clicks),
                reported_at=_utc(row.reported_at),
            )
            for row in rows
        )

    def delivery(self, campaign_id: str, *, partner_slug: str | None = None) -> Delivery:
        campaign = self._campaign(campaign_id, partner_slug)
        return Delivery(
            campaign, self.exports(campaign_id), self.reports(campaign_id), self.frozen_at(campaign_id)
        )

    def of_partner(self, partner_slug: str) -> list[Delivery]:
        """The agency's campaigns, with what each delivered (for the partners' API)."""
        return [self.delivery(c.id) for c in self.campaigns.list() if c.partner_slug == partner_slug]
