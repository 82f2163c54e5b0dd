"""Create the events and dead-letter topics (idempotent), bound how long the broker keeps them, and
check the broker is reachable.

Retention (`kafka.retention_hours`) is set on both topics when they are created and set again on
every start, so a topic made by hand or before the setting existed is brought under it. It bounds
how long a hit (pseudonymised, but personal data) can sit on the broker's disks: an erasure is
promised within a month, and hits of an erased person still in Kafka are left out at load
(warehouse/loader.py), so nothing outlives the promise on the broker either."""

from __future__ import annotations

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from artaud.config.settings import Kafka
from artaud.errors import Unavailable


class BrokerUnreachable(Unavailable):
    code = "broker_unreachable"


def topic_configs(retention_hours: int) -> dict[str, str]:
    return {"retention.ms": str(retention_hours * 3_600_000), "cleanup.policy": "delete"}


def ensure_topics(
    bootstrap: str,
    topics: list[str],
    partitions: int,
    replication: int,
    retention_hours: int,
    timeout_ms: int = 5000,
) -> list[str]:
    """Create the missing topics and (re)set every topic's retention; returns the ones created."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=timeout_ms)
    except KafkaError as exc:
        raise BrokerUnreachable(f"Kafka at {bootstrap} is unreachable: {exc}") from exc
    configs = topic_configs(retention_hours)
    created = []
    try:
        existing = set(admin.list_topics())
        for name in topics:
            if name not in existing:
                try:
                    admin.create_topics([NewTopic(name, partitions, replication, topic_configs=configs)])
                    created.append(name)
                    continue
                except TopicAlreadyExistsError:
                    pass
            admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=configs)])
    except KafkaError as exc:
        raise BrokerUnreachable(f"Kafka at {bootstrap} refused the topics' set-up: {exc}") from exc
    finally:
        admin.close()
    return created


def ensure(k: Kafka) -> list[str]:
    """The topics as the settings describe them."""
    return ensure_topics(
        k.bootstrap_servers,
        [k.topic, k.dead_letter_topic],
        k.partitions,
        k.replication_factor,
        k.retention_hours,
    )
