"""Where each partition's last batch stands: the offset range and whether it was inserted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Status = Literal["pending", "inserted"]


@dataclass(frozen=True)
class RangeState:
    first: int
    last: int
    status: Status


class OffsetStateStore(Protocol):
    def get(self, topic: str, partition: int) -> RangeState | None: ...

    def set(self, topic: str, partition: int, state: RangeState) -> None: ...


class InMemoryStateStore:
    def __init__(self) -> None:
        self.states: dict[tuple[str, int], RangeState] = {}

    def get(self, topic: str, partition: int) -> RangeState | None:
        return self.states.get((topic, partition))

    def set(self, topic: str, partition: int, state: RangeState) -> None:
        self.states[(topic, partition)] = state


class ControlPlaneStateStore:
    """The control plane's SQL database (shared by every ingester of the group, transactional)."""

    def __init__(self, cp: object) -> None:
        from artaud.controlplane.store import ControlPlane

        assert isinstance(cp, ControlPlane)
        self.cp = cp

    def get(self, topic: str, partition: int) -> RangeState | None:
        row = self.cp.ingest_state(topic, partition)
        if row is None:
            return None
        first, last, status = row
        return RangeState(first, last, "pending" if status == "pending" else "inserted")

    def set(self, topic: str, partition: int, state: RangeState) -> None:
        self.cp.set_ingest_state(topic, partition, state.first, state.last, state.status)
