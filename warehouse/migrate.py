"""Numbered, reversible SQL migrations for ClickHouse; applied state in `schema_migrations`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from artaud.warehouse.backend import Warehouse
from artaud.warehouse.sql import integer, quote

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class SqlMigration:
    version: int
    name: str
    up: str
    down: str


def load_migrations() -> list[SqlMigration]:
    out = []
    for entry in resources.files("artaud.warehouse").joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if not m:
            continue
        text = entry.read_text(encoding="utf-8")
        up, sep, down = text.partition("-- down")
        if not sep or "-- up" not in up:
            raise ValueError(f"{entry.name}: needs '-- up' and '-- down' sections")
        up = up.split("-- up", 1)[1]
        out.append(SqlMigration(int(m.group(1)), m.group(2), _strip(up), _strip(down)))
    out.sort(key=lambda m: m.version)
    versions = [m.version for m in out]
    if versions != list(range(1, len(out) + 1)):
        raise ValueError(f"migrations must be numbered 1..n without gaps, got {versions}")
    return out


def _strip(sql: str) -> str:
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")


def _ensure_table(wh: Warehouse) -> None:
    wh.execute(
        f"CREATE TABLE IF NOT EXISTS {wh.database}.schema_migrations "
        "(version UInt32, name String, applied_at DateTime) ENGINE = TinyLog"
    )


def applied(wh: Warehouse) -> list[int]:
    _ensure_table(wh)
    rows = wh.query(f"SELECT version FROM {wh.database}.schema_migrations ORDER BY version")
    return [int(r[0]) for r in rows]


def migrate(wh: Warehouse) -> list[int]:
    """Apply every migration not yet applied, in order."""
    done = set(applied(wh))
    changed = []
    for m in load_migrations():
        if m.version in done:
            continue
        for statement in statements(m.up):
            if not already_done(wh, statement):
                wh.execute(_qualify(statement, wh.database))
        wh.execute(
            f"INSERT INTO {wh.database}.schema_migrations (version, name, applied_at) "
            f"SELECT {integer(m.version)}, {quote(m.name)}, now()"
        )
        changed.append(m.version)
    return changed


def rollback_all(wh: Warehouse) -> None:
    """Revert every applied migration (tests and disposable environments only)."""
    done = set(applied(wh))
    for m in reversed(load_migrations()):
        if m.version in done:
            for statement in statements(m.down):
                if not already_done(wh, statement):
                    wh.execute(_qualify(statement, wh.database))
    wh.execute(f"DROP TABLE IF EXISTS {wh.database}.schema_migrations")


_COLUMN = re.compile(r"^ALTER\s+TABLE\s+(\w+)\s+(ADD|DROP)\s+COLUMN\s+(\w+)", re.I)


def already_done(wh: Warehouse, statement: str) -> bool:
    """Whether a column change is already in place: ClickHouse 18.16 has no `ADD COLUMN IF NOT
    EXISTS`, and a migration interrupted after one of its statements is applied again whole (an
    `ADD COLUMN` run twice failed with DUPLICATE_COLUMN, and every later start with it)."""
    found = _COLUMN.match(statement.strip())
    if found is None:
        return False
    table, action, column = found.groups()
    [(n,)] = wh.query(
        f"SELECT count() FROM system.columns WHERE database = {quote(wh.database)} AND table = {quote(table)} "
        f"AND name = {quote(column)}"
    )
    return (int(n) > 0) == (action.upper() == "ADD")


def statements(sql: str) -> list[str]:
    """A migration's statements: separated by a `;` at the end of a line (idempotent DDL, so a
    migration interrupted half-way is applied again whole)."""
    return [s.strip() for s in re.split(r";\s*\n", sql) if s.strip()]


def _qualify(sql: str, database: str) -> str:
    return re.sub(
        r"\b(TABLE(?: IF NOT EXISTS| IF EXISTS)?)\s+(?!\w+\.)(\w+)", rf"\1 {database}.\2", sql, count=1
    )
