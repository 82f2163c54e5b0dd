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
    """The last batch of each partition: recorded *pending* before its insert, *inserted* after it
    and before its offset is committed. Shared by every member of the consumer group, so that the
    next owner of a partition knows what the last one was doing."""

    def get(self, topic: str, partition: int) -> RangeState | None: ...

    def set(self, topic: str, partition: int, state: RangeState) -> None: ...


class InMemoryStateStore(OffsetStateStore):
    """For the ingester's unit tests; `sql_state.SqlStateStore` is the one shared by a group."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, int], RangeState] = {}

    def get(self, topic: str, partition: int) -> RangeState | None:
        return self.states.get((topic, partition))

    def set(self, topic: str, partition: int, state: RangeState) -> None:
        self.states[(topic, partition)] = state
