"""GET /c/s, the partner ID sync frame, through werkzeug's test client: the collector decides each
partner's consent again from the hit's own signal, and writes nothing to the sink."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from artaud.collector.idsync import SyncPartner
from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.collector.syncs import StaticSyncs
from tests.conftest import OTHER_KEY, SITE_KEY, SUSPENDED_KEY, make_app
from tests.sync_frames import handed

ORIGIN = "https://cinema-test.example"
VISITOR = "k3j2h1g0-abcd-efgh"
KEYS = {"demo-agency": b"d" * 32, "other-agency": b"o" * 32, "quiet-agency": b"q" * 32}


@pytest.fixture
def syncing(app):
    app.syncs = StaticSyncs(
        [
            (SyncPartner("demo-agency", "https://sync.demo-agency.fr/u?xid={xid}"), KEYS["demo-agency"]),
            (SyncPartner("other-agency", "https://m.other.fr/s/{xid}"), KEYS["other-agency"]),
        ]
    )
    return app


def body(consent: str | None = None, visitor: str = VISITOR, site: str = SITE_KEY, **more: object) -> str:
    doc: dict[str, object] = {"k": site, "e": [{"n": "page_view", "u": ORIGIN + "/", "i": "evt-00000001"}]}
    if visitor:
        doc["v"] = visitor
    if consent is not None:
        doc["c"] = consent
    doc.update(more)
    return json.dumps(doc)


def frame(app, b: str | None, **headers: str):
    hdrs = {"Referer": ORIGIN + "/", **headers}
    return Client(app).get("/c/s" + ("" if b is None else "?b=" + quote(b)), headers=hdrs)


def test_each_consented_partner_gets_its_pseudonym_and_nothing_is_collected(syncing, sink):
    r = frame(syncing, body("measure,pool,partner:demo-agency,partner:other-agency"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Referrer-Policy"] == "no-referrer" and "no-store" in r.headers["Cache-Control"]
    pooled = syncing.pseudo.pooled(VISITOR)
    assert handed(r.get_data()) == {
        "demo-agency": "https://sync.demo-agency.fr/u?xid=" + partner_pseudonym(KEYS["demo-agency"], pooled),
        "other-agency": "https://m.other.fr/s/" + partner_pseudonym(KEYS["other-agency"], pooled),
    }
    assert VISITOR.encode() not in r.get_data() and pooled.encode() not in r.get_data()
    assert sink.records == []  # the frame is not a hit
    assert syncing.metrics.value("artaud_partner_syncs_total", partner="demo-agency") == 1


@pytest.mark.parametrize(
    ("consent", "more", "headers", "partners"),
    [
        ("measure,pool,partner:demo-agency", {}, {}, {"demo-agency"}),
        ("measure,pool", {}, {}, set()),  # pooled, no partner
        ("measure,partner:demo-agency", {}, {}, set()),  # a partner without the pooled audience
        (None, {}, {}, set()),  # no signal at all
        ("measure,pool,partner:demo-agency", {"g": 1}, {}, set()),  # GPC from the tag
        ("measure,pool,partner:demo-agency", {}, {"Sec-GPC": "1"}, set()),  # GPC header
        ("measure,pool,partner:demo-agency", {}, {"DNT": "1"}, set()),
        ("artaud=true,artaud_demo-agency=true", {"cs": "tac"}, {}, {"demo-agency"}),
        ("artaud=true,artaud_demo-agency=false", {"cs": "tac"}, {}, set()),
        ("artaud=false,artaud_demo-agency=true", {"cs": "klaro"}, {}, set()),
        ("measure,pool,partner:quiet-agency", {}, {}, set()),  # consented, but no registered sync URL
    ],
)
def test_the_consent_of_the_hit_decides(syncing, consent, more, headers, partners):
    r = frame(syncing, body(consent, **more), **headers)
    assert r.status_code == 200
    assert set(handed(r.get_data())) == partners
    if not partners:
        assert b"<img" not in r.get_data()


@pytest.mark.parametrize(
    ("b", "headers", "status", "reason"),
    [
        (None, {}, 400, "malformed"),
        ("{not json", {}, 400, "malformed"),
        (body("measure,pool,partner:demo-agency", visitor=""), {}, 400, "malformed"),
        (body("measure,pool", site="sk_nosuchsite0000"), {}, 403, "unknown_site"),
        (
            body("measure,pool", site=SUSPENDED_KEY),
            {"Referer": "https://ferme.example/"},
            403,
            "site_suspended",
        ),
        (
            body("measure,pool,partner:demo-agency"),
            {"Referer": "https://evil.example/"},
            403,
            "origin_mismatch",
        ),
        (body("measure,pool", site=OTHER_KEY), {"Referer": ""}, 403, "origin_mismatch"),
        ("x" * 50_000, {}, 413, "body_too_large"),
        (body("measure,pool,partner:demo-agency", pad="é" * 2100), {}, 413, "body_too_large"),  # > 4096 B
    ],
)
def test_refusals_are_clear_and_hand_nothing(syncing, b, headers, status, reason):
    r = frame(syncing, b, **headers)
    assert r.status_code == status
    assert r.get_data().decode().startswith(reason + ": ")
    assert b"xid" not in r.get_data()


def test_without_a_referer_the_page_url_of_the_hit_is_the_evidence(syncing):
    r = Client(syncing).get("/c/s?b=" + quote(body("measure,pool,partner:demo-agency")))
    assert r.status_code == 200 and set(handed(r.get_data())) == {"demo-agency"}


def test_a_collector_without_registered_partners_serves_an_inert_frame(app):
    r = frame(app, body("measure,pool,partner:demo-agency"))
    assert r.status_code == 200 and handed(r.get_data()) == {}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("fuzz"))
    app.syncs = StaticSyncs([(SyncPartner("demo-agency", "https://s.demo.fr/u?xid={xid}"), b"d" * 32)])
    return app


@settings(max_examples=300, deadline=None)
@given(
    query=st.text(max_size=200)
    | st.builds(lambda v: "b=" + quote(v), st.text(max_size=200))
    | st.builds(
        lambda c, v, g: "b=" + quote(body(c, v, g=g)),
        st.none() | st.text(max_size=40),
        st.text(max_size=70),
        st.sampled_from([0, 1, "1", None, [], "x"]),
    )
)
def test_fuzz_the_sync_query_never_breaks(fuzz_app, query):
    r = Client(fuzz_app).get("/c/s?" + query, headers={"Referer": ORIGIN + "/"})
    assert r.status_code in (200, 400, 403, 413)
    assert r.status_code == 200 or b"xid" not in r.get_data()
