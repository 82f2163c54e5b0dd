"""The console over a real control plane (SQLite) and embedded ClickHouse, with its real security
bundle (tests/admin/helpers.py): two cinemas, three events at the first, and an operator account."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from artaud.admin.web import create_admin
from artaud.config.settings import load
from artaud.controlplane.model import make_cinema
from artaud.controlplane.store import ControlPlane
from artaud.jobs import console_system
from artaud.segments.builder import SegmentBuilder
from artaud.segments.definitions import load_segments
from artaud.segments.guards import GuardPolicy
from artaud.segments.release import NoisePolicy
from artaud.segments.rules import CinemaInfo
from artaud.warehouse.backend import ChdbWarehouse
from artaud.warehouse.migrate import migrate
from tests.admin.helpers import Kit, make_kit
from tests.warehouse.helpers import records


@pytest.fixture
def kit(tmp_path) -> Iterator[Kit]:
    cp = ControlPlane(f"sqlite:///{tmp_path / 'control.sqlite'}")
    cp.migrate()
    [cinema, _] = cp.add_cinemas(
        [
            make_cinema(
                cnc_id="9990001", name="Le Méliès", town="Montreuil", category="A", domains="a.example"
            ),
            make_cinema(
                cnc_id="9990002", name="Le Zola", town="Villeurbanne", category="B", domains="b.example"
            ),
        ]
    )
    wh = ChdbWarehouse(tmp_path / "chdb", "artaud")
    migrate(wh)
    rows = [json.loads(r) for r in records(3, cinema=cinema.id or 0, prefix="recent")]
    wh.insert_events(rows, "t1")
    cinemas = [CinemaInfo(cinema.id or 0, "A", (), True)]
    builder = SegmentBuilder(
        wh,
        lambda: cinemas,
        load_segments(),
        GuardPolicy(k=2, min_cinemas=1, max_cinema_share=1, credible_days=1),
        noise=NoisePolicy(delta=0.5),
        draw=lambda n: n,
    )
    kit = make_kit(cp, tmp_path)
    kit.app = app = create_admin(
        cp,
        wh,
        lambda: {"rows": 3, "backlog_bytes": 0},
        kit.console,
        segments=builder,
        collector_url="https://collecte.test",
        system=console_system(load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path)})),
    )
    kit.wh = wh
    kit.account("ops", "operator")
    try:
        yield kit
    finally:
        try:
            runner = app.extensions.get("artaud.segment_builds")
            if runner is not None:
                runner.wait()  # a build the test started ends first
        finally:
            wh.close()  # the embedded ClickHouse is one per process: never left open
            cp.close()
