"""One participating cinema as the maths sees it, validated once, and the checks on the whole list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from artaud.remuneration.errors import InvalidContributions, Undistributable

# Art & Essai classement categories. The control plane holds the same list; remuneration imports no
# other package, so it states the five letters itself.
CATEGORIES = ("A", "B", "C", "D", "E")
_CNC = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class Participant:
    """A cinema's part in a flight: `cinema` its CNC number, `category` A to E, `contribution` its
    consented unique visitors in the delivered segments (1/k for a visitor seen at k cinemas, hence a
    fraction), `days` its days of participation (None: it took part throughout).

    The CNC number is zero-padded to 7 digits as the control plane stores it, so `750012` and
    `0750012` are one cinema, and string order is numeric order (the rounding's tie-break).
    """

    cinema: str
    category: str
    contribution: Fraction
    days: int | None = None

    def __post_init__(self) -> None:
        cinema = self.cinema.strip() if isinstance(self.cinema, str) else ""
        if not _CNC.fullmatch(cinema):
            raise InvalidContributions(
                f"must be the CNC establishment number (1 to 7 digits), got {_shown(self.cinema)}",
                field="cinema",
            )
        category = self.category.strip().upper() if isinstance(self.category, str) else ""
        if category not in CATEGORIES:
            raise InvalidContributions(
                f"must be one of A, B, C, D, E, got {_shown(self.category)}", field="category"
            )
        contribution = self.contribution
        # a float is already rounded: accepting one would make cents depend on how it was computed
        if isinstance(contribution, int) and not isinstance(contribution, bool):
            contribution = Fraction(contribution)
        if not isinstance(contribution, Fraction):
            raise InvalidContributions(
                f"must be an exact number (int or Fraction), got {type(self.contribution).__name__}",
                field="contribution",
            )
        if contribution < 0:
            raise InvalidContributions("must not be negative", field="contribution")
        if self.days is not None and (
            not isinstance(self.days, int) or isinstance(self.days, bool) or self.days < 0
        ):
            raise InvalidContributions(
                f"must be a whole number of days ≥ 0, got {_shown(self.days)}", field="days"
            )
        object.__setattr__(self, "cinema", cinema.zfill(7))
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "contribution", contribution)


def _shown(value: object) -> str:
    return repr(value)[:40]


def check_participants(cinemas: Iterable[Participant]) -> tuple[Participant, ...]:
    """At least one cinema, each once; returned in CNC order so nothing depends on the input's order."""
    listed = tuple(cinemas)
    seen: set[str] = set()
    for c in listed:
        if c.cinema in seen:
            raise InvalidContributions(f"{c.cinema} appears twice", field="cinema")
        seen.add(c.cinema)
    if not seen:
        # refused even for a zero pot: a campaign nobody took part in has no statement to make
        raise Undistributable("no cinema to share the pot between")
    return tuple(sorted(listed, key=lambda c: c.cinema))
