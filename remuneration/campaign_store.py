"""The distributors' campaigns in the control plane's database (table: controlplane/schema.py
`campaigns`, migration 7): recorded unapproved, approved once by the SCARE, then payable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.errors import Conflict, NotFound
from artaud.remuneration.campaigns import Campaign, InvalidCampaign, approver
from artaud.remuneration.numbers import exact_number, fraction_text


class UnknownCampaign(NotFound):
    code = "unknown_campaign"


class CampaignConflict(Conflict):
    """A duplicate id, or an approval already given."""

    code = "campaign_conflict"


class Unapproved(Conflict):
    """A campaign the SCARE has not approved cannot be paid out."""

    code = "campaign_unapproved"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class CampaignStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, campaign: Campaign) -> Campaign:
        """Record a campaign (as `make_campaign` made it: unapproved) for an existing partner."""
        p = schema.partners
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(p.c.slug).where(p.c.slug == campaign.partner_slug)).first() is None:
                    raise InvalidCampaign({"partner": f"no partner {campaign.partner_slug!r}"})
                conn.execute(schema.campaigns.insert().values(**self._row(campaign)))
        except IntegrityError:
            raise CampaignConflict(f"id: a campaign {campaign.id!r} already exists") from None
        return campaign

    def get(self, campaign_id: str) -> Campaign | None:
        c = schema.campaigns
        with self.engine.connect() as conn:
            row = conn.execute(select(c).where(c.c.id == campaign_id)).first()
        return None if row is None else self._campaign(row._mapping)

    def list(self) -> list[Campaign]:
        """Every campaign, by flight start then id."""
        c = schema.campaigns
        with self.engine.connect() as conn:
            rows = conn.execute(select(c).order_by(c.c.flight_start, c.c.id)).all()
        return [self._campaign(r._mapping) for r in rows]

    def approve(self, campaign_id: str, by: str, at: datetime) -> Campaign:
        """Record the SCARE's approval of the campaign's title: who and when, once."""
        name = approver(by)
        if at.tzinfo is None:
            raise InvalidCampaign({"at": "a moment with its time zone"})
        c = schema.campaigns
        with self.engine.begin() as conn:
            res = conn.execute(
                update(c)
                .where(c.c.id == campaign_id, c.c.approved_at.is_(None))
                .values(approved_by=name, approved_at=at.astimezone(UTC))
            )
        if res.rowcount == 0:
            found = self.get(campaign_id)
            if found is None:
                raise UnknownCampaign(f"no campaign {campaign_id!r}")
            raise CampaignConflict(
                f"campaign {campaign_id!r} was already approved by {found.approved_by} "
                f"on {found.approved_at:%Y-%m-%d %H:%M} UTC"
            )
        found = self.get(campaign_id)
        assert found is not None
        return found

    def payable(self, campaign_id: str) -> Campaign:
        """The campaign, to be paid out; refused while the SCARE has not approved it."""
        found = self.get(campaign_id)
        if found is None:
            raise UnknownCampaign(f"no campaign {campaign_id!r}")
        if not found.approved:
            raise Unapproved(
                f"campaign {campaign_id!r} is not approved: a campaign cannot be paid out unapproved "
                f"(artaud campaigns approve {campaign_id} --by NAME)"
            )
        return found

    @staticmethod
    def _row(k: Campaign) -> dict[str, Any]:
        return {
            "id": k.id,
            "distributor": k.distributor,
            "siren": k.siren,
            "film_title": k.film_title,
            "director": k.director,
            "visa": k.visa,
            "film_ref": k.film_ref,
            "partner_slug": k.partner_slug,
            "flight_start": k.start,
            "flight_end": k.end,
            "payment_cents": k.payment_cents,
            "vat_rate": fraction_text(k.vat_rate),
            "fee_rate": fraction_text(k.fee_rate),
            "invoice": k.invoice,
            "approved_by": k.approved_by,
            "approved_at": k.approved_at,
            "created_at": datetime.now(UTC),
        }

    @staticmethod
    def _campaign(row: Any) -> Campaign:
        def day(value: date | datetime) -> date:
            return value.date() if isinstance(value, datetime) else value

        return Campaign(
            id=row["id"],
            distributor=row["distributor"],
            siren=row["siren"],
            film_title=row["film_title"],
            director=row["director"],
            visa=row["visa"],
            film_ref=row["film_ref"],
            partner_slug=row["partner_slug"],
            start=day(row["flight_start"]),
            end=day(row["flight_end"]),
            payment_cents=int(row["payment_cents"]),
            vat_rate=exact_number(row["vat_rate"]),
            fee_rate=exact_number(row["fee_rate"]),
            invoice=row["invoice"],
            approved_by=row["approved_by"],
            approved_at=_utc(row["approved_at"]),
        )
