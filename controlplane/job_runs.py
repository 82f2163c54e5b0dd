"""The scheduled jobs' runs (migration 13): each job of the scheduler (runtime/jobs.py) records when it
ran, how long, whether it failed, and what it did, in a few lines (« sel du 27/11/2026 détruit »),
never personal data; an error's text is truncated and any credential in it masked. The console's
« Système » page shows the last runs. `recorded` wraps any job so that it records itself, success
and failure alike, and never lets a failure (its own or the record's) stop the scheduler."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select

from artaud.controlplane import schema

log = logging.getLogger("artaud.jobs")

KEEP_PER_JOB = 100  # the older runs of a job are dropped as new ones are recorded
MAX_LINES, MAX_LINE, MAX_ERROR = 20, 200, 300
_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@")
_NAMED_SECRET = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)\b(\s*[=:]\s*)\S+")


@dataclass(frozen=True)
class JobRun:
    job: str
    started_at: datetime
    finished_at: datetime
    outcome: str  # "ok" or "error"
    summary: tuple[str, ...]
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome != "ok"

    @property
    def duration(self) -> timedelta:
        return self.finished_at - self.started_at


def scrub(text: str) -> str:
    """An error's text as it may be kept: credentials in URLs and `password=…` masked, truncated."""
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _NAMED_SECRET.sub(r"\1\2***", text)
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class JobRuns:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, run: JobRun) -> None:
        t = schema.job_runs
        lines = [line[:MAX_LINE] for line in run.summary[:MAX_LINES]]
        with self.engine.begin() as conn:
            conn.execute(
                t.insert().values(
                    job=run.job[:64],
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    outcome="ok" if run.outcome == "ok" else "error",
                    summary="\n".join(lines),
                    error=scrub(run.error),
                )
            )
            kept = select(t.c.id).where(t.c.job == run.job[:64]).order_by(t.c.id.desc()).limit(KEEP_PER_JOB)
            conn.execute(delete(t).where(t.c.job == run.job[:64], t.c.id.not_in(kept.scalar_subquery())))

    def last(self, job: str | None = None, limit: int = 5) -> list[JobRun]:
        """The newest runs first (of one job, or of every job)."""
        t = schema.job_runs
        q = select(t).order_by(t.c.started_at.desc(), t.c.id.desc()).limit(limit)
        if job is not None:
            q = q.where(t.c.job == job)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            JobRun(
                job=r.job,
                started_at=_utc(r.started_at),
                finished_at=_utc(r.finished_at),
                outcome=r.outcome,
                summary=tuple(line for line in r.summary.split("\n") if line),
                error=r.error,
            )
            for r in rows
        ]

    def jobs(self) -> list[str]:
        """Every job that has recorded a run."""
        t = schema.job_runs
        with self.engine.connect() as conn:
            return sorted(str(j) for (j,) in conn.execute(select(t.c.job).distinct()))


def recorded(
    runs: JobRuns | None,
    job: str,
    work: Callable[[], Iterable[str] | None],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[], None]:
    """`work` as a scheduled job that records its run: its lines (what it did) when it returns, the
    error when it raises. The error is logged, not raised: the scheduler goes on with its next run
    and its other jobs; a run that cannot be recorded (the control plane away) is logged too."""

    def run() -> None:
        started, tick = clock(), time.monotonic()
        try:
            lines = tuple(str(line) for line in (work() or ()))
            outcome, error = "ok", ""
        except Exception as exc:
            log.exception("job %s failed", job)
            lines, outcome, error = (), "error", f"{type(exc).__name__}: {exc}"
        finished = started + timedelta(seconds=time.monotonic() - tick)
        for line in lines:
            log.info("%s: %s", job, line)
        if runs is None:
            return
        try:
            runs.add(JobRun(job, started, finished, outcome, lines, error))
        except Exception:
            log.exception("job %s: its run could not be recorded", job)

    run.__name__ = f"recorded_{job.replace('-', '_')}"
    return run
