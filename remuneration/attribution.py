"""IO-free: each cinema's part in a campaign, from what was delivered for it.

A person delivered for the campaign and seen at k cinemas counts 1/k at each (so every person counts
1 in all, whatever the number of cinemas they visit). The warehouse gives, per cinema, how many of
the delivered people were seen at k cinemas (`counts`); the sum of n/k is exact, a Fraction.

Days of participation (the mutualist policy): the days of the flight from the day the cinema joined
the network (Europe/Paris) to the flight's last day, for a cinema active when the contributions are
frozen; a suspended cinema keeps its contribution (its visitors were delivered) with no days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from artaud.remuneration.inputs import Participant


@dataclass(frozen=True)
class Member:
    """A cinema of the network as the control plane holds it when contributions are frozen."""

    cinema_id: int
    cnc: str
    category: str
    joined: date  # Europe/Paris
    active: bool


def shares(counts: Iterable[tuple[int, int, int]]) -> dict[int, Fraction]:
    """(cinema id, k, n) rows: n delivered people seen at k cinemas, this one among them → Σ n/k per
    cinema. Rows with k < 1 or n < 1 cannot come from a list and are refused."""
    out: dict[int, Fraction] = {}
    for cinema, k, n in counts:
        if k < 1 or n < 1:
            raise ValueError(f"cinema {cinema}: {n} people at {k} cinemas")
        out[cinema] = out.get(cinema, Fraction(0)) + Fraction(n, k)
    return out


def participation_days(member: Member, start: date, end: date) -> int:
    if not member.active:
        return 0
    first = max(start, member.joined)
    return max(0, (end - first).days + 1)


def participants(
    contributions: Mapping[int, Fraction], members: Iterable[Member], start: date, end: date
) -> list[Participant]:
    """Every cinema that brought someone or took part in the flight, with its contribution and days.

    A cinema id in `contributions` that the control plane does not know is refused (KeyError names
    it): money is never shared with, or withheld from, a cinema nobody can name."""
    by_id = {m.cinema_id: m for m in members}
    unknown = sorted(set(contributions) - set(by_id))
    if unknown:
        raise KeyError(f"cinema ids in the delivered lists but not in the control plane: {unknown}")
    out: list[Participant] = []
    for m in by_id.values():
        part = contributions.get(m.cinema_id, Fraction(0))
        days = participation_days(m, start, end)
        if part > 0 or days > 0:
            out.append(Participant(m.cnc, m.category, part, days))
    return sorted(out, key=lambda p: p.cinema)
