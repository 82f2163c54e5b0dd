"""Privacy guards on segments and exports (IO-free): minimum size k, minimum number of cinemas m,
no dominant cinema, no differencing between two exports, and Laplace noise on published counts.

A cinema's contribution to a segment counts a member seen at n cinemas 1/n at each (as the
remuneration does), so the dominance guard asks whether one cinema alone makes up more than
`max_cinema_share` of the segment.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class GuardPolicy:
    k: int = 100  # smallest segment, export or report cell
    min_cinemas: int = 3  # a segment must come from at least this many cinemas
    max_cinema_share: float = 0.5  # no cinema may contribute more than this share
    epsilon: float = 1.0  # Laplace noise on published counts (sensitivity 1 member)

    def __post_init__(self) -> None:
        if self.k < 2:
            raise ValueError("k must be at least 2")
        if self.min_cinemas < 1:
            raise ValueError("min_cinemas must be at least 1")
        if not 0 < self.max_cinema_share <= 1:
            raise ValueError("max_cinema_share must be in (0, 1]")
        if not self.epsilon > 0:
            raise ValueError("epsilon must be positive")


@dataclass(frozen=True)
class SegmentStats:
    key: str
    members: int
    contributions: Mapping[int, float]  # cinema id -> members counted 1/n for n cinemas visited


def threshold(policy: GuardPolicy, destination_minimum: int = 0) -> int:
    """k, never below a destination's own minimum audience size."""
    return max(policy.k, destination_minimum)


def refusals(stats: SegmentStats, policy: GuardPolicy, destination_minimum: int = 0) -> list[str]:
    """Why this segment may not be published or exported (empty: it may)."""
    out = []
    k = threshold(policy, destination_minimum)
    if stats.members < k:
        out.append(f"below_k: {stats.members} members, fewer than k = {k}")
    cinemas = sum(1 for v in stats.contributions.values() if v > 0)
    if cinemas < policy.min_cinemas:
        out.append(f"too_few_cinemas: from {cinemas} cinema(s), fewer than m = {policy.min_cinemas}")
    total = sum(stats.contributions.values())
    if total > 0 and cinemas:
        top_cinema, top = max(stats.contributions.items(), key=lambda kv: (kv[1], -kv[0]))
        share = top / total
        if share > policy.max_cinema_share:
            out.append(
                f"dominated: cinema {top_cinema} contributes {share:.0%} of the segment, "
                f"more than {policy.max_cinema_share:.0%}"
            )
    return out


def differencing(
    previous: int, added: int, removed: int, policy: GuardPolicy, destination_minimum: int = 0
) -> str:
    """Refusal reason when a new export to a partner differs from its previous one by fewer than k
    members but more than none (the difference would single people out); "" when allowed."""
    if previous == 0:
        return ""
    changed = added + removed
    k = threshold(policy, destination_minimum)
    if 0 < changed < k:
        return f"differencing: {changed} member(s) differ from the previous export to this partner, fewer than k = {k}"
    return ""


def laplace_noise(epsilon: float, rng: random.Random) -> float:
    """A draw from Laplace(0, 1/epsilon), by inverting its distribution function."""
    u = rng.random() - 0.5
    while u == -0.5:  # log(0) guard
        u = rng.random() - 0.5
    return -math.copysign(1.0, u) * math.log(1 - 2 * abs(u)) / epsilon


def noisy_count(count: int, policy: GuardPolicy, rng: random.Random) -> int:
    """A published count: the exact count plus Laplace noise of scale 1/epsilon, rounded, never
    negative. With epsilon = 1 the noise is within ±3 members 95% of the time."""
    return max(0, round(count + laplace_noise(policy.epsilon, rng)))
