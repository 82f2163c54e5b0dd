"""The scheduled jobs' runs (controlplane/job_runs.py, migration 13): recorded, read newest first,
bounded per job, credentials masked; the wrapper records success and failure and never stops the
scheduler; the real scheduler's jobs record themselves."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect, text

from artaud.controlplane import job_runs, migrations
from artaud.controlplane.job_runs import JobRun, JobRuns, recorded, scrub
from artaud.controlplane.migrations import Migration, applied

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def wait_for(check, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_runs_are_read_newest_first_with_their_lines(cp) -> None:
    runs = JobRuns(cp.engine)
    runs.add(JobRun("destroy-salts", T0, T0 + timedelta(seconds=2), "ok", ("sel du 26/11/2026 détruit",)))
    later = T0 + timedelta(minutes=15)
    runs.add(JobRun("destroy-salts", later, later, "error", (), "OSError: disk"))
    runs.add(JobRun("retention", T0, T0, "ok", ()))
    [newest, first] = runs.last("destroy-salts")
    assert newest.failed and newest.error == "OSError: disk" and newest.summary == ()
    assert first.summary == ("sel du 26/11/2026 détruit",) and first.duration == timedelta(seconds=2)
    assert first.started_at == T0  # back in UTC, whatever the database keeps
    assert runs.jobs() == ["destroy-salts", "retention"]
    assert [r.job for r in runs.last(limit=2)] == ["destroy-salts", "retention"]  # a tie: the later record


def test_a_job_keeps_its_newest_runs_only(cp, monkeypatch) -> None:
    monkeypatch.setattr(job_runs, "KEEP_PER_JOB", 3)
    runs = JobRuns(cp.engine)
    for i in range(5):
        runs.add(JobRun("rotate-keys", T0 + timedelta(hours=i), T0 + timedelta(hours=i), "ok", (f"run {i}",)))
    runs.add(JobRun("retention", T0, T0, "ok", ()))
    assert [r.summary for r in runs.last("rotate-keys", 10)] == [("run 4",), ("run 3",), ("run 2",)]
    assert len(runs.last("retention")) == 1


def test_errors_are_truncated_and_lose_their_credentials() -> None:
    said = scrub(
        "OperationalError: postgresql://artaud:Pg-S3cret@db:5432/artaud password=hunter2 " + "x" * 500
    )
    assert "Pg-S3cret" not in said and "hunter2" not in said
    assert "postgresql://artaud:***@db" in said and len(said) == job_runs.MAX_ERROR


def test_the_wrapper_records_success_and_failure_and_raises_nothing(cp) -> None:
    runs = JobRuns(cp.engine)
    recorded(runs, "ok-job", lambda: ["3 partitions supprimées"])()
    recorded(runs, "quiet-job", lambda: None)()

    def boom() -> list[str]:
        raise RuntimeError("the warehouse at clickhouse://default:pw@wh:9000 is down")

    recorded(runs, "bad-job", boom)()  # no exception escapes
    [ok] = runs.last("ok-job")
    assert ok.outcome == "ok" and ok.summary == ("3 partitions supprimées",)
    assert runs.last("quiet-job")[0].summary == ()
    [bad] = runs.last("bad-job")
    assert bad.failed and bad.error.startswith("RuntimeError: the warehouse") and ":pw@" not in bad.error


def test_a_run_that_cannot_be_recorded_does_not_stop_the_job(cp) -> None:
    with cp.engine.begin() as conn:
        conn.execute(text("DROP TABLE job_runs"))
    done: list[int] = []
    recorded(JobRuns(cp.engine), "job", lambda: done.append(1) or [])()
    assert done == [1]


def test_a_failing_job_records_an_error_and_the_scheduler_goes_on(cp) -> None:
    runs = JobRuns(cp.engine)
    sched = BackgroundScheduler(timezone="Europe/Paris")
    now = datetime.now(UTC)

    def fails() -> list[str]:
        raise ValueError("nope")

    sched.add_job(recorded(runs, "fails", fails), "interval", seconds=0.3, id="fails", next_run_time=now)
    sched.add_job(
        recorded(runs, "works", lambda: ["fait"]), "interval", seconds=0.3, id="works", next_run_time=now
    )
    sched.start()
    try:
        wait_for(lambda: len(runs.last("fails")) >= 2 and len(runs.last("works")) >= 2)
    finally:
        sched.shutdown(wait=True)
    assert all(r.failed and r.error == "ValueError: nope" for r in runs.last("fails"))
    assert all(r.outcome == "ok" and r.summary == ("fait",) for r in runs.last("works"))


def test_the_product_scheduler_records_its_jobs_and_says_when_they_run(tmp_path) -> None:
    from artaud.admin.system_fr import schedule_fr
    from artaud.config.settings import load
    from artaud.jobs import planned, scheduler
    from artaud.wiring import control

    settings = load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path)})
    cp = control(settings)
    try:
        cp.migrate()
        sched = scheduler(settings, None, cp)
        sched.start()
        try:
            runs = JobRuns(cp.engine)
            wait_for(lambda: runs.jobs() == ["destroy-salts", "rotate-keys"])
            plan = {p.job: p for p in planned(sched)}
        finally:
            sched.shutdown(wait=True)
        assert all(r.outcome == "ok" for r in runs.last(limit=10))
        assert schedule_fr(plan["destroy-salts"]) == "toutes les 15 minutes"
        assert schedule_fr(plan["rotate-keys"]) == "toutes les heures"
        assert plan["rotate-keys"].next_run is not None
    finally:
        cp.close()


def test_the_runner_tolerates_a_gap_and_applies_the_missing_version_later(cp, monkeypatch) -> None:
    """Two changes may number their migrations n and n+1 and land in either order: n+1 applied
    first, n is applied when it comes, and going down undoes both, newest first."""
    top = max(applied(cp.engine))
    gap, later = top + 1, top + 2

    def table(name: str) -> tuple:
        return (
            lambda conn: conn.execute(text(f"CREATE TABLE {name} (x INTEGER)")),
            lambda conn: conn.execute(text(f"DROP TABLE {name}")),
        )

    first = (*migrations.MIGRATIONS, Migration(later, "landed first", *table("landed_first")))
    monkeypatch.setattr(migrations, "MIGRATIONS", first)
    assert cp.migrate() == [later] and gap not in applied(cp.engine)
    both = (*first, Migration(gap, "landed second", *table("landed_second")))
    monkeypatch.setattr(migrations, "MIGRATIONS", both)
    assert cp.migrate() == [gap] and inspect(cp.engine).has_table("landed_second")
    assert migrations.migrate(cp.engine, target=top) == [-later, -gap]
    assert not inspect(cp.engine).has_table("landed_first")
    assert inspect(cp.engine).has_table("job_runs")
