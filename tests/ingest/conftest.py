"""State stores for the ingester's tests: in memory, and in the control plane's real SQL databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from artaud.controlplane.migrations import migrate
from artaud.controlplane.store import ControlPlane
from artaud.ingest.sql_state import SqlStateStore
from artaud.ingest.state import InMemoryStateStore, OffsetStateStore


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    from artaud_devkit.testing.servers import PostgresServer

    with PostgresServer() as pg:
        yield pg.dsn


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Iterator[OffsetStateStore]:
    if request.param == "memory":
        yield InMemoryStateStore()
        return
    url = (
        f"sqlite:///{tmp_path / 'control.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres")
    )
    cp = ControlPlane(url)  # the table is the control plane's (its migration 3)
    migrate(cp.engine, target=0)
    cp.migrate()
    yield SqlStateStore(cp.engine)
    migrate(cp.engine, target=0)
    cp.close()
