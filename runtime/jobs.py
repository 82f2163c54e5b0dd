"""Scheduled jobs: destroy salts (≤ 48 h), rotate keys on schedule and destroy retired ones, enforce
event retention, build the segments daily and drop their old snapshots."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from artaud import wiring
from artaud.collector.salts import SaltStore, local_day
from artaud.config.rotation import RotationPolicy, due
from artaud.config.settings import Settings
from artaud.controlplane.store import ControlPlane
from artaud.segments.catalog import drop_old_snapshots
from artaud.warehouse import links, retention
from artaud.warehouse.backend import Warehouse

log = logging.getLogger("artaud.jobs")


def build_segments(settings: Settings, wh: Warehouse, cp: ControlPlane) -> None:
    report = wiring.segment_builder(settings, wh, cp).build(
        progress=lambda done, total, what: log.info("segments %d/%d: %s", done, total, what)
    )
    log.info(
        "segments built (%s): %d published of %d",
        report.build_id,
        len(report.published),
        len(report.segments),
    )
    drop_old_snapshots(wh, date.today(), settings.segments.keep_days, settings.partners.window_days)


def rotate_keys(settings: Settings, wh: Warehouse | None, now: datetime | None = None) -> list[str]:
    """Rotate the keys whose period is over (`config/rotation.py`), destroy the versions past their
    grace, and forget the links to a destroyed pooled version's pseudonyms. Returns what was done."""
    ring = wiring.keyring(settings)
    p = settings.privacy
    policy = RotationPolicy(p.pooled_key_rotation_days, p.partner_key_rotation_days, p.key_grace_days)
    now = now or datetime.now(UTC)
    done = []
    for purpose in due(ring.metas(), policy, now):
        key = ring.rotate(purpose, timedelta(days=policy.grace_days), now)
        done.append(f"rotated {purpose} to v{key.version}")
    moved = reencrypt_bank_details(settings)  # raises rather than let a needed version be destroyed
    if moved:
        done.append(f"re-encrypted {moved} cinema(s)' bank details under the newest key")
    for purpose, version in ring.destroy_retired(now):
        done.append(f"destroyed {purpose} v{version}")
        if purpose == wiring.POOLED_KEY and wh is not None:
            links.forget(wh, version)
    for line in done:
        log.info("keys: %s", line)
    return done


def reencrypt_bank_details(settings: Settings) -> int:
    """When a `bank-details` key version is retiring (a rotation, `artaud keys rotate` included),
    re-encrypt the cinemas' bank details still under it before anything is destroyed (an error here
    stops the job first: remuneration/bank_store.py). Returns the rows re-encrypted."""
    from sqlalchemy import inspect

    from artaud.remuneration.bank_store import PURPOSE, BankStore

    ring = wiring.keyring(settings)
    if not any(m.purpose == PURPOSE and m.retire_after and not m.destroyed for m in ring.metas()):
        return 0
    cp = wiring.control(settings)
    try:
        if not inspect(cp.engine).has_table("bank_accounts"):
            return 0
        return BankStore(cp.engine, ring).reencrypt()
    finally:
        cp.close()


def scheduler(
    settings: Settings, wh: Warehouse | None, cp: ControlPlane | None = None
) -> BackgroundScheduler:
    salts = SaltStore(wiring.salts_dir(settings))
    sched = BackgroundScheduler(timezone="Europe/Paris")
    now = datetime.now(UTC)
    sched.add_job(
        lambda: salts.destroy_expired(datetime.now(UTC), settings.privacy.salt_retention_hours),
        "interval",
        minutes=15,
        id="destroy-salts",
        next_run_time=now,
    )
    sched.add_job(lambda: rotate_keys(settings, wh), "interval", hours=1, id="rotate-keys", next_run_time=now)
    if wh is not None:
        sched.add_job(
            lambda: retention.enforce(
                wh, local_day(datetime.now(UTC)), settings.privacy.event_retention_months
            ),
            "cron",
            hour=3,
            id="retention",
        )
    if wh is not None and cp is not None and settings.segments.build_hour >= 0:
        sched.add_job(
            lambda: build_segments(settings, wh, cp),
            "cron",
            hour=settings.segments.build_hour,
            id="build-segments",
            max_instances=1,
        )
    return sched
