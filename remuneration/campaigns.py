"""IO-free: a distributor's campaign for a film, as the SCARE records it before sharing the payment.

`make_campaign` checks every field a person typed (the command line gives text) and reports every
problem at once, field by field. Money stays exact: cents are whole numbers, the VAT and fee rates
decimals read as fractions (never a float). A campaign is recorded unapproved; the SCARE's prior
approval of the title (who, when) is what lets it be paid out (`campaign_store.CampaignStore`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren

from artaud.collector.films import film_ref as collector_film_ref
from artaud.errors import InvalidFields
from artaud.partners.records import SLUG
from artaud.remuneration.numbers import exact_decimal, fraction_text

# Lower-case, chosen by the SCARE (e.g. `2026-04-anatomie`); also a valid campaign id of a statement
# (statement.py accepts a wider set), so a recorded campaign can always be published.
CAMPAIGN_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# what collector.films.film_ref produces: normalised title, then `~director` when one was given
FILM_REF = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:~[a-z0-9]+(?:-[a-z0-9]+)*)?")
_VISA = re.compile(r"[0-9]{1,12}")
_CENTS = re.compile(r"0|[1-9][0-9]{0,14}")  # up to 10^15 cents: far beyond any campaign
MAX_TEXT = 200
MAX_TITLE = 300
MAX_INVOICE = 64


class InvalidCampaign(InvalidFields):
    code = "invalid_campaign"


@dataclass(frozen=True)
class Campaign:
    id: str
    distributor: str
    siren: str  # 9 digits, compact
    film_title: str
    director: str  # "" when not given
    visa: str | None  # the CNC exploitation visa number, when known
    film_ref: str  # as the collector computes it from title and director
    partner_slug: str  # the agency partner running the campaign
    start: date
    end: date
    payment_cents: int  # excluding VAT
    vat_rate: Fraction
    fee_rate: Fraction  # the SCARE's fee
    invoice: str | None
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def approved(self) -> bool:
        return self.approved_by is not None and self.approved_at is not None


def _text(problems: dict[str, str], field: str, raw: str, limit: int, *, required: bool) -> str:
    value = " ".join(raw.split())
    if required and not value:
        problems[field] = "required"
    elif len(value) > limit:
        problems[field] = f"longer than {limit} characters"
    elif any(not c.isprintable() for c in value):
        problems[field] = "contains control characters"
    return value


def _day(problems: dict[str, str], field: str, raw: str | date) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        if len(raw.strip()) != 10:
            raise ValueError
        return date.fromisoformat(raw.strip())
    except ValueError:
        problems[field] = f"a date YYYY-MM-DD, got {raw.strip()[:40]!r}"
        return None


def _rate(problems: dict[str, str], field: str, raw: str | Fraction) -> Fraction:
    if isinstance(raw, Fraction):
        value = raw
    else:
        try:
            value = exact_decimal(raw)
        except ValueError as exc:
            problems[field] = str(exc)
            return Fraction(0)
    if not 0 <= value < 1:
        problems[field] = "from 0 to less than 1 (0.2 for 20 %)"
    elif len(fraction_text(value)) > 80:
        problems[field] = "too many digits"
    return value


def make_campaign(
    *,
    id: str,
    distributor: str,
    siren: str,
    film_title: str,
    director: str = "",
    visa: str = "",
    film_ref: str = "",
    partner: str,
    start: str | date,
    end: str | date,
    payment_cents: str | int,
    vat_rate: str | Fraction,
    fee_rate: str | Fraction,
    invoice: str = "",
) -> Campaign:
    """Validate raw fields into an unapproved Campaign, or raise InvalidCampaign listing every problem.

    `film_ref` is computed from title and director as the collector does, unless given (then it must
    have the collector's shape). Whether the partner exists is the store's check, not this one's.
    """
    problems: dict[str, str] = {}
    campaign_id = id.strip()
    if not CAMPAIGN_ID.fullmatch(campaign_id):
        problems["id"] = "1 to 64 of a-z 0-9 . _ - starting with a letter or digit"
    name = _text(problems, "distributor", distributor, MAX_TEXT, required=True)
    try:
        number = stdnum_siren.validate(siren)
    except ValidationError as exc:
        problems["siren"] = f"not a valid SIREN ({exc}): {siren.strip()[:40]!r}"
        number = ""
    title = _text(problems, "film_title", film_title, MAX_TITLE, required=True)
    by = _text(problems, "director", director, MAX_TEXT, required=False)
    visa_number = visa.strip()
    if visa_number and not _VISA.fullmatch(visa_number):
        problems["visa"] = "the visa number's digits (1 to 12)"
    ref = film_ref.strip()
    if ref:
        if len(ref) > 161 or not FILM_REF.fullmatch(ref):
            problems["film_ref"] = "a normalised film reference (title~director, a-z 0-9 -)"
    elif "film_title" not in problems and "director" not in problems:
        ref = collector_film_ref(title, by)
        if not ref:
            problems["film_ref"] = (
                "the title has no letter or digit to make a reference from; give --film-ref"
            )
    slug = partner.strip()
    if not SLUG.match(slug):
        problems["partner"] = "a partner slug: 1 to 63 lower-case letters, digits, _ or -"
    first, last = _day(problems, "start", start), _day(problems, "end", end)
    if first is not None and last is not None and first > last:
        problems["end"] = f"the flight ends ({last}) before it starts ({first})"
    cents = 0
    if isinstance(payment_cents, bool) or (
        isinstance(payment_cents, int) and not 0 <= payment_cents < 10**15
    ):
        problems["payment_cents"] = "a whole number of cents from 0 to 10^15"
    elif isinstance(payment_cents, int):
        cents = payment_cents
    elif not _CENTS.fullmatch(payment_cents.strip()):
        problems["payment_cents"] = (
            f"a whole number of cents ≥ 0 (12 345,67 € is 1234567), got {payment_cents.strip()[:40]!r}"
        )
    else:
        cents = int(payment_cents.strip())
    vat = _rate(problems, "vat_rate", vat_rate)
    fee = _rate(problems, "fee_rate", fee_rate)
    reference = _text(problems, "invoice", invoice, MAX_INVOICE, required=False)
    if problems or first is None or last is None:
        raise InvalidCampaign(problems)
    return Campaign(
        id=campaign_id,
        distributor=name,
        siren=number,
        film_title=title,
        director=by,
        visa=visa_number or None,
        film_ref=ref,
        partner_slug=slug,
        start=first,
        end=last,
        payment_cents=cents,
        vat_rate=vat,
        fee_rate=fee,
        invoice=reference or None,
    )


def approver(by: str) -> str:
    """Who approved, as recorded: required, one line, at most 200 characters."""
    problems: dict[str, str] = {}
    name = _text(problems, "by", by, MAX_TEXT, required=True)
    if problems:
        raise InvalidCampaign(problems)
    return name
