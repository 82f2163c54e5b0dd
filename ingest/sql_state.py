"""The offset-range state in SQL: the control plane's database, shared by every ingester of the group.

The table (`ingest_state`, one row per topic and partition) is declared with the control plane's
schema and created by its migration 3: the control plane owns the database's numbered history; this
module owns what the rows mean.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from artaud.controlplane.schema import ingest_state
from artaud.ingest.state import OffsetStateStore, RangeState


class SqlStateStore(OffsetStateStore):
    """Transactional: a partition's row is replaced in one transaction, so a new owner reading it
    sees the old range or the new one, never neither."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, topic: str, partition: int) -> RangeState | None:
        t = ingest_state
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.c.first_offset, t.c.last_offset, t.c.status).where(
                    t.c.topic == topic, t.c.kafka_partition == partition
                )
            ).first()
        if row is None:
            return None
        return RangeState(int(row[0]), int(row[1]), "pending" if row[2] == "pending" else "inserted")

    def set(self, topic: str, partition: int, state: RangeState) -> None:
        t = ingest_state
        with self.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.topic == topic, t.c.kafka_partition == partition))
            conn.execute(
                t.insert().values(
                    topic=topic,
                    kafka_partition=partition,
                    first_offset=state.first,
                    last_offset=state.last,
                    status=state.status,
                    updated_at=datetime.now(UTC),
                )
            )
