"""The console and its JSON API over a real control plane (SQLite) and embedded ClickHouse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin.helpers import Kit


class Operator:
    """An operator's browser for pages, and its API token for /api/v1 (as scripts call it)."""

    def __init__(self, kit: Kit) -> None:
        self.kit, self.browser, self.headers = kit, kit.browser("ops"), kit.token("ops")

    def get(self, path: str, **kw: Any) -> Any:
        if path.startswith("/api/"):
            return self.browser.get(path, headers=self.headers, **kw)
        return self.browser.get(path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        if path.startswith("/api/"):
            return self.browser.post(path, headers=self.headers, **kw)
        return self.browser.post(path, data=self.kit.form(self.browser, "/segments"), **kw)


@pytest.fixture
def client(kit) -> Operator:
    return Operator(kit)


def test_recent_events_of_a_cinema(client):
    rows = client.get("/api/v1/events/recent?cinema=9990001").get_json()
    assert len(rows) == 3 and {r["track"] for r in rows} == {"pooled"}
    assert set(rows[0]) >= {"event_id", "event_name", "track", "consent_source", "consent_id", "film_ref"}
    assert client.get("/api/v1/events/recent?cinema=9990001&path_prefix=/nowhere").get_json() == []
    assert len(client.get("/api/v1/events/recent?cinema=9990001&limit=2").get_json()) == 2


@pytest.mark.parametrize(
    "query",
    [
        "",
        "cinema=0000000",
        "cinema=9990001&limit=0",
        "cinema=9990001&limit=x",
        "cinema=9990001&path_prefix=" + "a" * 201,
    ],
)
def test_recent_events_refuse_bad_queries_with_a_clear_error(client, query):
    r = client.get("/api/v1/events/recent?" + query)
    assert r.status_code == 400 and r.get_json()["error"]


def test_a_cinema_page_in_french(client):
    page = client.get("/cinemas/9990001").get_data(as_text=True)
    assert "Derniers évènements reçus" in page and page.count("<td>mutualisée</td>") == 3
    assert client.get("/cinemas/0000000").status_code == 404
    assert 'href="/cinemas/9990001"' in client.get("/").get_data(as_text=True)


def test_a_cinema_page_prints_its_own_snippet_ready_to_paste(client):
    """The webmaster copies the code from here: this cinema's site key and the collector's address,
    nothing to guess (docs/webmasters.md, section 1), the GTM variant beside it."""
    from html import unescape

    from artaud.collector.snippet import gtm_snippet, snippet

    key = client.get("/api/v1/sites").get_json()[0]["site_key"]
    page = unescape(client.get("/cinemas/9990001").get_data(as_text=True))
    assert snippet("https://collecte.test", key) in page
    assert gtm_snippet("https://collecte.test", key) in page
    assert page.count('data-copy="') == 4 and "?artaud-check" in page
    script = client.get("/static/copy.js")
    assert script.status_code == 200 and "clipboard" in script.get_data(as_text=True)


def test_a_path_prefix_with_quotes_is_data_not_sql(client):
    r = client.get("/api/v1/events/recent?cinema=9990001&path_prefix=%27%29%20OR%201%3D1%20--")
    assert r.status_code == 200 and r.get_json() == []


def test_segments_built_on_demand_and_listed(client):
    assert client.get("/api/v1/segments").get_json() == []
    r = client.post("/api/v1/segments/build", json={"only": ["art-et-essai", "acheteurs"]})
    assert r.status_code == 200
    report = r.get_json()
    by_key = {s["key"]: s for s in report["segments"]}
    assert by_key["art-et-essai"]["members"] == 1 and by_key["acheteurs"]["members"] == 0
    assert by_key["acheteurs"]["refusal"].startswith("below_k")
    listed = {e["key"]: e for e in client.get("/api/v1/segments").get_json()}
    assert listed["art-et-essai"]["build_id"] == report["build_id"]
    page = client.get("/segments").get_data(as_text=True)
    assert "Public Art et Essai" in page and "non publié" in page
    assert client.post("/segments/build").status_code == 303


@pytest.mark.parametrize(
    ("body", "message"), [({"only": "x"}, "only: a list"), ({"only": ["nope"]}, "nope: no such")]
)
def test_segment_builds_refuse_bad_requests(client, body, message):
    r = client.post("/api/v1/segments/build", json=body)
    assert r.status_code == 400 and message in r.get_json()["error"]


def test_erasures_from_the_console(client):
    rows = client.get("/api/v1/events/recent?cinema=9990001").get_json()
    visitor = rows[0]["visitor"]
    r = client.post("/api/v1/erasures", json={"visitor": visitor})
    assert r.status_code == 202
    answer = r.get_json()
    assert answer["visitor"] == visitor and answer["suppressed"] is True and answer["status"] == "done"
    assert answer["request"].startswith("ER-") and answer["completed_at"]
    assert client.post("/api/v1/erasures", json={"visitor": "d.not-pooled"}).status_code == 400
    assert client.post("/api/v1/erasures", data="nope").status_code == 400


def test_an_unavailable_warehouse_is_a_503(client, monkeypatch):
    from artaud.warehouse.backend import WarehouseError

    def down(*_args, **_kwargs):
        raise WarehouseError("unreachable")

    monkeypatch.setattr("artaud.admin.segment_pages.latest", down)
    r = client.get("/api/v1/segments")
    assert r.status_code == 503 and r.get_json()["error"]
