"""Published segment sizes as a differentially private release (IO-free but for the noise draws).

What a partner may see of a segment is its published size: the exact member count plus noise from
OpenDP's discrete Laplace mechanism (`make_laplace` over integers; one person changes a count by at
most one: a person's pseudonyms under two key versions count once, `visitor_links`). Three things
make the guarantee hold over time, where noise drawn afresh at each build averaged away:

- **Sticky releases.** A size is released again only when the exact count changed since its last
  release; otherwise the last published value stands, and nothing is spent. Asking forty builds for
  an unchanged segment returns one draw forty times.
- **A noisy publication threshold.** A segment is published when its noisy size reaches
  `k + ln(1/(2δ)) / ε` (and its exact count k: a safety net that binds with probability at most δ),
  so that whether it is published says as little as its size.
- **Budgets that stop releases.** Each release spends ε (sequential composition). A segment may spend
  `budget_segment` over a rolling year, and the builds together `budget_person` for the person who is
  in the most released segments of each build (the worst case, so every person is covered). When a
  budget would be exceeded, changed sizes are not released: the last published value stands, marked
  stale, until older releases leave the window.

The exact counts never leave the SCARE: the console shows them to its staff; partners see releases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class NoisePolicy:
    epsilon: float = 1.0  # spent by one release of one segment's size
    delta: float = 1e-6  # the chance a segment below the threshold is published anyway
    budget_segment: float = 52.0  # per segment, per rolling year (weekly changes at epsilon = 1)
    budget_person: float = 150.0  # per person, per rolling year (the worst-case person of each build)

    def __post_init__(self) -> None:
        if not self.epsilon > 0 or not 0 < self.delta <= 0.5:
            raise ValueError("epsilon must be positive and delta in (0, 0.5]")
        if self.budget_segment < self.epsilon or self.budget_person < self.epsilon:
            raise ValueError("each budget must allow at least one release")

    def threshold(self, k: int) -> int:
        """The noisy size a segment must reach to be published: k, plus the margin above which the
        discrete Laplace noise of scale 1/ε lifts a count below k with probability at most δ."""
        return k + math.ceil(math.log(1 / (2 * self.delta)) / self.epsilon)


@dataclass(frozen=True)
class Release:
    """A published size: `size` as the partner sees it, drawn when the exact count was `exact`."""

    key: str
    exact: int
    size: int
    released_at: datetime
    epsilon: float


@dataclass(frozen=True)
class Outcome:
    key: str
    published: bool
    size: int  # what partners see (0 when not published)
    release: Release | None  # a new release made by this build (None: the last one stands, or none)
    stale: bool  # a changed count whose release a spent budget stopped
    reason: str  # why not published ("" when it is)


def opendp_noise(epsilon: float) -> Callable[[int], int]:
    """OpenDP's discrete Laplace mechanism of scale 1/ε over integer counts (sensitivity 1)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    mechanism = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=1 / epsilon)
    assert mechanism.map(1) <= epsilon + 1e-9  # type: ignore[no-untyped-call]  # one person: ε, as accounted
    return lambda count: int(mechanism(count))


def spent(releases: list[Release], now: datetime) -> float:
    return sum(r.epsilon for r in releases if now - r.released_at < WINDOW)


def decide(
    exact: Mapping[str, int],
    eligible: Mapping[str, bool],
    history: Mapping[str, list[Release]],
    person_spent: float,
    worst_person: Callable[[list[str]], int],
    policy: NoisePolicy,
    k: int,
    now: datetime,
    noise: Callable[[int], int],
) -> list[Outcome]:
    """The published size of each segment key of a build.

    `exact`: exact member counts; `eligible`: whether the key passes the other guards (cinemas,
    dominance) on its exact membership; `history`: each key's past releases, newest last;
    `person_spent`: ε spent in the year by the worst-case person of earlier builds; `worst_person`:
    given the keys this build would release, how many of them the most-included member is in."""
    changed = [key for key in sorted(exact) if not history.get(key) or history[key][-1].exact != exact[key]]
    affordable = [
        key for key in changed if spent(history.get(key, []), now) + policy.epsilon <= policy.budget_segment
    ]
    person = worst_person(affordable) * policy.epsilon if affordable else 0
    if person_spent + person > policy.budget_person:
        affordable = []  # this build's releases would overspend someone's budget: none are made
    threshold = policy.threshold(k)
    out = []
    for key in sorted(exact):
        last = history[key][-1] if history.get(key) else None
        release = None
        if key in affordable:
            release = Release(key, exact[key], max(0, noise(exact[key])), now, policy.epsilon)
        current = release or last
        stale = key in changed and release is None
        size = current.size if current is not None else 0
        reasons = []
        if not eligible.get(key, False):
            reasons.append("guards")
        if current is None or exact[key] < k or size < threshold:
            reasons.append("below_threshold")
        published = not reasons
        out.append(Outcome(key, published, size if published else 0, release, stale, "; ".join(reasons)))
    return out
