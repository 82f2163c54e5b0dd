"""docker-compose.yml stays in step with the code: every artaud service's command exists and its
environment is a valid configuration of the role it runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from artaud.cli import build_parser
from artaud.config.settings import load

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def resolve(value: str) -> str:
    """${VAR:?msg} -> a dummy secret (an address for an _URL); ${VAR:-default} -> default."""
    value = re.sub(
        r"\$\{([A-Z_]+):\?[^}]*\}",
        lambda m: "https://donnees.example" if m[1].endswith("_URL") else "dummy-secret",
        value,
    )
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    assert "${" not in value, value
    return value


def artaud_services() -> dict[str, dict[str, object]]:
    return {name: svc for name, svc in COMPOSE["services"].items() if svc.get("image") == "artaud:latest"}


def test_every_role_is_a_real_command_with_a_valid_configuration():
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    services = artaud_services()
    assert set(services) == {"collector", "ingester", "scheduler"}
    for name, svc in services.items():
        assert svc["command"][0] in commands, name  # type: ignore[index]
        env = {k: resolve(str(v)) for k, v in svc["environment"].items()}  # type: ignore[union-attr]
        env.pop("ARTAUD_MASTER_KEY")
        settings = load(env=env)
        assert settings.transport.mode == "kafka" and settings.warehouse.backend == "server"
        assert settings.kafka.bootstrap_servers == "kafka:9092"
        assert settings.control_url.startswith("postgresql+psycopg://")


def test_services_agree_on_ports_and_secrets_stay_out_of_the_file():
    kafka = COMPOSE["services"]["kafka"]["environment"]
    assert kafka["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("ARTAUD_MASTER_KEY", "CLICKHOUSE_PASSWORD", "POSTGRES_PASSWORD"):
        uses = re.findall(rf"\$\{{{secret}([^}}]*)\}}", text)
        assert uses, f"{secret} is not taken from the environment"
        # required from .env (`:?message`): never a default value, never an empty one
        assert all(use.startswith(":?") for use in uses), (secret, uses)
    assert not re.search(r"PASSWORD: [^$\s]", text), "a password is written in the compose file"
    assert COMPOSE["services"]["scheduler"]["ports"] == ["127.0.0.1:8081:8081", "8082:8082", "8083:8083"]
    # the rights link visitors follow is the operator's public address, never a default
    assert re.findall(r"\$\{ARTAUD_RIGHTS_PUBLIC_URL(:\?)", text) == [":?"]
