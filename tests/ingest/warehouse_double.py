"""The `Warehouse` interface over an in-memory SQLite database, for the ingester's unit tests.

The loader's own SQL runs on it unchanged (its lookups by batch token and by event id are plain
SELECTs that SQLite answers), so the deduplication under test is the real path's, not a stand-in.
Unlike ClickHouse's ReplacingMergeTree nothing ever collapses: every inserted row stays, so a row
stored twice shows. The loader quotes strings the ClickHouse way (backslash escapes): event ids in
these tests carry no quote.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from artaud.warehouse.backend import WarehouseError
from artaud.warehouse.columns import COLUMNS, CONSENT_COLUMNS, DEFAULTS, consent_row
from artaud.warehouse.loader import LINK_COLUMNS, SUPPRESSION_COLUMNS


def _value(v: Any) -> Any:
    return v.isoformat(sep=" ") if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v


class SqliteWarehouse:
    def __init__(self, database: str = "artaud") -> None:
        self.database = database
        # one connection, used by whichever thread inserts (the tests serialise them)
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.execute(f"ATTACH DATABASE ':memory:' AS {database}")
        for table, columns in (
            ("events", COLUMNS),
            ("consent_records", CONSENT_COLUMNS),
            ("suppressions", SUPPRESSION_COLUMNS),
            ("visitor_links", LINK_COLUMNS),
        ):
            self.conn.execute(f"CREATE TABLE {database}.{table} ({', '.join(columns)})")
        self.fail_inserts = 0  # the next inserts of events raise, as if the server were down
        self.before_insert: Callable[[str], None] = lambda token: None
        self.after_insert: Callable[[str], None] = lambda token: None
        self.tokens: list[str] = []  # each insert of events that landed, in order

    def execute(self, sql: str) -> None:
        self.conn.execute(sql.replace("{db}", self.database))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(sql.replace("{db}", self.database))]

    def insert_events(self, rows: Sequence[dict[str, Any]], token: str) -> None:
        self.before_insert(token)
        if self.fail_inserts:
            self.fail_inserts -= 1
            raise WarehouseError("Connection refused (double)")
        values = [
            [token if c == "ingest_token" else r.get(c, DEFAULTS.get(c)) for c in COLUMNS] for r in rows
        ]
        self._insert("events", COLUMNS, values)  # one transaction: an insert lands whole or not at all
        self.tokens.append(token)
        self.after_insert(token)

    def insert_consents(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert(
            "consent_records", CONSENT_COLUMNS, [[consent_row(r)[c] for c in CONSENT_COLUMNS] for r in rows]
        )

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self._insert(table, columns, [[_value(v) for v in r] for r in rows])

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        with self.conn:
            self.conn.executemany(
                f"INSERT INTO {self.database}.{table} ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def close(self) -> None:
        self.conn.close()

    # -- what the tests look at ------------------------------------------------------------
    def stored(self) -> Counter[str]:
        """How many times each event id was stored."""
        return Counter(r[0] for r in self.conn.execute(f"SELECT event_id FROM {self.database}.events"))

    def rows_with_token(self, token: str) -> int:
        q = f"SELECT count(*) FROM {self.database}.events WHERE ingest_token = ?"
        return int(self.conn.execute(q, (token,)).fetchone()[0])

    def table(self, name: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.conn.execute(f"SELECT * FROM {self.database}.{name}")]
