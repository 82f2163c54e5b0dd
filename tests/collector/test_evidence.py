"""Where a hit comes from (collector/evidence.py): every piece of evidence on the cinema's domains,
one rule for every endpoint, CORS only back to the cinema's own pages."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from artaud.collector import evidence
from artaud.collector.hit import HitError
from artaud.collector.sites import Site
from tests.collector.test_app import ORIGIN, UA, records
from tests.conftest import SITE_KEY

SITE = Site(1, "0000001", ("cinema-test.example",), True)
PAGE = "https://www.cinema-test.example/films"


@pytest.mark.parametrize(
    ("origin", "referer", "urls", "ok"),
    [
        (ORIGIN, "", [], True),
        ("", PAGE, [], True),
        ("", "", [PAGE], True),
        ("null", "", [PAGE], True),  # an opaque origin says nothing: the page URL decides
        ("null", "", [], False),  # and alone it is no evidence
        (ORIGIN, "https://elsewhere.example/", [], False),  # every piece must be on the domains
        (ORIGIN, PAGE, ["https://elsewhere.example/x"], False),
        ("https://cinema-test.example.evil.example", "", [], False),
        ("", "", [], False),
        ("", "not a url", [], False),
    ],
)
def test_every_piece_of_evidence_on_the_cinemas_domains(origin, referer, urls, ok):
    if ok:
        evidence.check(SITE, origin, referer, urls)
    else:
        with pytest.raises(HitError) as err:
            evidence.check(SITE, origin, referer, urls)
        assert err.value.reason == "origin_mismatch"


def test_cors_answers_only_the_cinemas_own_origins():
    assert evidence.cors(SITE, ORIGIN) == [("Access-Control-Allow-Origin", ORIGIN), ("Vary", "Origin")]
    for other in ("https://evil.example", "null", ""):
        assert evidence.cors(SITE, other) == []
    assert evidence.cors(None, ORIGIN) == []


def test_a_pixel_whose_referer_is_elsewhere_is_refused_and_nothing_of_it_kept(app, sink):
    r = Client(app).get(
        f"/c/p.gif?k={SITE_KEY}&n=page_view",
        headers={"Origin": ORIGIN, "Referer": "https://elsewhere.example/secret/path", "User-Agent": UA},
    )
    assert r.status_code == 403 and r.get_data().startswith(b"origin_mismatch")
    assert sink.records == []


def test_origin_null_is_one_rule_for_the_beacon_and_the_withdrawal(app, sink):
    c = Client(app)
    body = {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN + "/"}]}
    hdrs = {"Origin": "null", "User-Agent": UA, "Content-Type": "text/plain"}
    assert c.post("/c/e", data=json.dumps(body), headers=hdrs).status_code == 204  # the page URL decides
    w = {"k": SITE_KEY, "v": "fp-1234567890abcdef"}
    assert c.post("/c/w", data=json.dumps(w), headers=hdrs).status_code == 403  # nothing else to judge by
    referer = {**hdrs, "Referer": ORIGIN + "/page"}
    assert c.post("/c/w", data=json.dumps(w), headers=referer).status_code == 204
    assert len(records(sink)) == 1


def test_refusals_and_answers_carry_cors_only_for_the_cinemas_pages(app):
    c = Client(app)
    ok = {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN + "/"}]}
    r = c.post("/c/e", data=json.dumps(ok), headers={"Origin": ORIGIN, "Content-Type": "text/plain"})
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == ORIGIN
    r = c.post(
        "/c/e", data=json.dumps(ok), headers={"Origin": "https://evil.example", "Content-Type": "text/plain"}
    )
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers
    bad = {"k": SITE_KEY, "e": [{"n": "nope"}]}
    r = c.post(
        "/c/e", data=json.dumps(bad), headers={"Origin": "https://evil.example", "Content-Type": "text/plain"}
    )
    assert r.status_code == 400 and "Access-Control-Allow-Origin" not in r.headers
    r = c.post("/c/e", data=json.dumps(bad), headers={"Origin": ORIGIN, "Content-Type": "text/plain"})
    assert r.status_code == 400 and r.headers["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize(
    "ctype", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "image/png"]
)
def test_the_beacon_takes_text_plain_or_json_only(app, ctype):
    body = json.dumps({"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN + "/"}]})
    r = Client(app).post("/c/e", data=body, headers={"Origin": ORIGIN, "Content-Type": ctype})
    assert r.status_code == 415 and r.get_data().startswith(b"unsupported_media_type")
    for fine in ("text/plain;charset=UTF-8", "application/json"):
        assert (
            Client(app).post("/c/e", data=body, headers={"Origin": ORIGIN, "Content-Type": fine}).status_code
            == 204
        )
