"""A real Apache Kafka broker (KRaft, single node) from Maven Central, as a process on loopback.

The jars are fetched once with Maven (`testing/kafka/pom.xml`) into ~/.cache/artaud/kafka-<version>;
each broker gets a fresh log directory and free ports, can be killed with SIGKILL and started again on
the same log directory for fault tests.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

from artaud_devkit.testing.app_process import free_port
from artaud_devkit.testing.servers import ServerProcess, ServiceError

POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
VERSION = "4.1.1"


def libs_dir() -> Path:
    """Download the broker's jars once (idempotent); returns the folder to put on the classpath."""
    cache = Path(os.environ.get("ARTAUD_KAFKA_LIBS", Path.home() / ".cache" / "artaud" / f"kafka-{VERSION}"))
    marker = cache / ".complete"
    if marker.exists():
        return cache
    if not shutil.which("mvn"):
        raise ServiceError("Maven (mvn) is needed to fetch the Kafka broker from Maven Central")
    tmp = Path(tempfile.mkdtemp(prefix="kafka-libs-"))
    res = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={tmp}"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if res.returncode != 0:
        raise ServiceError(f"mvn could not fetch Kafka: {res.stdout[-2000:]}{res.stderr[-2000:]}")
    cache.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.move(str(tmp), cache)
    marker.touch()
    return cache


PROPERTIES = """process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={logs}
num.partitions={partitions}
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.flush.interval.messages=1
"""


class KafkaBroker(ServerProcess):
    def __init__(self, partitions: int = 4, keep: bool = False) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="artaud-kafka-"))
        self.port = free_port()
        self.controller_port = free_port()
        self.partitions = partitions
        self.keep = keep
        self.proc: subprocess.Popen[bytes] | None = None
        self.classpath = str(libs_dir() / "*")
        (self.dir / "server.properties").write_text(
            PROPERTIES.format(
                port=self.port, controller=self.controller_port, logs=self.dir / "logs", partitions=partitions
            )
        )
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        res = subprocess.run(
            [
                "java",
                "-cp",
                self.classpath,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster}",  # an id may start with "-": never a separate argument
                "-c",
                str(self.dir / "server.properties"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if res.returncode != 0:
            raise ServiceError(f"kafka storage format failed: {res.stdout[-1500:]}{res.stderr[-1500:]}")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> KafkaBroker:
        out = open(self.dir / "broker.log", "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [
                "java",
                "-Xms256m",
                "-Xmx768m",
                "-cp",
                self.classpath,
                "kafka.Kafka",
                str(self.dir / "server.properties"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError(f"kafka exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            if "Kafka Server started" in self.log() and self._answers():
                return self
            time.sleep(0.2)
        self.kill9()
        raise ServiceError(f"kafka did not start in {timeout}s:\n{self.log()[-3000:]}")

    def _answers(self) -> bool:
        from kafka.admin import KafkaAdminClient

        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
        except Exception:
            return False
        admin.close()
        return True

    def create_topic(self, name: str, partitions: int | None = None) -> None:
        from kafka.admin import KafkaAdminClient, NewTopic

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            admin.create_topics([NewTopic(name, partitions or self.partitions, 1)])
        finally:
            admin.close()

    def log(self) -> str:
        try:
            return (self.dir / "broker.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> KafkaBroker:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()
