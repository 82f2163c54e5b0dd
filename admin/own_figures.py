"""IO-free: the figures of a cinema's own space (« Espace cinéma »), from its own events and its own
lines of the ledger.

- per day: its visits (page views, robots aside, both tracks: its own exempt measurement), the visits
  of the pooled audience and the pooled visitors, as time series (x: Unix seconds at midnight, Paris);
- the ticketing funnel, view_item → purchase: each step's count and its share of the first step;
- devices, browsers and systems with French words where a word is ours (« ordinateur », « autre »);
- its statements (one per live distribution that includes it) and its payouts, in euros.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from artaud.admin.dashboard import midnight
from artaud.remuneration.campaigns import Campaign
from artaud.remuneration.ledger import Transfer, payable
from artaud.remuneration.money import euros_fr

DAYS = 30
TOP = 10

# the ticketing funnel, in the order a visitor goes (GA4's e-commerce names, as the tag sends them)
FUNNEL = (
    ("view_item", "Fiche d'un film vue"),
    ("select_item", "Séance choisie"),
    ("add_to_cart", "Places ajoutées au panier"),
    ("begin_checkout", "Paiement commencé"),
    ("purchase", "Achat"),
)
DEVICES_FR = {
    "desktop": "ordinateur",
    "mobile": "mobile",
    "tablet": "tablette",
    "bot": "robot",
    "other": "autre",
}
OTHER = "autre"


@dataclass(frozen=True)
class OwnDay:
    day: date
    visits: int  # page views, robots aside, both tracks
    pooled_visits: int  # page views of the pooled audience (consent given)
    pooled_visitors: int  # distinct pooled pseudonyms that day


@dataclass(frozen=True)
class OwnSeries:
    x: list[int]
    visits: list[int]
    pooled_visits: list[int]
    pooled_visitors: list[int]


def series(days: Iterable[OwnDay]) -> OwnSeries:
    listed = list(days)
    return OwnSeries(
        x=[midnight(d.day) for d in listed],
        visits=[d.visits for d in listed],
        pooled_visits=[d.pooled_visits for d in listed],
        pooled_visitors=[d.pooled_visitors for d in listed],
    )


def share(part: int, whole: int) -> float | None:
    """part / whole in percent, to one decimal (None when there is no whole)."""
    return round(100 * part / whole, 1) if whole > 0 else None


@dataclass(frozen=True)
class Step:
    label: str
    count: int
    of_first: float | None  # % of the first step (None when the first step has no event)


def funnel(counts: Mapping[str, int]) -> list[Step]:
    """The funnel's steps in order, each with its share of the first step's count."""
    first = counts.get(FUNNEL[0][0], 0)
    return [Step(label, counts.get(name, 0), share(counts.get(name, 0), first)) for name, label in FUNNEL]


def ranked(rows: Iterable[tuple[str, int]], words: Mapping[str, str] | None = None) -> list[tuple[str, int]]:
    """Counts by label (in French where `words` has the label; empty and "Other" are « autre »), summed
    per label, most first then by label, the first TOP."""
    totals: dict[str, int] = {}
    for raw, count in rows:
        label = (words or {}).get(raw, raw) if raw and raw != "Other" else OTHER
        totals[label] = totals.get(label, 0) + count
    return sorted(((k, v) for k, v in totals.items() if v), key=lambda kv: (-kv[1], kv[0]))[:TOP]


@dataclass(frozen=True)
class Statement:
    campaign_id: str
    film_title: str
    distributor: str
    start: date
    end: date
    amount_cents: int
    booked_at: datetime

    @property
    def amount(self) -> str:
        return euros_fr(self.amount_cents)


def statements(cnc: str, runs: Iterable[tuple[Campaign, Mapping[str, int], datetime]]) -> list[Statement]:
    """The cinema's statements: each live distribution (campaign, amounts by CNC, booked at) that
    includes it, newest campaign first."""
    out = [
        Statement(c.id, c.film_title, c.distributor, c.start, c.end, amounts[cnc], booked_at)
        for c, amounts, booked_at in runs
        if cnc in amounts
    ]
    return sorted(out, key=lambda s: (s.start, s.campaign_id), reverse=True)


@dataclass(frozen=True)
class Payout:
    reference: str
    booked_at: datetime
    amount_cents: int

    @property
    def amount(self) -> str:
        return euros_fr(self.amount_cents)


def payouts(cnc: str, batches: Iterable[tuple[str, datetime, Iterable[Transfer]]]) -> list[Payout]:
    """The cinema's payouts: the live payout batches (id, booked at, transfers) that debit what it is
    owed, with the amount paid to it alone, newest first."""
    account = payable(cnc)
    out = []
    for batch_id, booked_at, transfers in batches:
        cents = sum(t.amount_cents for t in transfers if t.debit == account)
        if cents:
            out.append(Payout(batch_id.removeprefix("payout:"), booked_at, cents))
    return sorted(out, key=lambda p: (p.booked_at, p.reference), reverse=True)
