"""The page « Vos données d'audience » (rights/app.py) against a warehouse holding two visitors at two
cinemas: each sees their own data and nothing of the other's, whatever ticket they hold; the download,
withdrawal and erasure; the rate limit. Tickets come from the collector's own route (POST /c/r)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from artaud.collector.app import CollectorApp
from artaud.collector.sink import InMemorySink
from artaud.controlplane.erasure_requests import ErasureRequests
from artaud.controlplane.store import ControlPlane
from artaud.rights.app import create_rights_app
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.loader import ExactLoader
from artaud.warehouse.migrate import migrate
from artaud.warehouse.writer import decode_rows
from tests.conftest import OTHER_KEY, SITE_KEY, make_app

KEY = b"r" * 32
NOW = 1_795_000_000.0  # 2026-11-18
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
ALICE, BOB = "alice-first-party-1", "bob-first-party-22"
PAGES = {SITE_KEY: "https://cinema-test.example", OTHER_KEY: "https://autre.example"}
NAMES = {1: "Le Cinéma Test", 2: "L'Autre"}
SUMMARY_KEYS = {
    "format",
    "generated_at",
    "events",
    "segments",
    "partners",
    "consents",
    "withdrawn_or_erased",
    "exempt_track",
}

pytestmark = pytest.mark.parametrize("warehouse", ["chdb"], indirect=True)


def hit(app: CollectorApp, key: str, visitor: str, film: str, partner: str = "demo-agency") -> None:
    body = {
        "k": key,
        "v": visitor,
        "c": f"measure,pool,partner:{partner}",
        "e": [{"n": "page_view", "u": PAGES[key] + "/films/x", "title": film}],
    }
    r = Client(app).post(
        "/c/e",
        data=json.dumps(body),
        headers={"Origin": PAGES[key], "User-Agent": UA, "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": "10.11.3.4"},
    )
    assert r.status_code == 204, r.get_data()


def ticket_for(app: CollectorApp, key: str, visitor: str, addr: str = "10.11.3.4") -> str:
    r = Client(app).post(
        "/c/r",
        data=json.dumps({"k": key, "v": visitor}),
        headers={"Origin": PAGES[key], "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": addr},
    )
    assert r.status_code == 200
    return str(json.loads(r.get_data())["ticket"])


@pytest.fixture
def world(tmp_path: Path, warehouse: Warehouse) -> Iterator[tuple[CollectorApp, Warehouse, Client]]:
    migrate(warehouse)
    cp = ControlPlane(f"sqlite:///{tmp_path / 'control.sqlite'}")
    cp.migrate()
    sink = InMemorySink()
    collector = make_app(tmp_path, sink, clock=NOW)
    collector.pipeline.rights_key = lambda: KEY
    hit(collector, SITE_KEY, ALICE, "Perfect Days")
    hit(collector, OTHER_KEY, ALICE, "Aftersun")  # the same id at a second cinema (a shared id)
    hit(collector, SITE_KEY, BOB, "La Chimera", "other-agency")
    d = decode_rows(sink.records)
    ExactLoader(warehouse).load(d.rows, "t-rights", consents=d.consents)
    alice, bob = collector.pseudo.pooled(ALICE), collector.pseudo.pooled(BOB)
    warehouse.insert_rows(
        "segment_members",
        ("built_on", "build_id", "segment_key", "visitor", "cinemas"),
        [
            (date(2026, 11, 18), "b1", "art-et-essai", alice, [1, 2]),
            (date(2026, 11, 18), "b1", "jeunes", bob, [1]),
        ],
    )
    warehouse.insert_rows(
        "export_lists",
        ("created_on", "partner_slug", "export_id", "visitor", "pseudonym"),
        [
            (date(2026, 11, 18), "demo-agency", "x1", alice, "pa"),
            (date(2026, 11, 18), "other-agency", "x2", bob, "pb"),
        ],
    )
    page = create_rights_app(
        warehouse,
        lambda: KEY,
        cinema_names=lambda: NAMES,
        per_minute=30,
        cp=cp,
        clock=lambda: datetime.fromtimestamp(NOW, UTC),
    )
    page.extensions["tests.cp"] = cp  # the register the page's erasures are filed in
    yield collector, warehouse, Client(page)
    cp.close()


def call(client: Client, path: str, ticket: str, addr: str = "10.0.0.1", **extra: Any) -> tuple[int, Any]:
    r = client.post(f"/api/{path}", json={"ticket": ticket, **extra}, environ_base={"REMOTE_ADDR": addr})
    return r.status_code, json.loads(r.get_data())


def test_each_visitor_sees_their_own_data_and_never_the_others(world) -> None:
    collector, _, client = world
    status, alice = call(client, "summary", ticket_for(collector, SITE_KEY, ALICE))
    assert status == 200 and set(alice) == SUMMARY_KEYS
    assert {(e["cinema"], e["month"], e["event"], e["count"]) for e in alice["events"]} == {
        ("Le Cinéma Test", "2026-11", "page_view", 1),
        ("L'Autre", "2026-11", "page_view", 1),
    }
    assert [s["segment"] for s in alice["segments"]] == ["art-et-essai"]
    assert [(p["partner"], p["first_shared"]) for p in alice["partners"]] == [("demo-agency", "2026-11-18")]
    assert {c["cinema"] for c in alice["consents"]} == {"Le Cinéma Test", "L'Autre"}
    assert all(set(c["purposes"]) >= {"pool"} and c["source"] for c in alice["consents"])
    text = json.dumps(alice)
    assert "La Chimera" not in text and "jeunes" not in text and "other-agency" not in text
    assert collector.pseudo.pooled(ALICE) not in text  # not even their own pseudonym is shown

    _, bob = call(client, "summary", ticket_for(collector, SITE_KEY, BOB))
    assert [s["segment"] for s in bob["segments"]] == ["jeunes"]
    assert "Perfect Days" not in json.dumps(bob) and "demo-agency" not in json.dumps(bob)


def test_swapped_ids_wrong_keys_and_wrong_origins_never_reach_the_others_data(world) -> None:
    collector, _, client = world
    # Bob's id sent from Alice's browser is Bob's ticket: only what his id proves; with the other
    # cinema's key from this cinema's page, or from a page of no cinema, there is no ticket at all
    for key, origin in (
        (OTHER_KEY, PAGES[SITE_KEY]),
        (SITE_KEY, "https://evil.example"),
        ("sk_nosuchkey0001", PAGES[SITE_KEY]),
    ):
        r = Client(collector).post(
            "/c/r",
            data=json.dumps({"k": key, "v": ALICE}),
            headers={"Origin": origin},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        assert r.status_code == 403 and b"ticket" not in r.get_data()
    # a ticket altered, forged or made up is refused, whatever it looks like
    good = ticket_for(collector, SITE_KEY, ALICE)
    for bad in (good[:-3] + "AAA", "x" * 60, good[::-1]):
        status, doc = call(client, "summary", bad)
        assert status == 403 and doc["error"] == "bad_ticket" and set(doc) == {"error", "message"}


def test_an_unknown_id_gets_the_same_shape_with_nothing_in_it(world) -> None:
    collector, _, client = world
    status, doc = call(client, "summary", ticket_for(collector, SITE_KEY, "never-seen-id-0000"))
    assert status == 200 and set(doc) == SUMMARY_KEYS
    assert [doc[k] for k in ("events", "segments", "partners", "consents", "withdrawn_or_erased")] == [[]] * 5
    assert set(doc["exempt_track"]) == {"fr", "en"}


def test_erasing_a_made_up_id_files_nothing_and_deletes_nothing(world) -> None:
    """An id never pooled (anyone can make one up) is answered like an erasure with no receipt: no
    request is filed, no suppression written, no deletion started; a second erasure of a person
    already erased files nothing either."""
    collector, warehouse, client = world
    register = ErasureRequests(client.application.extensions["tests.cp"].engine)
    status, doc = call(client, "erase", ticket_for(collector, SITE_KEY, "made-up-id-0001"), confirm=True)
    assert status == 200 and doc["done"] == "erased" and doc["receipt"] == ""
    assert register.all() == []
    assert warehouse.query(f"SELECT count() FROM {warehouse.database}.suppressions")[0][0] == 0
    ticket = ticket_for(collector, SITE_KEY, ALICE)
    first = call(client, "erase", ticket, confirm=True)[1]["receipt"]
    deadline = time.monotonic() + 30
    while call(client, "summary", ticket)[1]["events"] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert call(client, "erase", ticket, confirm=True)[1]["receipt"] == ""
    assert [r.id for r in register.all()] == [first]


def test_the_download_is_a_json_attachment_of_the_same_content(world) -> None:
    collector, _, client = world
    ticket = ticket_for(collector, SITE_KEY, ALICE)
    r = client.post("/api/download", json={"ticket": ticket}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Content-Disposition"].startswith(
        'attachment; filename="vos-donnees-audience-2026-11-18'
    )
    assert r.headers["Cache-Control"] == "no-store"
    doc = json.loads(r.get_data())
    assert doc["format"] == "artaud-rights-v1"
    assert doc == call(client, "summary", ticket)[1]
    assert {f for e in doc["events"] for f in e["films"]} == {"Perfect Days", "Aftersun"}


def test_a_withdrawal_writes_the_suppression_the_collector_writes(world) -> None:
    collector, wh, client = world
    ticket = ticket_for(collector, SITE_KEY, ALICE)
    status, doc = call(client, "withdraw", ticket)
    assert status == 200 and doc["done"] == "withdrawn"
    rows = wh.query(f"SELECT visitor, kind, cinema_id FROM {wh.database}.suppressions")
    assert rows == [(collector.pseudo.pooled(ALICE), "withdraw", 1)]
    # the very record /c/w writes for the same id
    sink = InMemorySink()
    collector.sink = sink
    Client(collector).post(
        "/c/w", data=json.dumps({"k": SITE_KEY, "v": ALICE}), headers={"Origin": PAGES[SITE_KEY]}
    )
    [record] = decode_rows(sink.records).suppressions
    assert (record["visitor"], record["kind"], record["cinema_id"]) == rows[0]
    assert call(client, "summary", ticket)[1]["withdrawn_or_erased"][0]["kind"] == "withdraw"


def test_erasure_asks_for_confirmation_then_erases_the_person_only(world) -> None:
    collector, _, client = world
    ticket = ticket_for(collector, SITE_KEY, ALICE)
    status, doc = call(client, "erase", ticket)
    assert status == 400 and doc["error"] == "erasure_not_confirmed"
    status, doc = call(client, "erase", ticket, confirm=True)
    assert status == 200 and doc["done"] == "erased" and doc["receipt"].startswith("ER-")
    filed = ErasureRequests(client.application.extensions["tests.cp"].engine).get(doc["receipt"])
    assert (filed.channel, filed.status, filed.requested_by) == ("visitor", "done", "")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = call(client, "summary", ticket)[1]
        if not left["events"] and not left["segments"] and not left["partners"]:
            break
        time.sleep(0.3)
    assert [left[k] for k in ("events", "segments", "partners", "consents")] == [[]] * 4
    assert left["withdrawn_or_erased"][0]["kind"] == "erase"
    bob = call(client, "summary", ticket_for(collector, SITE_KEY, BOB))[1]
    assert bob["events"] and bob["segments"] and bob["partners"]  # nobody else's data is touched


def test_the_page_is_rate_limited_per_address_and_serves_no_inline_script(world) -> None:
    collector, _, client = world
    ticket = ticket_for(collector, SITE_KEY, BOB)
    answers = [call(client, "summary", ticket, addr="10.0.0.7")[0] for _ in range(31)]
    assert answers == [200] * 30 + [429]
    assert call(client, "summary", ticket, addr="10.0.0.8")[0] == 200
    page = client.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "Vos données d'audience" in html and '<script defer src="page.js"></script>' in html
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    assert client.get("/page.js").status_code == 200 and client.get("/page.css").status_code == 200


def test_an_outage_is_told_plainly_never_with_its_detail(world, monkeypatch) -> None:
    from artaud.warehouse.backend import WarehouseError

    collector, warehouse, client = world
    ticket = ticket_for(collector, SITE_KEY, ALICE)

    def down(sql: str) -> list[tuple[object, ...]]:
        raise WarehouseError("ClickHouse server 10.0.0.5:9000 unreachable: SELECT visitor FROM events")

    monkeypatch.setattr(warehouse, "query", down)
    status, doc = call(client, "summary", ticket)
    assert status == 503 and doc["error"] == "unavailable"
    assert "10.0.0.5" not in json.dumps(doc) and "SELECT" not in json.dumps(doc)

    def broken(sql: str) -> list[tuple[object, ...]]:
        raise RuntimeError("p1.secret-pseudonym in a query")

    monkeypatch.setattr(warehouse, "query", broken)
    status, doc = call(client, "summary", ticket)
    assert status == 503 and "secret-pseudonym" not in json.dumps(doc)
