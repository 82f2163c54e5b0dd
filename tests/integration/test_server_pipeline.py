"""`artaud run` with the ClickHouse server backend (Debian's 18.16) over real HTTP."""

from __future__ import annotations

import io
import secrets
import urllib.request

import pytest

from artaud_devkit.simulator.run import SimConfig, simulate
from artaud_devkit.testing.app_process import ArtaudProcess
from tests.integration.client import HitClient

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_hits_reach_the_clickhouse_server_exactly_once(tmp_path, clickhouse_server):
    db = "it_" + secrets.token_hex(4)
    svc = ArtaudProcess(
        tmp_path / "data",
        extra_env={
            "ARTAUD_WAREHOUSE__BACKEND": "server",
            "ARTAUD_WAREHOUSE__HOST": clickhouse_server.host,
            "ARTAUD_WAREHOUSE__PORT": str(clickhouse_server.tcp_port),
            "ARTAUD_WAREHOUSE__DATABASE": db,
        },
    ).start()
    try:
        site = svc.sites()[1]
        host = site["domains"][0]
        client = HitClient(svc.url)
        for i in range(10):
            assert (
                client.beacon(
                    site["site_key"],
                    host,
                    [
                        {
                            "n": "view_item",
                            "u": f"https://{host}/films/x",
                            "film": "la-chimere",
                            "i": f"server-evt-{i:04d}",
                        }
                    ],
                    visitor="visitor-abcdef12",
                    consent="measure,pool",
                )[0]
                == 204
            )
        client.close()
        out = io.StringIO()
        assert (
            simulate(
                SimConfig(
                    svc.url, svc.admin_url, admin_token=svc.admin_token, rate=100, duration=3, concurrency=4
                ),
                out=out,
            )
            == 0
        ), out.getvalue()
        page = (
            urllib.request.urlopen(svc.admin_url + "/", timeout=10).read().decode()
        )  # the console's queries
        assert "Audience mutualisée" in page
    finally:
        assert svc.stop() == 0
    c = clickhouse_server.client()
    rows = c.execute(
        f"SELECT event_id, track, visitor, film_key FROM {db}.events WHERE event_id LIKE 'server-evt-%'"
    )
    assert len(rows) == 10 and {r[1] for r in rows} == {"pooled"} and {r[3] for r in rows} == {"la-chimere"}
    assert all(r[2].startswith("p1.") for r in rows)
    [(n, u)] = c.execute(f"SELECT count(), uniqExact(event_id) FROM {db}.events")
    assert n == u
    c.execute(f"DROP DATABASE {db}")
