"""Scheduled jobs: destroy salts (≤ 48 h), rotate keys on schedule and destroy retired ones, enforce
event retention, build the segments daily and drop their old snapshots. Each job returns what it did,
in French lines without personal data, and records its run in the control plane
(controlplane/job_runs.py) for the console's « Système » page."""

from __future__ import annotations

import calendar
import logging
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from artaud import wiring
from artaud.admin.system_fr import PlannedJob, purpose_fr
from artaud.collector.salts import SaltStore, local_day
from artaud.config.rotation import Rotated, RotationPolicy, due
from artaud.config.settings import Settings
from artaud.controlplane.job_runs import JobRuns, recorded
from artaud.controlplane.store import ControlPlane
from artaud.segments.catalog import drop_old_snapshots
from artaud.warehouse import links, retention
from artaud.warehouse.backend import Warehouse

if TYPE_CHECKING:
    from artaud.admin.system_pages import System

log = logging.getLogger("artaud.jobs")


def build_segments(settings: Settings, wh: Warehouse, cp: ControlPlane) -> list[str]:
    report = wiring.segment_builder(settings, wh, cp).build(
        progress=lambda done, total, what: log.info("segments %d/%d: %s", done, total, what)
    )
    log.info(
        "segments built (%s): %d published of %d",
        report.build_id,
        len(report.published),
        len(report.segments),
    )
    done = [f"{len(report.published)} segment(s) publié(s) sur {len(report.segments)}"]
    dropped = drop_old_snapshots(wh, date.today(), settings.segments.keep_days, settings.partners.window_days)
    if dropped:
        done.append(f"{len(dropped)} partition(s) d'instantanés et d'exports anciens supprimée(s)")
    return done


def destroy_salts(salts: SaltStore, settings: Settings, now: datetime | None = None) -> list[str]:
    days = salts.destroy_expired(now or datetime.now(UTC), settings.privacy.salt_retention_hours)
    return [f"sel du {date.fromisoformat(d):%d/%m/%Y} détruit" for d in days]


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last))


def enforce_retention(
    settings: Settings, wh: Warehouse, cp: ControlPlane | None = None, now: datetime | None = None
) -> list[str]:
    """Everything kept for a period leaves when it is over: events and consent proofs (whole months),
    build and export snapshots, rows of erased people that raced their erasure, the control plane's
    logs and ended console credentials. Returns what was done, in French."""
    from artaud.controlplane.retention import purge_ended_credentials, purge_logs
    from artaud.warehouse.erasure import sweep

    p = settings.privacy
    now = now or datetime.now(UTC)
    today = local_day(now)
    done = [
        f"événements de {m[4:6]}/{m[:4]} supprimés (plus de {p.event_retention_months} mois)"
        for m in retention.enforce(wh, today, p.event_retention_months)
    ]
    done += [
        f"preuves de consentement de {m[4:6]}/{m[:4]} supprimées (plus de {p.consent_proof_months} mois)"
        for m in retention.enforce(wh, today, p.consent_proof_months, "consent_records", "record_date")
    ]
    snapshots = drop_old_snapshots(wh, today, settings.segments.keep_days, settings.partners.window_days)
    if snapshots:
        done.append(f"{len(snapshots)} instantané(s) de segments ou d'exports expirés supprimés")
    sweep(wh)  # a batch that raced an erasure
    if cp is not None:
        before = months_before(now, p.audit_log_months)
        logs = purge_logs(cp.engine, before)
        ended = purge_ended_credentials(
            cp.engine, now - timedelta(hours=settings.admin.session_absolute_hours), before
        )
        if sum(logs.values()):
            done.append(
                f"{sum(logs.values())} entrée(s) de journal de plus de {p.audit_log_months} mois supprimées"
            )
        if sum(ended.values()):
            done.append(f"{sum(ended.values())} session(s) ou jeton(s) terminés supprimés")
    return done


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
        done.append(f"{purpose_fr(purpose)} : nouvelle clé, version {key.version}")
    moved = reencrypt_bank_details(settings)  # raises rather than let a needed version be destroyed
    if moved:
        done.append(f"coordonnées bancaires de {moved} cinéma(s) rechiffrées sous la clé la plus récente")
    for purpose, version in ring.destroy_retired(now):
        done.append(f"{purpose_fr(purpose)} : version {version} de la clé détruite")
        if purpose == wiring.POOLED_KEY and wh is not None:
            links.forget(wh, version)
    return done


def rotate_key(settings: Settings, purpose: str, grace_days: int, now: datetime | None = None) -> Rotated:
    """A rotation on demand, `artaud keys rotate` and the console's « Faire tourner » alike: a new
    version of `purpose`, the older ones retiring after `grace_days`, and, as the scheduled job does,
    the cinemas' bank details re-encrypted at once when a `bank-details` version is retiring."""
    key = wiring.keyring(settings).rotate(purpose, timedelta(days=grace_days), now)
    return Rotated(purpose, key.version, grace_days, reencrypt_bank_details(settings))


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
    """The jobs, each recording its runs in the control plane `cp` (without it: logged only)."""
    salts = SaltStore(wiring.salts_dir(settings))
    runs = JobRuns(cp.engine) if cp is not None else None
    sched = BackgroundScheduler(timezone="Europe/Paris")
    now = datetime.now(UTC)

    def add(job: str, work: Any, trigger: str, **options: Any) -> None:
        sched.add_job(recorded(runs, job, work), trigger, id=job, **options)

    add("destroy-salts", lambda: destroy_salts(salts, settings), "interval", minutes=15, next_run_time=now)
    add("rotate-keys", lambda: rotate_keys(settings, wh), "interval", hours=1, next_run_time=now)
    if wh is not None:
        add("retention", lambda: enforce_retention(settings, wh, cp), "cron", hour=3)
    if wh is not None and cp is not None and settings.segments.build_hour >= 0:
        add(
            "build-segments",
            lambda: build_segments(settings, wh, cp),
            "cron",
            hour=settings.segments.build_hour,
            max_instances=1,
        )
    return sched


def planned(sched: BackgroundScheduler) -> list[PlannedJob]:
    """The scheduler's jobs as the console shows them: how often, and when next."""
    out = []
    for job in sched.get_jobs():
        every, hour = None, None
        if isinstance(job.trigger, IntervalTrigger):
            every = job.trigger.interval
        elif isinstance(job.trigger, CronTrigger):
            field = next((str(f) for f in job.trigger.fields if f.name == "hour"), "")
            hour = int(field) if field.isdigit() else None
        out.append(PlannedJob(job.id, every, hour, getattr(job, "next_run_time", None)))
    return out


def console_system(settings: Settings, sched: BackgroundScheduler | None = None) -> System:
    """What the console's « Système » page needs from this process: the settings, the key ring,
    the rotation `artaud keys rotate` does (with the configured grace), the running scheduler."""
    from artaud.admin.system_pages import System

    return System(
        settings=settings,
        ring=wiring.keyring(settings),
        rotate=lambda purpose: rotate_key(settings, purpose, settings.privacy.key_grace_days),
        planned=(lambda: planned(sched)) if sched is not None else list,
    )
