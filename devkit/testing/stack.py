"""The production topology on one machine: Kafka broker, ClickHouse server, and `artaud collector`,
`artaud ingester` and `artaud scheduler` processes sharing one control plane (tests, benchmarks)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from artaud.warehouse.sql import quote
from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.kafka_broker import KafkaBroker
from artaud_devkit.testing.servers import ClickHouseServer


class Stack:
    def __init__(
        self, root: Path, broker: KafkaBroker, clickhouse: ClickHouseServer, partitions: int = 4
    ) -> None:
        from artaud.controlplane.store import ControlPlane
        from artaud.demo import seed_demo

        self.root = root
        self.broker = broker
        self.clickhouse = clickhouse
        self.database = "k_" + secrets.token_hex(4)
        self.topic = "events-" + secrets.token_hex(3)
        self.control_url = f"sqlite:///{root / 'control.sqlite'}"
        cp = ControlPlane(self.control_url)
        cp.migrate()
        seed_demo(cp)
        self.sites = [(c.site_key, c.domains[0], c.id) for c in cp.cinemas()]
        cp.close()
        self.env = {
            "ARTAUD_TRANSPORT__MODE": "kafka",
            "ARTAUD_KAFKA__BOOTSTRAP_SERVERS": broker.bootstrap,
            "ARTAUD_KAFKA__TOPIC": self.topic,
            "ARTAUD_KAFKA__DEAD_LETTER_TOPIC": self.topic + ".dlq",
            "ARTAUD_KAFKA__PARTITIONS": str(partitions),
            "ARTAUD_KAFKA__METRICS_PORT": "0",
            "ARTAUD_WAREHOUSE__BACKEND": "server",
            "ARTAUD_WAREHOUSE__HOST": clickhouse.host,
            "ARTAUD_WAREHOUSE__PORT": str(clickhouse.tcp_port),
            "ARTAUD_WAREHOUSE__DATABASE": self.database,
            "ARTAUD_WAREHOUSE__BATCH_SECONDS": "0.5",
            "ARTAUD_CONTROL__URL": self.control_url,
        }
        self.processes: list[ArtaudProcess] = []

    def process(self, command: str, name: str | None = None, **env: str) -> ArtaudProcess:
        p = ArtaudProcess(self.root / (name or command), extra_env={**self.env, **env}, command=command)
        self.processes.append(p)
        return p

    def stored(self, prefix: str) -> list[str]:
        c = self.clickhouse.client()
        try:
            rows = c.execute(
                f"SELECT event_id FROM {self.database}.events WHERE event_id LIKE {quote(prefix + '%')}"
            )
        finally:
            c.disconnect()
        return [str(r[0]) for r in rows]

    def wait_stored(self, expected: set[str], prefix: str, timeout: float = 120.0) -> list[str]:
        deadline = time.monotonic() + timeout
        got: list[str] = []
        while time.monotonic() < deadline:
            try:
                got = self.stored(prefix)
            except Exception:  # the server may be restarting
                got = []
            if expected <= set(got):
                time.sleep(1.0)  # let anything else in flight land, to catch duplicates
                return self.stored(prefix)
            time.sleep(0.5)
        return got

    def close(self) -> None:
        for p in self.processes:
            if p.proc is not None and p.proc.poll() is None:
                try:
                    p.stop(30)
                except Exception:
                    p.kill9()

    def figures(self, load: Any, stored: list[str]) -> dict[str, int]:
        return {
            "sent": load.sent,
            "acknowledged": len(load.acked),
            "refused_503": load.refused_503,
            "transport_errors": load.errors,
            "stored": len(stored),
            "distinct_stored": len(set(stored)),
            "duplicates": len(stored) - len(set(stored)),
            "lost": len(load.acked - set(stored)),
        }
