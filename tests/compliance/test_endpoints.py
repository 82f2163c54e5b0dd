"""Where an endpoint stands (IO-free): with the operator, declared in the EU/EEA, or not known."""

from __future__ import annotations

import pytest

from artaud.compliance.endpoints import hosts_of, where


@pytest.mark.parametrize(
    ("host", "declared", "expected"),
    [
        ("127.0.0.1", (), "boucle locale"),
        ("::1", (), "boucle locale"),
        ("localhost", (), "boucle locale"),
        ("10.1.2.3", (), "adresse privée"),
        ("clickhouse", (), "nom du réseau de l'opérateur"),
        ("ch.scare.example", (".scare.example",), "déclaré dans l'UE/EEE (.scare.example)"),
        ("ch.scare.example", ("ch.scare.example",), "déclaré dans l'UE/EEE (ch.scare.example)"),
        ("evilscare.example", (".scare.example",), None),
        ("ch.scare.example", (), None),
        ("8.8.8.8", (), None),
    ],
)
def test_where(host, declared, expected):
    assert where(host, declared) == expected


def test_bootstrap_servers_hosts():
    assert hosts_of("kafka:9092, 10.0.0.2:9093,[::1]:9092") == ["kafka", "10.0.0.2", "::1"]
