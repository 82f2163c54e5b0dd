"""Numbered, reversible migrations of the control plane; applied state kept in a table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from controlplane import schema


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
    for m in MIGRATIONS:
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
