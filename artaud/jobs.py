"""Scheduled privacy jobs: destroy salts (≤ 48 h), destroy retired keys, enforce event retention."""

from __future__ import annotations

from datetime import UTC, date, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from artaud import wiring
from collector.salts import SaltStore
from config.settings import Settings
from warehouse import retention
from warehouse.backend import Warehouse


def scheduler(settings: Settings, wh: Warehouse | None) -> BackgroundScheduler:
    salts = SaltStore(wiring.salts_dir(settings))
    ring = wiring.keyring(settings)
    sched = BackgroundScheduler(timezone="Europe/Paris")
    now = datetime.now(UTC)
    sched.add_job(
        lambda: salts.destroy_expired(datetime.now(UTC), settings.privacy.salt_retention_hours),
        "interval",
        minutes=15,
        id="destroy-salts",
        next_run_time=now,
    )
    sched.add_job(ring.destroy_retired, "interval", hours=1, id="destroy-keys", next_run_time=now)
    if wh is not None:
        sched.add_job(
            lambda: retention.enforce(wh, date.today(), settings.privacy.event_retention_months),
            "cron",
            hour=3,
            id="retention",
        )
    return sched
