"""POST /c/r: the collector hands a visitor's browser a sealed ticket for the rights page, only from
the cinema's own pages, the same shape for a known or an unknown id, rate-limited per address; and
GET /c/r.js, the link's script, outside the tag."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from artaud.collector.app import CollectorApp
from artaud.collector.rights_ticket import open_ticket
from artaud.collector.sink import InMemorySink
from tests.conftest import OTHER_KEY, SITE_KEY, make_app

KEY = b"r" * 32
ORIGIN = "https://cinema-test.example"
NOW = 1_795_000_000.0


def rights_app(tmp: Path, sink: InMemorySink | None = None) -> CollectorApp:
    app = make_app(tmp, sink, clock=NOW)
    app.pipeline.rights_key = lambda: KEY
    return app


def ask(
    app: CollectorApp, body: object, origin: str = ORIGIN, addr: str = "10.11.3.4"
) -> tuple[int, dict[str, str]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = Client(app).post(
        "/c/r",
        data=data,
        headers={"Origin": origin, "Content-Type": "text/plain"},
        environ_base={"REMOTE_ADDR": addr},
    )
    doc = json.loads(r.get_data()) if r.headers.get("Content-Type") == "application/json" else {}
    return r.status_code, {
        "body": r.get_data(as_text=True),
        "acao": r.headers.get("Access-Control-Allow-Origin", ""),
        **doc,
    }


def test_a_ticket_names_the_ids_pooled_pseudonyms_and_the_cinema_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    sink = InMemorySink()
    app = rights_app(tmp_path, sink)
    status, doc = ask(app, {"k": SITE_KEY, "v": "visitor-aaaa-1111"})
    assert status == 200 and doc["acao"] == ORIGIN
    assert doc["page"] == "http://127.0.0.1:8083"
    ticket = open_ticket(KEY, doc["ticket"], datetime.fromtimestamp(NOW, UTC))
    assert ticket.pseudonyms == (app.pseudo.pooled("visitor-aaaa-1111"),)
    assert ticket.cinema_id == 1
    assert "visitor-aaaa" not in doc["body"]
    assert sink.records == []


def test_an_unknown_id_gets_the_same_answer_shape(tmp_path: Path) -> None:
    app = rights_app(tmp_path)
    _, known = ask(app, {"k": SITE_KEY, "v": "visitor-aaaa-1111"})
    status, unknown = ask(app, {"k": SITE_KEY, "v": "never-seen-9999"})
    assert status == 200
    assert set(known) == set(unknown) and len(known["ticket"]) == len(unknown["ticket"])


def test_a_wrong_site_key_or_a_page_of_another_cinema_gets_no_ticket(tmp_path: Path) -> None:
    app = rights_app(tmp_path)
    assert ask(app, {"k": "sk_doesnotexist01", "v": "visitor-aaaa-1111"})[0] == 403
    # the other cinema's key from this cinema's page, this cinema's key from the other's page, no origin
    status, doc = ask(app, {"k": OTHER_KEY, "v": "visitor-aaaa-1111"})
    assert status == 403 and "origin_mismatch" in doc["body"] and "ticket" not in doc
    assert ask(app, {"k": SITE_KEY, "v": "visitor-aaaa-1111"}, origin="https://autre.example")[0] == 403
    assert ask(app, {"k": SITE_KEY, "v": "visitor-aaaa-1111"}, origin="https://evil.example")[0] == 403
    assert ask(app, {"k": SITE_KEY, "v": "visitor-aaaa-1111"}, origin="")[0] == 403
    assert ask(app, {"k": SITE_KEY})[0] == 400  # no id: nothing to prove


def test_rights_requests_are_limited_per_client_address(tmp_path: Path) -> None:
    app = rights_app(tmp_path)
    per_minute = app.cfg.rights_per_minute
    answers = [ask(app, {"k": SITE_KEY, "v": f"visitor-{i:08d}"})[0] for i in range(per_minute + 1)]
    assert answers == [200] * per_minute + [429]
    status, doc = ask(app, {"k": "sk_doesnotexist01", "v": "visitor-aaaa-1111"})
    assert status == 429 and "rate_limited" in doc["body"]  # refused before the site key is even looked at
    assert ask(app, {"k": SITE_KEY, "v": "visitor-aaaa-1111"}, addr="10.11.9.9")[0] == 200


def test_the_route_is_post_only_and_its_script_is_served_outside_the_tag(tmp_path: Path) -> None:
    app = rights_app(tmp_path)
    assert Client(app).get("/c/r").status_code == 405
    r = Client(app).get("/c/r.js")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/javascript")
    script = r.get_data(as_text=True)
    assert '"http://127.0.0.1:8083/"' in script and "ARTAUD_RIGHTS_PAGE" not in script
    assert "artaud_id" in script and "data-artaud-rights" in script
    assert b"/c/r" not in Client(app).get("/c/t.js").get_data()  # the tag never loads it


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=600),
        st.dictionaries(st.text(max_size=4), st.text(max_size=80)).map(lambda d: json.dumps(d).encode()),
    )
)
def test_fuzz_any_body_is_answered_without_a_server_error(tmp_path: Path, body: bytes) -> None:
    app = rights_app(tmp_path)
    status, _ = ask(app, body)
    assert status in (200, 400, 403, 413)
