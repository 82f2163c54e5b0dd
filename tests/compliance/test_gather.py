"""The facts come from the configuration, the control plane and the code, not from a restatement."""

from __future__ import annotations

from artaud.compliance.gather import gather
from artaud.config.settings import load
from artaud.controlplane.store import ControlPlane
from artaud.demo import seed_demo
from artaud.partners.store import PartnerStore
from artaud.warehouse.columns import COLUMNS
from tests.compliance.helpers import default_facts


def test_the_defaults_facts_are_read_from_the_code():
    f = default_facts()
    assert f.event_fields == COLUMNS
    assert f.id_lifetime_days == 390 and f.id_lifetime_in_built_tag
    assert f.segments_read_pooled_only and f.exempt_hash_per_cinema
    assert f.event_retention_months == 25 and f.salt_retention_hours == 48
    assert f.endpoints and not any(e.used for e in f.endpoints)  # embedded: chdb and SQLite
    assert ("admin", "administration") in f.roles and "admin" in f.totp_roles
    assert not f.master_key_from_env


def test_recipients_are_the_registered_partners_and_endpoints_follow_the_settings(tmp_path):
    cp = ControlPlane(f"sqlite:///{tmp_path / 'control.sqlite'}")
    cp.migrate()
    seed_demo(cp)
    PartnerStore(cp.engine).add("demo-agency", "Demo Agency")
    env = {
        "ARTAUD_TRANSPORT__MODE": "kafka",
        "ARTAUD_KAFKA__BOOTSTRAP_SERVERS": "kafka:9092,broker2.scare.example:9092",
        "ARTAUD_WAREHOUSE__BACKEND": "server",
        "ARTAUD_WAREHOUSE__HOST": "clickhouse",
    }
    settings = load(env=env, overrides={"paths": {"data_dir": str(tmp_path)}})
    f = gather(settings, cp, env={"ARTAUD_MASTER_KEY": "x"})
    cp.close()
    assert [(r.slug, r.name) for r in f.recipients] == [("demo-agency", "Demo Agency")]
    assert f.cinemas == 4 and f.master_key_from_env
    assert [(e.setting, e.host, e.used) for e in f.endpoints] == [
        ("warehouse.host", "clickhouse", True),
        ("kafka.bootstrap_servers", "kafka", True),
        ("kafka.bootstrap_servers", "broker2.scare.example", True),
    ]
