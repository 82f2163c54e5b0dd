"""The control plane's real SQL databases: a SQLite file and PostgreSQL (started by the tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from artaud.controlplane.migrations import migrate
from artaud.controlplane.store import ControlPlane


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    from artaud_devkit.testing.servers import PostgresServer

    with PostgresServer() as pg:
        yield pg.dsn


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cp(request, tmp_path) -> Iterator[ControlPlane]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'control.sqlite'}"
    else:
        url = request.getfixturevalue("postgres")
    store = ControlPlane(url)
    migrate(store.engine, target=0)
    store.migrate()
    yield store
    migrate(store.engine, target=0)
    store.close()
