"""New identifiers per network and site (collector/idlimit.py): crafted identifiers posted from one
network stop joining the pooled audience."""

from __future__ import annotations

import json

from werkzeug.test import Client

from artaud.collector.app import CollectorConfig
from artaud.collector.idlimit import NewIdLimit
from artaud.collector.sink import InMemorySink
from artaud.config.settings import load
from tests.collector.test_app import ORIGIN, UA, records
from tests.conftest import SITE_KEY, make_app


def test_a_network_brings_at_most_so_many_new_identifiers_an_hour():
    now = [0.0]
    limit = NewIdLimit(3, clock=lambda: now[0])
    assert [limit.allow("net-a", f"id{i}") for i in range(5)] == [True, True, True, False, False]
    assert limit.allow("net-a", "id1")  # one already counted comes back freely
    assert limit.allow("net-b", "id9")  # another network has its own count
    now[0] = 3600  # the next hour
    assert limit.allow("net-a", "id4")
    assert NewIdLimit(0).allow("x", "y")  # 0: no limit
    dry = NewIdLimit(1, clock=lambda: now[0])
    assert dry.allow("net-c", "a", spend=False) and dry.allow("net-c", "b", spend=False)  # nothing spent
    assert dry.allow("net-c", "a") and not dry.allow("net-c", "b", spend=False)  # answers as allow would


def test_crafted_identifiers_from_one_network_go_to_the_exempt_track(tmp_path):
    sink = InMemorySink()
    app = make_app(tmp_path, sink)
    app.new_ids = NewIdLimit(3)
    c = Client(app)
    for i in range(6):
        body = {
            "k": SITE_KEY,
            "v": f"crafted-id-{i:04d}",
            "c": "measure,pool",
            "e": [{"n": "page_view", "u": ORIGIN}],
        }
        r = c.post(
            "/c/e",
            data=json.dumps(body),
            headers={"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain"},
            environ_base={"REMOTE_ADDR": "10.11.3.4"},
        )
        assert r.status_code == 204
    tracks = [(r["track"], r["consent_objection"]) for r in records(sink)]
    assert tracks == [("pooled", "")] * 3 + [("exempt", "limited")] * 3
    assert app.metrics.value("artaud_ids_limited_total", cinema="0000001") == 3
    assert CollectorConfig.of(load(env={})).new_ids_per_network_hour == 30
