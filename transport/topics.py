"""Create the events and dead-letter topics (idempotent), and check the broker is reachable."""

from __future__ import annotations

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from artaud.errors import Unavailable


class BrokerUnreachable(Unavailable):
    code = "broker_unreachable"


def ensure_topics(
    bootstrap: str, topics: list[str], partitions: int, replication: int, timeout_ms: int = 5000
) -> list[str]:
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=timeout_ms)
    except KafkaError as exc:
        raise BrokerUnreachable(f"Kafka at {bootstrap} is unreachable: {exc}") from exc
    created = []
    try:
        existing = set(admin.list_topics())
        for name in topics:
            if name in existing:
                continue
            try:
                admin.create_topics([NewTopic(name, partitions, replication)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    return created
