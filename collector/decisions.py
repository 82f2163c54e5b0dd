"""The hit pipeline's consent step (IO-free): the decision for a hit's signals (`consent/decision.py`),
and the same decision sent to the exempt track when the network brought too many new identifiers.

Both are remembered per worker: the same few banner states and purpose lists come again and again, and
deciding (or copying a frozen decision) costs more than looking it up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from artaud.consent.decision import Decision, Policy, Signals, decide

MAX_CACHED = 4096  # distinct signals kept; a flood of odd ones empties the cache, never grows it


class Decisions:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._decided: dict[Signals, Decision] = {}
        self._limited: dict[Decision, Decision] = {}

    def decide(self, signals: Signals, now: datetime) -> Decision:
        if signals.tcf is not None:  # a TC string's decision depends on its age: decided each time
            return decide(signals, self.policy, now)
        decision = self._decided.get(signals)
        if decision is None:
            if len(self._decided) > MAX_CACHED:
                self._decided.clear()
            decision = self._decided[signals] = decide(signals, self.policy, now)
        return decision

    def limited(self, decision: Decision) -> Decision:
        """`decision` off the pooled track: too many new identifiers from one network (collector/idlimit.py).
        Only pooled decisions get here, and there are as few of them as signals."""
        out = self._limited.get(decision)
        if out is None:
            if len(self._limited) > MAX_CACHED:
                self._limited.clear()
            out = self._limited[decision] = replace(
                decision, pooled=False, partners=frozenset(), objection="limited"
            )
        return out
