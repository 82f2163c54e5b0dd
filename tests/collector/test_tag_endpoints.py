"""What the tag needs from the collector beyond the hit itself: its modules on demand, the
installation check's dry run, the pixel that carries a whole beacon body (browsers without
sendBeacon), and a TCF CMP's string given as the tag's consent signal."""

from __future__ import annotations

import json
from urllib.parse import quote

from werkzeug.test import Client

from artaud.collector.tag import MODULES
from artaud.consent.proof import tcf_summary
from artaud.consent.tcf import decode
from tests.collector.test_app import ORIGIN, UA, beacon, consent_records, records
from tests.conftest import SITE_KEY
from tests.tcf_strings import tc_strings

HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36"


def check(client: Client, doc: object, **headers: str) -> tuple[int, dict[str, object], dict[str, str]]:
    hdrs = {"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain", **headers}
    r = client.post(
        "/c/check", data=json.dumps(doc).encode(), headers=hdrs, environ_base={"REMOTE_ADDR": "10.11.3.4"}
    )
    return r.status_code, r.get_json(), dict(r.headers)


def test_every_module_is_served_as_cacheable_javascript(app):
    c = Client(app)
    for name in MODULES:
        r = c.get(f"/c/m/{name}.js")
        assert r.status_code == 200, name
        assert r.headers["Content-Type"].startswith("application/javascript")
        assert "max-age=3600" in r.headers["Cache-Control"] and b"ARTAUD_CFG" not in r.get_data()
    assert c.get("/c/m/nothing.js").status_code == 404
    assert c.get("/c/m/../t.js").status_code == 404


def test_the_check_answers_the_hits_decision_and_stores_and_counts_nothing(app, sink):
    c = Client(app)
    doc = {
        "k": SITE_KEY,
        "v": "visitor-000001",
        "cs": "tag",
        "c": "pool",
        "e": [{"n": "view_item", "u": ORIGIN + "/films/x", "title": "Perfect Days", "dir": "Wim Wenders"}],
    }
    status, answer, headers = check(c, doc)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert answer == {
        "accepted": True,
        "track": "pooled",
        "source": "tag",
        "purposes": "measure,pool",
        "objection": "",
        "film_ref": "perfect-days~wim-wenders",
        "robot": None,
    }
    assert sink.records == []  # a dry run: nothing written
    assert app.metrics.value("artaud_hits_accepted_total", cinema="0000001", track="pooled") == 0
    # the same body as a hit: the same decision
    assert beacon(c, doc)[0] == 204 and records(sink)[0]["track"] == "pooled"


def test_the_check_says_why_a_browser_is_a_robot_and_why_a_hit_is_refused(app):
    c = Client(app)
    doc = {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN + "/"}]}
    _, answer, _ = check(c, doc, **{"User-Agent": HEADLESS})
    assert answer["track"] == "exempt" and answer["robot"] == "HeadlessChrome"
    _, answer, _ = check(c, doc, **{"User-Agent": ""})
    assert answer["robot"] == ""
    _, answer, headers = check(c, doc, Origin="https://ailleurs.example")
    assert answer["accepted"] is False and answer["reason"] == "origin_mismatch"
    assert headers["Access-Control-Allow-Origin"] == "*"  # the webmaster of an undeclared page reads why
    _, answer, _ = check(c, {"k": "sk_nosuchsite0000", "e": [{"n": "page_view"}]})
    assert answer["reason"] == "unknown_site"
    assert Client(app).get("/c/check").status_code == 405


def test_the_pixel_carries_a_whole_beacon_body(app, sink):
    body = {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN + "/programme", "i": "evt-pixel-0001"}]}
    r = Client(app).get(
        "/c/p.gif?b=" + quote(json.dumps(body)),
        headers={"User-Agent": UA},
        environ_base={"REMOTE_ADDR": "10.11.3.4"},
    )
    assert r.status_code == 200
    [rec] = records(sink)
    assert (rec["event_id"], rec["url_path"]) == ("evt-pixel-0001", "/programme")
    # alone: b is the body, not one more parameter
    r = Client(app).get("/c/p.gif?n=page_view&b=" + quote(json.dumps(body)))
    assert r.status_code == 400 and r.get_data().startswith(b"malformed")


def test_a_tcf_string_as_the_tags_signal_decides_like_gdpr_consent(app, sink):
    [yes] = tc_strings([{"purposes": [1, 3, 4], "vendors": []}])
    c = Client(app)
    doc = {
        "k": SITE_KEY,
        "v": "visitor-000002",
        "cs": "tcf",
        "c": yes,
        "e": [{"n": "page_view", "u": ORIGIN}],
    }
    assert beacon(c, doc)[0] == 204
    [rec] = records(sink)
    assert (rec["track"], rec["consent_source"]) == ("pooled", "tcf")
    [proof] = consent_records(sink)
    assert proof["signal"] == tcf_summary(decode(yes), app.cfg.policy.tcf) and yes not in str(proof)
    both = {**doc, "gdpr_consent": yes}
    status, body = beacon(c, both)
    assert status == 400 and b"not both" in body
    status, body = beacon(c, {**doc, "c": "not a tc string!"})
    assert status == 400 and body.startswith(b"malformed")
