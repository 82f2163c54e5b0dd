"""One interface over embedded ClickHouse (chdb) and a ClickHouse server (clickhouse-driver).

SQL sent through it must be accepted by both chdb 26.x and clickhouse-server 18.16.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from artaud.errors import Unavailable
from artaud.warehouse.columns import COLUMNS, CONSENT_COLUMNS, CONSENT_TYPES, DEFAULTS, TYPES, consent_row
from artaud.warehouse.sql import identifier


class WarehouseError(Unavailable):
    code = "warehouse_unavailable"


class Warehouse(Protocol):
    database: str  # a plain name (`sql.identifier`): statements write `{database}.table` unquoted

    def execute(self, sql: str) -> None: ...

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def insert_events(self, rows: Sequence[dict[str, Any]], token: str) -> None: ...

    def insert_consents(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Rows of Python values (str, int, float, naive datetime, date) into `table`'s `columns`."""
        ...

    def close(self) -> None: ...


def _py(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return value


class ChdbWarehouse:
    """Embedded ClickHouse in a data directory owned by this process."""

    def __init__(self, path: Path, database: str) -> None:
        from chdb import session

        self.database = identifier(database)
        path.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        session_cls: Any = session.Session
        try:
            self._sess: Any = session_cls(str(path))
            self._sess.query(f"CREATE DATABASE IF NOT EXISTS {database}")
        except Exception as exc:
            raise WarehouseError(
                f"embedded ClickHouse at {path} cannot be opened (is another process using it?): "
                f"{str(exc).splitlines()[0][:300]}"
            ) from exc

    def _run(self, sql: str, fmt: str = "CSV") -> Any:
        with self._lock:
            try:
                return self._sess.query(sql, fmt)
            except Exception as exc:
                raise WarehouseError(str(exc).splitlines()[0][:500]) from exc

    def execute(self, sql: str) -> None:
        self._run(sql)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        res = self._run(sql, "JSONCompact")
        text = res.bytes().decode() if hasattr(res, "bytes") else str(res)
        if not text.strip():
            return []
        return [tuple(r) for r in json.loads(text)["data"]]

    def insert_events(self, rows: Sequence[dict[str, Any]], token: str) -> None:
        lines = "\n".join(json.dumps({**r, "ingest_token": token}, ensure_ascii=False) for r in rows)
        self._run(f"INSERT INTO {self.database}.events FORMAT JSONEachRow\n{lines}\n")

    def insert_consents(self, rows: Sequence[dict[str, Any]]) -> None:
        rows = [consent_row(r) for r in rows]
        lines = "\n".join(json.dumps({k: r[k] for k in CONSENT_COLUMNS}, ensure_ascii=False) for r in rows)
        self._run(f"INSERT INTO {self.database}.consent_records FORMAT JSONEachRow\n{lines}\n")

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        lines = "\n".join(
            json.dumps({c: _py(v) for c, v in zip(columns, r, strict=True)}, ensure_ascii=False) for r in rows
        )
        self._run(f"INSERT INTO {self.database}.{table} FORMAT JSONEachRow\n{lines}\n")

    def close(self) -> None:
        with self._lock:
            self._sess.close()


class ServerWarehouse:
    """A ClickHouse server over the native protocol; columnar inserts."""

    def __init__(
        self, host: str, port: int, database: str, user: str = "default", password: str = ""
    ) -> None:
        from clickhouse_driver import Client

        self.database = identifier(database)
        self._lock = threading.Lock()
        boot = Client(host=host, port=port, user=user, password=password, connect_timeout=5)
        try:
            boot.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        except Exception as exc:
            raise WarehouseError(f"ClickHouse server {host}:{port} unreachable: {exc}") from exc
        finally:
            boot.disconnect()
        self._client = Client(
            host=host,
            port=port,
            user=user,
            password=password,
            database=database,
            connect_timeout=5,
            send_receive_timeout=60,
        )

    def execute(self, sql: str) -> None:
        with self._lock:
            try:
                self._client.execute(sql)
            except Exception as exc:
                raise WarehouseError(str(exc).splitlines()[0][:500]) from exc

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                rows = self._client.execute(sql)
            except Exception as exc:
                raise WarehouseError(str(exc).splitlines()[0][:500]) from exc
        return [tuple(_py(v) for v in r) for r in rows]

    def insert_events(self, rows: Sequence[dict[str, Any]], token: str) -> None:
        cols: list[list[Any]] = []
        for name in COLUMNS:
            conv = TYPES[name]
            if name == "ingest_token":
                cols.append([token] * len(rows))
            elif name in DEFAULTS:
                cols.append([conv(r.get(name, DEFAULTS[name])) for r in rows])
            else:
                cols.append([conv(r[name]) for r in rows])
        self._insert_columns("events", COLUMNS, cols)

    def insert_consents(self, rows: Sequence[dict[str, Any]]) -> None:
        rows = [consent_row(r) for r in rows]
        cols = [[CONSENT_TYPES[name](r[name]) for r in rows] for name in CONSENT_COLUMNS]
        self._insert_columns("consent_records", CONSENT_COLUMNS, cols)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        self._insert_columns(table, columns, [list(col) for col in zip(*rows, strict=True)])

    def _insert_columns(self, table: str, names: Sequence[str], cols: list[list[Any]]) -> None:
        with self._lock:
            try:
                self._client.execute(
                    f"INSERT INTO {self.database}.{table} ({', '.join(names)}) VALUES",
                    cols,
                    columnar=True,
                    types_check=False,
                )
            except Exception as exc:
                raise WarehouseError(str(exc).splitlines()[0][:500]) from exc

    def close(self) -> None:
        with self._lock:
            self._client.disconnect()
