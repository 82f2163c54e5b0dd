"""Shared fixtures. Services (ClickHouse server, PostgreSQL) are started by the tests that need them."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from artaud.collector.agents import AgentClassifier
from artaud.collector.app import CollectorApp, CollectorConfig
from artaud.collector.geo import CidrTable
from artaud.collector.metrics import CollectorMetrics
from artaud.collector.pseudonym import Pseudonymiser
from artaud.collector.salts import SaltStore
from artaud.collector.sink import InMemorySink
from artaud.collector.sites import Site, StaticSites
from artaud.config.settings import load
from artaud.controlplane import schema
from artaud.controlplane.store import ControlPlane

os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

# Speed is measured in bench/, never asserted by a test: hypothesis's per-example deadline turned a
# busy machine into failures ("Flaky"/DeadlineExceeded) that said nothing about the code.
settings.register_profile("artaud", deadline=None, print_blob=True)
settings.load_profile("artaud")

ROOT = Path(__file__).resolve().parent.parent
# the repository's source folders ship as artaud.<folder> (runtime/ is artaud itself, devkit/ is
# artaud_devkit); the working directory is on sys.path under `python -m pytest`, so a stray
# `import collector` would load a second copy of a module under another name
SOURCE_FOLDERS = frozenset(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()) - {"tests"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stray = sorted(name for name in sys.modules if name.split(".")[0] in SOURCE_FOLDERS)
    if stray:
        print(f"\nmodules imported outside the artaud namespace: {', '.join(stray[:10])}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


SITE_KEY = "sk_testcinema0001"
OTHER_KEY = "sk_testcinema0002"
SUSPENDED_KEY = "sk_suspended00001"
SITES = {
    SITE_KEY: Site(
        cinema_id=1, cnc_id="0000001", domains=("cinema-test.example", "billetterie.example"), active=True
    ),
    OTHER_KEY: Site(cinema_id=2, cnc_id="0000002", domains=("autre.example",), active=True),
    SUSPENDED_KEY: Site(cinema_id=3, cnc_id="0000003", domains=("ferme.example",), active=False),
}


def make_app(tmp: Path, sink: InMemorySink | None = None, clock: float | None = None) -> CollectorApp:
    kwargs = {} if clock is None else {"clock": lambda: clock}
    return CollectorApp(
        config=CollectorConfig.of(load(env={}), max_body_bytes=4096, max_events_per_batch=10),
        sites=StaticSites(SITES),
        sink=sink if sink is not None else InMemorySink(),
        pseudonymiser=Pseudonymiser(secrets.token_bytes(32), 1),
        salts=SaltStore(tmp / "salts"),
        agents=AgentClassifier(cache_size=1000, background=False),
        regions=CidrTable([("10.11.0.0/16", "FR-IDF"), ("2001:db8::/32", "FR-BRE")]),
        metrics=CollectorMetrics(),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def sink() -> InMemorySink:
    return InMemorySink()


@pytest.fixture
def app(tmp_path: Path, sink: InMemorySink) -> CollectorApp:
    return make_app(tmp_path, sink)


@pytest.fixture(scope="session")
def clickhouse_server() -> Iterator[object]:
    """One real ClickHouse server (Debian's 18.16) for the whole session."""
    from artaud_devkit.testing.servers import ClickHouseServer

    server = ClickHouseServer().start()
    yield server
    server.close()


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """The same tests on embedded ClickHouse (chdb 26.x) and on the ClickHouse 18.16 server."""
    from artaud.warehouse.backend import ChdbWarehouse, ServerWarehouse

    db = "t_" + secrets.token_hex(4)
    if request.param == "chdb":
        wh: object = ChdbWarehouse(tmp_path / "chdb", db)
    else:
        server = request.getfixturevalue("clickhouse_server")
        wh = ServerWarehouse(server.host, server.tcp_port, db)
    yield wh
    if request.param == "server":
        wh.execute(f"DROP DATABASE IF EXISTS {db}")  # type: ignore[attr-defined]
    wh.close()  # type: ignore[attr-defined]


TCF_REFERENCE_COUNT = 1200


@pytest.fixture(scope="session")
def reference() -> list[dict[str, object]]:
    """TC strings generated and decoded by the IAB's @iabtechlabtcf/core (tests/js/tcf_reference.mjs)."""
    import json
    import subprocess

    js = Path(__file__).resolve().parent / "js"
    out = subprocess.run(
        ["node", "tcf_reference.mjs", str(TCF_REFERENCE_COUNT), "20261123"],
        cwd=js,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:] + "\n(run: cd tests/js && npm ci)"
    return [json.loads(line) for line in out.stdout.splitlines()]


# The control plane's real SQL databases (the cinemas', partners' and ingesters' records): a SQLite
# file and PostgreSQL (started by the tests).
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
    # a clean database for each test (PostgreSQL's is shared by a module): dropped, not migrated
    # down, since the down steps of the ledger and the bank details refuse while they hold records
    schema.metadata.drop_all(store.engine)
    store.migrate()
    yield store
    schema.metadata.drop_all(store.engine)
    store.close()
