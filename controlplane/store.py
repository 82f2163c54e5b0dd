"""SQL implementation of the control plane (SQLite by default, PostgreSQL supported)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError

from artaud.controlplane import schema
from artaud.controlplane.migrations import migrate
from artaud.controlplane.model import Cinema
from artaud.errors import Conflict


class DuplicateCinema(Conflict):
    """A cinema with this CNC number or site key already exists."""

    code = "duplicate_cinema"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _row_to_cinema(row: Any) -> Cinema:
    return Cinema(
        id=row.id,
        cnc_id=row.cnc_id,
        name=row.name,
        town=row.town,
        category=row.category,
        labels=tuple(x for x in row.labels.split(",") if x),
        domains=tuple(x for x in row.domains.split(",") if x),
        site_key=row.site_key,
        status=row.status,
    )


class ControlPlane:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def migrate(self) -> list[int]:
        return migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- cinemas ------------------------------------------------------------
    def add_cinema(self, cinema: Cinema) -> Cinema:
        now = datetime.now(UTC)
        values = {
            "cnc_id": cinema.cnc_id,
            "name": cinema.name,
            "town": cinema.town,
            "category": cinema.category,
            "labels": ",".join(cinema.labels),
            "domains": ",".join(cinema.domains),
            "site_key": cinema.site_key,
            "status": cinema.status,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(schema.cinemas.insert().values(**values)).inserted_primary_key
        except IntegrityError as exc:
            raise DuplicateCinema(
                f"a cinema with CNC number {cinema.cnc_id} or the same site key exists"
            ) from exc
        assert new_id is not None
        return Cinema(**{**cinema.__dict__, "id": int(new_id[0])})

    def add_cinemas(self, cinemas: Iterable[Cinema]) -> list[Cinema]:
        """Insert all in one transaction (all or nothing)."""
        out: list[Cinema] = []
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                for c in cinemas:
                    res = conn.execute(
                        schema.cinemas.insert().values(
                            cnc_id=c.cnc_id,
                            name=c.name,
                            town=c.town,
                            category=c.category,
                            labels=",".join(c.labels),
                            domains=",".join(c.domains),
                            site_key=c.site_key,
                            status=c.status,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    assert res.inserted_primary_key is not None
                    out.append(Cinema(**{**c.__dict__, "id": int(res.inserted_primary_key[0])}))
        except IntegrityError as exc:
            raise DuplicateCinema(
                "a cinema in the batch already exists (same CNC number or site key)"
            ) from exc
        return out

    def cinemas(self) -> list[Cinema]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.cinemas).order_by(schema.cinemas.c.id))
            return [_row_to_cinema(r) for r in rows]

    def cinema_by_cnc(self, cnc_id: str) -> Cinema | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(schema.cinemas).where(schema.cinemas.c.cnc_id == cnc_id.zfill(7))
            ).first()
            return None if row is None else _row_to_cinema(row)

    def existing_cnc_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(schema.cinemas.c.cnc_id))}

    def set_status(self, cnc_id: str, status: str) -> bool:
        with self.engine.begin() as conn:
            res = conn.execute(
                schema.cinemas.update()
                .where(schema.cinemas.c.cnc_id == cnc_id.zfill(7))
                .values(status=status, updated_at=datetime.now(UTC))
            )
            return bool(res.rowcount)

    def count_cinemas(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.cinemas)).scalar_one())

    # -- key metadata -------------------------------------------------------
    def sync_key_versions(self, metas: Iterable[tuple[str, int, str, str | None, bool]]) -> None:
        """Mirror the key ring's metadata (never key material) for the console and audits."""
        with self.engine.begin() as conn:
            conn.execute(schema.key_versions.delete())
            for purpose, version, created, retire, destroyed in metas:
                conn.execute(
                    schema.key_versions.insert().values(
                        purpose=purpose,
                        version=version,
                        created_at=created,
                        retire_after=retire,
                        destroyed=destroyed,
                    )
                )

    def key_versions(self) -> list[tuple[str, int, bool]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    schema.key_versions.c.purpose,
                    schema.key_versions.c.version,
                    schema.key_versions.c.destroyed,
                )
            )
            return [(r[0], int(r[1]), bool(r[2])) for r in rows]
