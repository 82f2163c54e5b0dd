"""Privacy guards on segments and exports (IO-free): minimum size k, minimum number of cinemas m
each holding a meaningful share, no dominant cinema, no small addition to what a partner received,
no small overlap between a partner's lists. The published sizes are segments/release.py's.

A cinema's contribution to a segment counts a member seen at n cinemas 1/n at each (as the
remuneration does), so the dominance guard asks whether one cinema alone makes up more than
`max_cinema_share` of the segment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class GuardPolicy:
    k: int = 100  # smallest segment, export or report cell
    min_cinemas: int = 3  # a segment must come from at least this many cinemas
    max_cinema_share: float = 0.5  # no cinema may contribute more than this share
    epsilon: float = 1.0  # spent by each release of a published size (segments/release.py)
    # the cinemas beyond the min_cinemas - 1 largest must hold at least this share of the segment
    min_cinema_share: float = 0.1
    # a person counts toward sizes and thresholds only when seen on this many days (fakes do not)
    credible_days: int = 2

    def __post_init__(self) -> None:
        if self.k < 2:
            raise ValueError("k must be at least 2")
        if self.min_cinemas < 1:
            raise ValueError("min_cinemas must be at least 1")
        if not 0 < self.max_cinema_share <= 1:
            raise ValueError("max_cinema_share must be in (0, 1]")
        if not self.epsilon > 0:
            raise ValueError("epsilon must be positive")
        if not 0 <= self.min_cinema_share < 1:
            raise ValueError("min_cinema_share must be in [0, 1)")
        if not 1 <= self.credible_days <= 366:
            raise ValueError("credible_days must be between 1 and 366")


@dataclass(frozen=True)
class SegmentStats:
    key: str
    members: int
    contributions: Mapping[int, float]  # cinema id -> members counted 1/n for n cinemas visited


@dataclass(frozen=True)
class Refusal:
    """Why a segment is not published or an export is refused: `code` is what a partner may be told
    (no figure); `detail`, with the exact figures, is for the SCARE's staff."""

    code: str  # below_k | too_few_cinemas | dominated | differencing | overlap
    detail: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def threshold(policy: GuardPolicy, destination_minimum: int = 0) -> int:
    """k, never below a destination's own minimum audience size."""
    return max(policy.k, destination_minimum)


def tail_share(contributions: Mapping[int, float], policy: GuardPolicy) -> float:
    """The share of the segment left once its `min_cinemas - 1` largest cinemas are set aside: how
    much of it the remaining cinemas hold. A segment "from three cinemas" holding 50, 49 and 1 has a
    tail of 1 %: one person made the third cinema count. Spread over fifty cinemas it is 96 %."""
    total = sum(contributions.values())
    if total <= 0:
        return 0.0
    top = sorted(contributions.values(), reverse=True)[: max(0, policy.min_cinemas - 1)]
    return (total - sum(top)) / total


def refusals(stats: SegmentStats, policy: GuardPolicy, destination_minimum: int = 0) -> list[Refusal]:
    """Why this segment may not be published or exported (empty: it may)."""
    out = []
    k = threshold(policy, destination_minimum)
    if stats.members < k:
        out.append(Refusal("below_k", f"{stats.members} members, fewer than k = {k}"))
    cinemas = sum(1 for v in stats.contributions.values() if v > 0)
    tail = tail_share(stats.contributions, policy)
    if cinemas < policy.min_cinemas:
        out.append(
            Refusal("too_few_cinemas", f"from {cinemas} cinema(s), fewer than m = {policy.min_cinemas}")
        )
    elif tail < policy.min_cinema_share:
        out.append(
            Refusal(
                "too_few_cinemas",
                f"beyond its {policy.min_cinemas - 1} largest cinemas, the others hold {tail:.1%} of the "
                f"segment, less than {policy.min_cinema_share:.0%}",
            )
        )
    total = sum(stats.contributions.values())
    if total > 0 and stats.contributions:
        top_cinema, top = max(stats.contributions.items(), key=lambda kv: (kv[1], -kv[0]))
        share = top / total
        if share > policy.max_cinema_share:
            out.append(
                Refusal(
                    "dominated",
                    f"cinema {top_cinema} contributes {share:.0%} of the segment, more than "
                    f"{policy.max_cinema_share:.0%}",
                )
            )
    return out


def additions(
    added: int, received_before: bool, policy: GuardPolicy, destination_minimum: int = 0
) -> Refusal | None:
    """The members a new export adds to everything the partner received in the window, judged on
    their own: none, or at least k (else comparing would single them out). Removals never count:
    they cannot unlock a small addition."""
    k = threshold(policy, destination_minimum)
    if received_before and 0 < added < k:
        return Refusal("differencing", f"{added} member(s) new to this partner, fewer than k = {k}")
    return None


def overlap(
    new: int, other: int, shared: int, policy: GuardPolicy, destination_minimum: int = 0
) -> Refusal | None:
    """A new list against a live list of another segment held by the same partner: their
    intersection and both differences must each be empty or at least k."""
    k = threshold(policy, destination_minimum)
    for what, n in (
        ("in both", shared),
        ("only in the new", new - shared),
        ("only in the other", other - shared),
    ):
        if 0 < n < k:
            return Refusal("overlap", f"{n} member(s) {what} list, fewer than k = {k}")
    return None
