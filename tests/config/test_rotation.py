"""Keys rotate on schedule (config/rotation.py), and the job rotates, destroys and forgets links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from artaud.config.keyring import KeyMeta
from artaud.config.rotation import RotationPolicy, due

NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)


def meta(purpose: str, version: int, days_old: int, destroyed: bool = False) -> KeyMeta:
    created = (NOW - timedelta(days=days_old)).isoformat(timespec="seconds")
    return KeyMeta(purpose, version, created, None, destroyed)


def test_a_key_rotates_when_its_newest_version_is_older_than_its_period():
    metas = [
        meta("pooled-visitor", 1, 400),
        meta("pooled-visitor", 2, 10),  # rotated 10 days ago: not due
        meta("partner-acme", 1, 91),  # due
        meta("partner-other", 1, 30),
        meta("export-signing", 1, 4000),  # never on this schedule
        meta("partner-gone", 1, 500, destroyed=True),
    ]
    assert due(metas, RotationPolicy(pooled_days=365, partner_days=90), NOW) == ["partner-acme"]
    assert due([meta("pooled-visitor", 1, 366)], RotationPolicy(), NOW) == ["pooled-visitor"]


def test_the_job_rotates_destroys_after_the_grace_and_forgets_the_links(tmp_path):
    from artaud.config.settings import load
    from artaud.jobs import rotate_keys
    from artaud.warehouse.backend import ChdbWarehouse
    from artaud.warehouse.migrate import migrate
    from artaud.wiring import POOLED_KEY, keyring

    settings = load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path), "ARTAUD_PRIVACY__KEY_GRACE_DAYS": "30"})
    ring = keyring(settings)
    ring.current(POOLED_KEY)
    wh = ChdbWarehouse(tmp_path / "chdb", "artaud")
    try:
        migrate(wh)
        assert rotate_keys(settings, wh, NOW) == []  # a new key: nothing due
        done = rotate_keys(settings, wh, NOW + timedelta(days=366))
        assert done == ["Pseudonymes de l'audience mutualisée : nouvelle clé, version 2"]
        wh.insert_rows(
            "visitor_links",
            ("visitor", "linked", "linked_on"),
            [("p2.new", "p1.old", NOW.date()), ("p3.x", "p2.y", NOW.date())],
        )
        assert [k.version for k in keyring(settings).live(POOLED_KEY)] == [2, 1]
        done = rotate_keys(settings, wh, NOW + timedelta(days=366 + 31))
        assert done == ["Pseudonymes de l'audience mutualisée : version 1 de la clé détruite"]
        assert [k.version for k in keyring(settings).live(POOLED_KEY)] == [2]
        assert wh.query(f"SELECT linked FROM {wh.database}.visitor_links") == [("p2.y",)]
    finally:
        wh.close()
