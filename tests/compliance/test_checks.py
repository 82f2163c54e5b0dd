"""The CNIL exemption self-check (IO-free): every condition passes on the shipped defaults, and each
fails, with a clear line naming what was found, the limit and where it is enforced, when one fact
breaks it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from artaud.compliance.checks import Check, exemption_checks, line
from artaud.compliance.facts import Endpoint, Facts
from tests.compliance.helpers import default_facts


def by_key(facts: Facts) -> dict[str, Check]:
    return {c.key: c for c in exemption_checks(facts)}


def failed(facts: Facts) -> set[str]:
    return {k for k, c in by_key(facts).items() if not c.passed}


def test_every_condition_passes_on_the_defaults():
    checks = exemption_checks(default_facts())
    assert [c.key for c in checks] == [
        "purpose", "anonymous", "cross_site", "trackers", "retention", "transfer", "fields",
    ]  # fmt: skip
    assert all(c.passed for c in checks), [line(c) for c in checks if not c.passed]
    assert all(c.label and c.value and c.limit and c.where for c in checks)


def test_a_retention_of_26_months_is_a_red_line_naming_the_setting():
    facts = replace(default_facts(), event_retention_months=26)
    assert failed(facts) == {"retention"}
    text = line(by_key(facts)["retention"])
    assert text.startswith("✗ Données conservées ≤ 25 mois : 26 mois (limite : ≤ 25 mois)")
    assert "[privacy.event_retention_months]" in text and "warehouse/retention.py" in text


@pytest.mark.parametrize(
    ("change", "broken", "said"),
    [
        ({"salt_retention_hours": 72}, {"anonymous"}, "72 h"),
        ({"exempt_hash_per_cinema": False}, {"cross_site"}, "le même d'un cinéma à l'autre"),
        ({"id_lifetime_days": 400}, {"trackers"}, "400 jours"),
        ({"id_lifetime_days": None}, {"trackers"}, "introuvable"),
        ({"id_lifetime_in_built_tag": False}, {"trackers"}, "ne porte pas cette durée"),
        ({"segments_read_pooled_only": False}, {"purpose", "transfer"}, "parcours exempté"),
        ({"event_fields": ("event_id", "email")}, {"fields"}, "email"),
    ],
)
def test_each_condition_fails_when_its_fact_breaks_it(change, broken, said):
    facts = replace(default_facts(), **change)
    assert failed(facts) == broken
    for key in broken:
        assert line(by_key(facts)[key]).startswith("✗ ")
    assert any(said in by_key(facts)[key].value for key in broken)


def test_the_identifier_may_live_13_months_at_the_shortest():
    assert failed(replace(default_facts(), id_lifetime_days=393)) == set()
    assert failed(replace(default_facts(), id_lifetime_days=394)) == {"trackers"}


def test_a_remote_endpoint_is_a_transfer_until_the_operator_declares_it_in_the_eu():
    remote = (Endpoint("warehouse.host", "clickhouse.cloud-provider.example", True),)
    facts = replace(default_facts(), endpoints=remote)
    assert failed(facts) == {"transfer"}
    assert "clickhouse.cloud-provider.example (warehouse.host)" in by_key(facts)["transfer"].value
    assert failed(replace(facts, eu_hosts=(".cloud-provider.example",))) == set()
    # an endpoint the configuration does not use (Kafka in embedded mode) transfers nothing
    unused = (Endpoint("kafka.bootstrap_servers", "kafka.elsewhere.example", False),)
    assert failed(replace(default_facts(), endpoints=unused)) == set()
