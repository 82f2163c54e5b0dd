"""Numbered, reversible migrations of the control plane; applied state kept in a table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text

from artaud.controlplane import schema


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Callable[[Connection], None]
    down: Callable[[Connection], None]


def _create(*tables: str) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        for t in tables:
            schema.metadata.tables[t].create(conn)

    return run


def _drop(*tables: str) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        for t in reversed(tables):
            schema.metadata.tables[t].drop(conn)

    return run


def _add_columns(*columns: tuple[str, str]) -> Callable[[Connection], None]:
    """ALTER TABLE … ADD COLUMN for columns declared in `schema` (each skipped if already there, so a
    migration interrupted between two statements runs again cleanly)."""

    def run(conn: Connection) -> None:
        for table, name in columns:
            if name in {c["name"] for c in inspect(conn).get_columns(table)}:
                continue
            column = schema.metadata.tables[table].c[name]
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))

    return run


def _drop_columns(*columns: tuple[str, str]) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        for table, name in reversed(columns):
            if name in {c["name"] for c in inspect(conn).get_columns(table)}:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))

    return run


def _then(*steps: Callable[[Connection], None]) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        for step in steps:
            step(conn)

    return run


def _immutable(*tables: str) -> Callable[[Connection], None]:
    """Triggers that refuse any UPDATE or DELETE of the tables' rows (and, on PostgreSQL, TRUNCATE),
    on SQLite and PostgreSQL: the records stay as written whatever code, or person, runs against the
    database. A correction is a new record (a reversal, in the ledger)."""

    def run(conn: Connection) -> None:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION artaud_immutable() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'these records are immutable (ledger: book a reversal)'; END $$"
                )
            )
        for t in tables:
            for op in ("UPDATE", "DELETE") + (("TRUNCATE",) if pg else ()):
                name = f"{t}_no_{op.lower()}"
                if pg:
                    each = "STATEMENT" if op == "TRUNCATE" else "ROW"
                    conn.execute(
                        text(
                            f"CREATE TRIGGER {name} BEFORE {op} ON {t} FOR EACH {each} EXECUTE FUNCTION artaud_immutable()"
                        )
                    )
                else:
                    conn.execute(
                        text(
                            f"CREATE TRIGGER {name} BEFORE {op} ON {t} BEGIN "
                            "SELECT RAISE(ABORT, 'these records are immutable (ledger: book a reversal)'); END"
                        )
                    )

    return run


def _mutable(*tables: str, last: bool = False) -> Callable[[Connection], None]:
    """Drop what `_immutable` made; `last`: also the PostgreSQL function (the first migration that
    made it drops it, after every later one dropped its triggers)."""

    def run(conn: Connection) -> None:
        pg = conn.dialect.name == "postgresql"
        for t in tables:
            for op in ("update", "delete") + (("truncate",) if pg else ()):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_{op}{f' ON {t}' if pg else ''}"))
        if pg and last:
            conn.execute(text("DROP FUNCTION IF EXISTS artaud_immutable()"))

    return run


def _empty(*tables: str) -> Callable[[Connection], None]:
    """Refuse to go down past a migration whose tables hold records (the ledger, bank details):
    rolling back the schema must never be the way such records disappear."""

    def run(conn: Connection) -> None:
        for t in tables:
            if conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None:  # noqa: S608 - our table names
                raise RuntimeError(
                    f"table {t} holds records: this migration is not undone (export them first)"
                )

    return run


def _one_row(table: str) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        conn.execute(schema.metadata.tables[table].insert().values(id=1, bookings=0))

    return run


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "cinemas and partners", _create("cinemas", "partners"), _drop("cinemas", "partners")),
    Migration(2, "key metadata", _create("key_versions"), _drop("key_versions")),
    Migration(3, "ingester offset ranges", _create("ingest_state"), _drop("ingest_state")),
    Migration(
        4,
        "partner keys, policies, exports and audit log",
        _create("partner_policies", "partner_keys", "exports", "audit_log"),
        _drop("partner_policies", "partner_keys", "exports", "audit_log"),
    ),
    Migration(5, "partner ID sync URLs", _create("partner_sync"), _drop("partner_sync")),
    Migration(
        6,
        "exports pinned to a partner key version, withdrawals; keys with an expiry",
        _add_columns(("exports", "key_version"), ("exports", "withdrawn_at"), ("partner_keys", "expires_at")),
        _drop_columns(
            ("exports", "key_version"), ("exports", "withdrawn_at"), ("partner_keys", "expires_at")
        ),
    ),
    Migration(7, "distributors' campaigns", _create("campaigns"), _drop("campaigns")),
    Migration(
        8,
        "campaigns' delivered exports, delivery reports and frozen contributions",
        _then(
            _create("campaign_exports", "campaign_reports", "campaign_freezes", "campaign_contributions"),
            _immutable("campaign_freezes", "campaign_contributions"),
        ),
        _then(
            _empty("campaign_freezes"),
            _mutable("campaign_freezes", "campaign_contributions", last=True),
            _drop("campaign_exports", "campaign_reports", "campaign_freezes", "campaign_contributions"),
        ),
    ),
    Migration(
        9,
        "the remuneration ledger: immutable batches and transfers, and the lock that orders bookings",
        _then(
            _create("ledger_batches", "ledger_transfers", "ledger_lock"),
            _immutable("ledger_batches", "ledger_transfers"),
            _one_row("ledger_lock"),
        ),
        _then(
            _empty("ledger_batches"),
            _mutable("ledger_batches", "ledger_transfers"),
            _drop("ledger_batches", "ledger_transfers", "ledger_lock"),
        ),
    ),
    Migration(
        10,
        "cinemas' bank details, encrypted",
        _create("bank_accounts"),
        _then(_empty("bank_accounts"), _drop("bank_accounts")),
    ),
    Migration(
        11,
        "the console's accounts, sessions, API tokens and audit log",
        _create("console_users", "console_sessions", "console_tokens", "console_audit"),
        _drop("console_users", "console_sessions", "console_tokens", "console_audit"),
    ),
    Migration(
        12,
        "the register of erasure requests",
        _create("erasure_requests"),
        _then(_empty("erasure_requests"), _drop("erasure_requests")),
    ),
    Migration(13, "scheduled jobs' runs", _create("job_runs"), _drop("job_runs")),
)


def applied(engine: Engine) -> list[int]:
    if not inspect(engine).has_table("schema_migrations"):
        return []
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(schema.schema_migrations.c.version))]


def migrate(engine: Engine, target: int | None = None) -> list[int]:
    """Apply (or revert down to `target`) migrations, each in its own transaction."""
    schema.schema_migrations.create(engine, checkfirst=True)
    done = set(applied(engine))
    top = max(m.version for m in MIGRATIONS) if target is None else target
    changed: list[int] = []
    for m in sorted(MIGRATIONS, key=lambda m: m.version):  # in order, whatever order they were listed
        if m.version <= top and m.version not in done:
            with engine.begin() as conn:
                m.up(conn)
                conn.execute(
                    schema.schema_migrations.insert().values(
                        version=m.version, name=m.name, applied_at=datetime.now(UTC)
                    )
                )
            changed.append(m.version)
    for m in sorted(MIGRATIONS, key=lambda m: -m.version):
        if m.version > top and m.version in done:
            with engine.begin() as conn:
                m.down(conn)
                conn.execute(
                    schema.schema_migrations.delete().where(schema.schema_migrations.c.version == m.version)
                )
            changed.append(-m.version)
    return changed
