"""Migrations, the spool writer and retention on both ClickHouse engines (chdb and the 18.16 server)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from artaud.spool.reader import SpoolReader
from artaud.spool.writer import SpoolWriter
from artaud.warehouse.migrate import applied, load_migrations, migrate, rollback_all
from artaud.warehouse.retention import cutoff_partition, enforce, expired_partitions
from artaud.warehouse.writer import SpoolDrainer
from tests.warehouse.helpers import consent_proof, records


def count(wh) -> tuple[int, int]:
    [(n, u)] = wh.query(f"SELECT count(), uniqExact(event_id) FROM {wh.database}.events")
    return int(n), int(u)


def test_migrations_apply_once_and_roll_back(warehouse):
    wh = warehouse
    assert migrate(wh) == [m.version for m in load_migrations()]
    assert migrate(wh) == []
    every = [m.version for m in load_migrations()]
    assert applied(wh) == every == list(range(1, len(every) + 1))
    rollback_all(wh)
    assert applied(wh) == []
    assert migrate(wh) == every
    cols = {
        r[0]
        for r in wh.query(
            f"SELECT name FROM system.columns WHERE database = '{wh.database}' AND table = 'events'"
        )
    }
    assert {"consent_id", "film_ref"} <= cols


def test_spool_to_warehouse_exactly_once_across_a_crash_after_insert(warehouse, tmp_path):
    wh = warehouse
    migrate(wh)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(500))
    # a writer that inserts and then "crashes" before committing its checkpoint
    reader = SpoolReader(tmp_path / "spool")
    batch = reader.next_batch(300)
    assert batch is not None
    import json

    wh.insert_events([json.loads(p) for p in batch.payloads], batch.token)
    # restart: a new reader/drainer finds the pending batch and must not insert it twice
    drainer = SpoolDrainer(SpoolReader(tmp_path / "spool"), wh, batch_rows=300, batch_seconds=0.01)
    drainer.drain()
    assert count(wh) == (500, 500)
    assert drainer.drain_stats.recovered_batches == 1 and drainer.loader.stats.recovered_rows_present == 300
    w.close()


def test_a_crash_between_read_and_insert_loses_nothing(warehouse, tmp_path):
    wh = warehouse
    migrate(wh)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(50))
    assert SpoolReader(tmp_path / "spool").next_batch(20) is not None  # read, then crash
    SpoolDrainer(SpoolReader(tmp_path / "spool"), wh, 20, 0.01).drain()
    assert count(wh) == (50, 50)
    w.close()


def test_client_retries_with_the_same_event_id_are_stored_once(warehouse, tmp_path):
    wh = warehouse
    migrate(wh)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(10))
    w.append(records(10))  # the tag retried the same beacon
    w.append(records(10, cinema=2))  # same ids at another cinema are other events
    d = SpoolDrainer(SpoolReader(tmp_path / "spool"), wh, 7, 0.01)
    d.drain()
    [(n,)] = wh.query(f"SELECT count() FROM {wh.database}.events")
    assert int(n) == 20 and d.loader.stats.duplicates == 10
    w.close()


def test_retention_drops_whole_old_months(warehouse, tmp_path):
    wh = warehouse
    migrate(wh)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(3, when=datetime(2023, 9, 30, tzinfo=UTC), prefix="old"))
    w.append(records(4, when=datetime(2026, 11, 1, tzinfo=UTC), prefix="new"))
    SpoolDrainer(SpoolReader(tmp_path / "spool"), wh, 100, 0.01).drain()
    assert enforce(wh, date(2026, 11, 23), 25) == ["202309"]
    assert count(wh) == (4, 4)
    w.close()


def test_retention_maths():
    assert cutoff_partition(date(2026, 11, 23), 25) == 202411
    assert cutoff_partition(date(2026, 1, 5), 1) == 202601
    assert cutoff_partition(date(2026, 1, 5), 2) == 202512
    assert expired_partitions(["202410", "'202411'", "tuple()", "202611"], date(2026, 11, 23), 25) == [
        "202410"
    ]


class FailingOnce:
    """Wraps a real warehouse; the first insert raises as if the server went away."""

    def __init__(self, wh) -> None:
        self.wh = wh
        self.database = wh.database
        self.failed = False

    def execute(self, sql):
        self.wh.execute(sql)

    def query(self, sql):
        return self.wh.query(sql)

    def insert_events(self, rows, token):
        if not self.failed:
            self.failed = True
            from artaud.warehouse.backend import WarehouseError

            raise WarehouseError("connection reset")
        self.wh.insert_events(rows, token)

    def close(self):
        self.wh.close()


def test_a_failed_insert_is_retried_without_loss_or_duplicate(warehouse, tmp_path):
    import pytest

    from artaud.warehouse.backend import WarehouseError

    migrate(warehouse)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(40))
    flaky = FailingOnce(warehouse)
    d = SpoolDrainer(SpoolReader(tmp_path / "spool"), flaky, 25, 0.01)
    with pytest.raises(WarehouseError):
        d.step()
    d.drain()
    assert count(warehouse) == (40, 40) and d.loader.stats.duplicates == 0
    w.close()


def test_replayed_rows_already_stored_are_skipped_even_in_large_batches(warehouse, tmp_path):
    import orjson

    from artaud.warehouse.loader import ExactLoader

    migrate(warehouse)
    rows = [orjson.loads(p) for p in records(2500, prefix="replay")]
    first = ExactLoader(warehouse)
    assert first.load(rows[:1500], "t1") == 1500
    fresh = ExactLoader(warehouse)  # a restarted ingester: no memory of recent ids
    assert fresh.load(rows, "t2", maybe_replayed=rows) == 1000
    assert count(warehouse) == (2500, 2500)


def test_consent_records_and_pooled_events_land_together(warehouse, tmp_path):
    import orjson

    from artaud.warehouse.writer import decode_rows

    migrate(warehouse)
    rec = {
        "_t": "consent",
        "consent_id": "c.abc",
        "recorded_at": "2026-11-23 12:00:00",
        "record_date": "2026-11-23",
        "cinema_id": 1,
        "source": "tag",
        "signal": "measure,pool",
        "purposes": "measure,pool",
        "policy_version": "2026-11-1",
    }
    events = [orjson.loads(p) | {"consent_id": "c.abc"} for p in records(3, prefix="cons")]
    old = orjson.loads(records(1, prefix="old")[0])
    old.pop("consent_id", None)  # a spool record written before the migration
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append([orjson.dumps(rec), *(orjson.dumps(e) for e in events), orjson.dumps(rec), orjson.dumps(old)])
    d = decode_rows([orjson.dumps(rec), b"{}", b"nope"])
    rows, consents, suppressions, bad = d.rows, d.consents, d.suppressions, d.bad
    assert (len(rows), len(consents), len(suppressions), bad) == (0, 1, 0, 2)
    SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 100, 0.01).drain()
    db = warehouse.database
    from artaud.warehouse.proof import consent_behind

    proofs = consent_behind(warehouse, event_ids=[e["event_id"] for e in events])
    assert [(p.event_id, p.record["source"], p.record["signal"]) for p in proofs] == [
        (e["event_id"], "tag", "measure,pool") for e in events
    ]
    assert consent_behind(warehouse, event_ids=["old-00000000"])[0].record is None
    [(n,)] = warehouse.query(f"SELECT uniqExact(consent_id) FROM {db}.consent_records")
    assert int(n) == 1
    [(old_cid,)] = warehouse.query(f"SELECT consent_id FROM {db}.events WHERE event_id LIKE 'old-%'")
    assert old_cid == ""
    w.close()


def test_no_tc_string_stays_in_consent_records_written_before_the_proof_change(warehouse, tmp_path):
    import hashlib
    import time

    import orjson

    from artaud.warehouse.columns import LEGACY_TCF_SIGNAL
    from artaud.warehouse.migrate import _qualify, statements

    migrate(warehouse)
    db = warehouse.database
    tc = "CQE5aUAQE5aUAEsACBFRBZFgAP_gAEPgAAAAKhNV_G__bXlv"  # the shape of a TC string
    legacy = {
        "_t": "consent",
        "consent_id": "c.legacy-spool",
        "recorded_at": "2026-11-23 12:00:00",
        "record_date": "2026-11-23",
        "cinema_id": 1,
        "source": "tcf",
        "signal": tc,
        "purposes": "measure,pool",
        "policy_version": "2026-11-1",
    }
    # still in a spool when the collector was upgraded: the loader replaces the string
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(
        [
            orjson.dumps(legacy),
            orjson.dumps(legacy | {"consent_id": "c.tag", "source": "tag", "signal": "measure,pool"}),
        ]
    )
    SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 100, 0.01).drain()
    w.close()
    # at rest before migration 13: its UPDATE replaces the string
    warehouse.insert_rows(
        "consent_records",
        (
            "consent_id",
            "recorded_at",
            "record_date",
            "cinema_id",
            "source",
            "signal",
            "purposes",
            "policy_version",
        ),
        [
            (
                "c.legacy-rest",
                datetime(2026, 11, 23, 12),
                date(2026, 11, 23),
                1,
                "tcf",
                tc,
                "measure,pool",
                "x",
            )
        ],
    )
    [update] = [s for s in statements(load_migrations()[12].up) if " UPDATE " in s]
    warehouse.execute(_qualify(update, db))
    for _ in range(300):  # a mutation is applied in the background on the server
        [(pending,)] = warehouse.query(
            f"SELECT count() FROM system.mutations WHERE database = '{db}' AND NOT is_done"
        )
        if not int(pending):
            break
        time.sleep(0.1)
    rows = warehouse.query(
        f"SELECT consent_id, source, signal, signal_hash FROM {db}.consent_records ORDER BY source"
    )
    expected_hash = "sha256:" + hashlib.sha256(tc.encode()).hexdigest()
    assert sorted((str(r[1]), str(r[2]), str(r[3])) for r in rows) == [
        ("tag", "measure,pool", ""),
        ("tcf", LEGACY_TCF_SIGNAL, expected_hash),
        ("tcf", LEGACY_TCF_SIGNAL, expected_hash),
    ]
    assert all(tc not in json.dumps(r, default=str) for r in rows)


def test_withdrawals_drain_into_suppressions_once(warehouse, tmp_path):
    import orjson

    from artaud.collector.events import suppression_record
    from artaud.warehouse.writer import decode_rows

    migrate(warehouse)
    rec = suppression_record("p1.withdrawn", 1, datetime(2026, 11, 23, 12, tzinfo=UTC))
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append([orjson.dumps(rec)])
    w.append([orjson.dumps(rec)])  # the tag may send it twice
    assert decode_rows([orjson.dumps(rec)]).suppressions == [rec]
    SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 100, 0.01).drain()
    rows = warehouse.query(
        f"SELECT visitor, kind, toString(suppressed_at), cinema_id FROM {warehouse.database}.suppressions FINAL"
    )
    assert [tuple(r) for r in rows] == [("p1.withdrawn", "withdraw", "2026-11-23 12:00:00", 1)]
    w.close()


def test_erasure_suppresses_then_deletes_everywhere(warehouse):
    import time

    from artaud.warehouse.erasure import BadPseudonym, erase

    migrate(warehouse)
    rows = [json.loads(r) for r in records(3, prefix="erase")]
    visitor = rows[0]["visitor"]
    warehouse.insert_events(rows, "t-erase")
    warehouse.insert_rows(
        "segment_members",
        ("built_on", "build_id", "segment_key", "visitor", "cinemas"),
        [(date(2026, 11, 24), "b1", "art-et-essai", visitor, [1])],
    )
    erase(warehouse, visitor, datetime(2026, 11, 24, 12, tzinfo=UTC))
    db = warehouse.database
    assert warehouse.query(f"SELECT kind FROM {db}.suppressions WHERE visitor = '{visitor}'") == [("erase",)]
    deadline = time.monotonic() + 30  # mutations are asynchronous on the 18.16 server
    while time.monotonic() < deadline:
        left = [
            warehouse.query(f"SELECT count() FROM {db}.{t} WHERE visitor = '{visitor}'")[0][0]
            for t in ("events", "segment_members")
        ]
        if left == [0, 0]:
            break
        time.sleep(0.3)
    assert left == [0, 0]
    with pytest.raises(BadPseudonym):
        erase(warehouse, "d.exempt-hash", datetime(2026, 11, 24, tzinfo=UTC))


def test_hits_in_flight_when_an_erasure_arrives_are_left_out_at_load_and_swept(warehouse):
    """Hits of an erased person still in the spool or in Kafka when the erasure arrives never land;
    a batch checked just before the erasure and inserted just after it goes with the sweep; nobody
    else's hits are touched."""
    import time

    import orjson

    from artaud.warehouse.erasure import erase, sweep
    from artaud.warehouse.loader import ExactLoader

    migrate(warehouse)
    db = warehouse.database
    rows = [orjson.loads(p) for p in records(8, prefix="flight")]
    person = rows[0]["visitor"]
    for r in rows[4:]:
        r["visitor"] = "p1.someoneelse"
    loader = ExactLoader(warehouse)
    assert loader.load(rows[:1], "t-before") == 1
    erase(warehouse, person, datetime(2026, 11, 24, 12, tzinfo=UTC))
    assert loader.load(rows[1:3] + rows[4:6], "t-in-flight") == 2  # only the other person's
    assert loader.stats.erased == 2
    warehouse.insert_events(rows[3:4], "t-raced")  # checked before the erasure, inserted after it
    sweep(warehouse)

    def left(visitor: str) -> int:
        return int(warehouse.query(f"SELECT count() FROM {db}.events WHERE visitor = '{visitor}'")[0][0])

    deadline = time.monotonic() + 30  # mutations are asynchronous on the 18.16 server
    while left(person) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert left(person) == 0 and left("p1.someoneelse") == 2


def test_an_erased_person_stays_erased_whatever_arrives_after(warehouse):
    """After an erasure, a withdrawal of theirs still in flight does not replace the erasure's row, a
    link in flight does not join their pseudonyms again, and what a raced export gave a partner
    leaves it as a removal when the sweep deletes it."""
    import time

    from artaud.warehouse.erasure import erase, sweep
    from artaud.warehouse.loader import ExactLoader

    migrate(warehouse)
    db = warehouse.database
    erase(warehouse, "p1.gone", datetime(2026, 11, 24, 12, tzinfo=UTC))
    ExactLoader(warehouse).load(
        [],
        "t-after",
        suppressions=[
            {"visitor": "p1.gone", "kind": "withdraw", "suppressed_at": "2026-11-24 12:05:00", "cinema_id": 1}
        ],
        links=[{"visitor": "p2.gone-new", "linked": "p1.gone", "linked_on": "2026-11-24"}],
    )
    warehouse.execute(f"OPTIMIZE TABLE {db}.suppressions FINAL")
    kinds = warehouse.query(f"SELECT kind FROM {db}.suppressions FINAL WHERE visitor = 'p1.gone'")
    assert [r[0] for r in kinds] == ["erase"]
    assert warehouse.query(f"SELECT count() FROM {db}.visitor_links")[0][0] == 0
    warehouse.insert_rows(  # an export made while the erasure ran
        "export_lists",
        ("created_on", "partner_slug", "export_id", "visitor", "pseudonym"),
        [(date(2026, 11, 24), "agence-x", "x-raced", "p1.gone", "q.gone")],
    )
    sweep(warehouse)
    removed = warehouse.query(f"SELECT partner_slug, pseudonym FROM {db}.export_removals")
    assert [tuple(r) for r in removed] == [("agence-x", "q.gone")]
    deadline = time.monotonic() + 30  # mutations are asynchronous on the 18.16 server
    while warehouse.query(f"SELECT count() FROM {db}.export_lists")[0][0] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert warehouse.query(f"SELECT count() FROM {db}.export_lists")[0][0] == 0


def test_an_erasure_reaches_every_linked_pseudonym_and_queues_the_partners_removals(warehouse):
    """During a rotation the person is p1.old and p2.new; erasing either erases both, and what the
    partners received of them is queued for removal before it leaves the export records."""
    import time

    from artaud.warehouse.erasure import erase, same_person

    migrate(warehouse)
    db = warehouse.database
    old, new = "p1.0ld0ld0ld", "p2.n3wn3wn3w"
    warehouse.insert_rows(
        "visitor_links", ("visitor", "linked", "linked_on"), [(new, old, date(2026, 11, 24))]
    )
    warehouse.insert_rows(
        "export_lists",
        ("created_on", "partner_slug", "export_id", "visitor", "pseudonym"),
        [
            (date(2026, 11, 24), "acme", "ex_1", old, "xacme-old"),
            (date(2026, 11, 24), "acme", "ex_1", "p1.other", "xother"),
        ],
    )
    assert same_person(warehouse, old) == [old, new] and same_person(warehouse, new) == [new, old]
    assert sorted(erase(warehouse, old, datetime(2026, 11, 24, 12, tzinfo=UTC))) == sorted([old, new])
    assert {r[0] for r in warehouse.query(f"SELECT visitor FROM {db}.suppressions")} >= {old, new}
    assert warehouse.query(f"SELECT partner_slug, export_id, pseudonym FROM {db}.export_removals") == [
        ("acme", "", "xacme-old")
    ]
    deadline = time.monotonic() + 30  # mutations are asynchronous on the 18.16 server
    while time.monotonic() < deadline:
        left = warehouse.query(f"SELECT count() FROM {db}.export_lists WHERE visitor IN ('{old}', '{new}')")[
            0
        ][0]
        links = warehouse.query(f"SELECT count() FROM {db}.visitor_links")[0][0]
        if (left, links) == (0, 0):
            break
        time.sleep(0.3)
    assert (left, links) == (0, 0)


def test_a_retry_arriving_after_a_restart_is_stored_once(warehouse, tmp_path):
    """The tag resends a beacon whose answer it did not get; meanwhile the drainer restarted and its
    memory of recent ids is new: it remembers the warehouse's latest events before its first load."""
    migrate(warehouse)
    now = datetime.now(UTC)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(50, when=now, prefix="retry"))
    SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 100, 0.01).drain()
    w.append(records(50, when=now, prefix="retry"))  # the same beacons, again
    w.append(records(5, when=now, prefix="fresh"))
    restarted = SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 100, 0.01)
    restarted.drain()
    assert count(warehouse) == (55, 55) and restarted.loader.stats.duplicates == 50
    w.close()


@pytest.mark.parametrize("damage", ["deleted", "garbled"])
def test_a_lost_checkpoint_replays_without_storing_anything_twice(warehouse, tmp_path, damage):
    migrate(warehouse)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 300, 10)  # small segments: a backlog of several
    for i in range(40):
        w.append(records(1, prefix=f"cp{i:03d}"))
    d = SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 7, 0.01)
    for _ in range(3):
        d.step()
    cp = w.dir / "checkpoint"
    cp.unlink() if damage == "deleted" else cp.write_bytes(b'{"segment": 1, "offs')
    again = SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 7, 0.01)
    again.loader.recent = type(again.loader.recent)()  # no memory at all: only the id check remains
    again.loader._warmed = True
    again.drain()
    assert count(warehouse) == (40, 40) and again.reader.checkpoint_resets == 1
    assert again.drain_stats.uncertain_batches > 0
    w.close()


def test_a_migration_interrupted_after_any_statement_is_finished_by_the_next_start(warehouse):
    """kill -9 after each statement of every migration (its statements applied up to there, its
    version not recorded): the next `migrate` finishes it, and the schema is the one of a clean run."""
    from artaud.warehouse.migrate import _qualify, statements

    wh = warehouse
    db = wh.database

    def schema() -> list[tuple[str, str, str]]:
        rows = wh.query(
            f"SELECT table, name, type FROM system.columns WHERE database = '{db}' ORDER BY table, name"
        )
        return [(str(t), str(n), str(ty)) for t, n, ty in rows]

    migrate(wh)
    clean = schema()
    every = load_migrations()
    cuts = [(m, i) for m in every for i in range(1, len(statements(m.up)) + 1)]
    assert len(cuts) >= len(every)
    for m, i in cuts:
        rollback_all(wh)
        migrate_until = [x for x in every if x.version < m.version]
        for x in migrate_until:
            for st in statements(x.up):
                wh.execute(_qualify(st, db))
        wh.execute(
            f"CREATE TABLE IF NOT EXISTS {db}.schema_migrations (version UInt32, name String, applied_at DateTime) ENGINE = TinyLog"
        )
        for x in migrate_until:
            wh.execute(
                f"INSERT INTO {db}.schema_migrations (version, name, applied_at) SELECT {x.version}, '{x.name}', now()"
            )
        for st in statements(m.up)[:i]:  # the interrupted migration: up to statement i
            wh.execute(_qualify(st, db))
        migrate(wh)  # the next start
        assert schema() == clean, f"interrupted in {m.version:04d}_{m.name} after statement {i}"
        assert applied(wh) == [x.version for x in every]


def test_retention_refuses_to_drop_anything_when_the_clock_is_implausibly_ahead(warehouse, tmp_path):
    migrate(warehouse)
    w = SpoolWriter(tmp_path / "spool", 10 << 20, 1 << 20, 10)
    w.append(records(3, when=datetime(2024, 1, 5, tzinfo=UTC), prefix="old"))
    w.append(records(4, when=datetime(2026, 11, 1, tzinfo=UTC), prefix="new"))
    SpoolDrainer(SpoolReader(tmp_path / "spool"), warehouse, 100, 0.01).drain()
    assert enforce(warehouse, date(2031, 6, 1), 25) == []  # a clock years ahead: nothing dropped
    assert count(warehouse) == (7, 7)
    assert enforce(warehouse, date(2026, 11, 29), 25) == ["202401"]
    w.close()


def test_consent_proofs_leave_by_their_own_period_and_events_by_theirs(warehouse):
    """Consent records (no identifier) are dropped whole months at a time past their period, which
    is longer than the events'; the events' retention leaves them alone, and theirs leaves events."""
    migrate(warehouse)
    db = warehouse.database

    warehouse.insert_consents(
        [consent_proof("2021-10-05"), consent_proof("2021-12-01"), consent_proof("2026-11-20")]
    )
    warehouse.insert_events([json.loads(r) for r in records(2, when=datetime(2026, 11, 20, tzinfo=UTC))], "t")
    today = date(2026, 11, 29)
    assert enforce(warehouse, today, 25) == []  # events: nothing that old
    assert enforce(warehouse, today, 60, "consent_records", "record_date") == ["202110"]
    left = warehouse.query(f"SELECT consent_id FROM {db}.consent_records ORDER BY consent_id")
    assert [r[0] for r in left] == ["c-2021-12-01", "c-2026-11-20"]  # 60 months: Dec 2021 on
    assert count(warehouse) == (2, 2)
    with pytest.raises(ValueError):
        enforce(warehouse, today, 1, "segment_members", "built_on")
