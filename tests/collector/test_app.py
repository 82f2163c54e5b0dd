"""The WSGI hit path through werkzeug's test client, with an in-memory sink."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.test import Client

from artaud.collector.http import GIF
from artaud.collector.request import Request
from artaud.collector.sink import InMemorySink
from tests.conftest import OTHER_KEY, SITE_KEY, SUSPENDED_KEY, make_app

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
ORIGIN = "https://cinema-test.example"


def beacon(client: Client, doc: object, **headers: str) -> tuple[int, bytes]:
    hdrs = {"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain", **headers}
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    r = client.post("/c/e", data=body, headers=hdrs, environ_base={"REMOTE_ADDR": "10.11.3.4"})
    return r.status_code, r.get_data()


def records(sink: InMemorySink) -> list[dict[str, object]]:
    """The events (consent records, which pooled hits also write, and suppressions left out)."""
    return [r for r in map(json.loads, sink.records) if "_t" not in r]


def consent_records(sink: InMemorySink) -> list[dict[str, object]]:
    return [r for r in map(json.loads, sink.records) if r.get("_t") == "consent"]


def test_pixel_answers_an_uncacheable_gif(app, sink):
    c = Client(app)
    r = c.get(
        f"/c/p.gif?k={SITE_KEY}&n=page_view&u=https://cinema-test.example/programme",
        headers={"User-Agent": UA},
        environ_base={"REMOTE_ADDR": "10.11.3.4"},
    )
    assert r.status_code == 200
    assert r.get_data() == GIF
    assert r.headers["Content-Type"] == "image/gif"
    assert "no-store" in r.headers["Cache-Control"]
    [rec] = records(sink)
    assert rec["url_host"] == "cinema-test.example" and rec["url_path"] == "/programme"
    assert rec["region"] == "FR-IDF" and rec["track"] == "exempt"


def test_noscript_pixel_uses_the_referer_as_page(app, sink):
    r = Client(app).get(
        f"/c/p.gif?k={SITE_KEY}", headers={"Referer": "https://www.cinema-test.example/films?x=1"}
    )
    assert r.status_code == 200
    [rec] = records(sink)
    assert (rec["url_host"], rec["url_path"], rec["url_params"]) == ("www.cinema-test.example", "/films", "")


def test_beacon_batch_is_accepted_with_204_and_one_record_per_event(app, sink):
    events = [{"n": "page_view", "u": ORIGIN + "/", "i": f"evt-0000000{i}"} for i in range(3)]
    status, _ = beacon(Client(app), {"k": SITE_KEY, "e": events})
    assert status == 204
    assert [r["event_id"] for r in records(sink)] == ["evt-00000000", "evt-00000001", "evt-00000002"]
    assert app.metrics.value("artaud_hits_accepted_total", cinema="0000001", track="exempt") == 3


def test_event_ids_are_generated_when_missing(app, sink):
    beacon(Client(app), {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}] * 2})
    ids = [r["event_id"] for r in records(sink)]
    assert len(set(ids)) == 2 and all(len(i) == 36 for i in ids)


@pytest.mark.parametrize(
    ("doc", "headers", "status", "reason", "cinema"),
    [
        (b"{not json", {}, 400, "malformed", "unknown"),
        ([1, 2], {}, 400, "malformed", "unknown"),
        ({"k": "sk_nosuchsite0000", "e": [{"n": "page_view"}]}, {}, 403, "unknown_site", "unknown"),
        ({"k": "bad key", "e": [{"n": "page_view"}]}, {}, 403, "unknown_site", "unknown"),
        (
            {"k": SUSPENDED_KEY, "e": [{"n": "page_view", "u": "https://ferme.example/"}]},
            {"Origin": "https://ferme.example"},
            403,
            "site_suspended",
            "0000003",
        ),
        (
            {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}]},
            {"Origin": "https://evil.example"},
            403,
            "origin_mismatch",
            "0000001",
        ),
        (
            {"k": SITE_KEY, "e": [{"n": "page_view", "u": "https://autre.example/"}]},
            {},
            403,
            "origin_mismatch",
            "0000001",
        ),
        ({"k": OTHER_KEY, "e": [{"n": "page_view"}]}, {"Origin": ""}, 403, "origin_mismatch", "0000002"),
        ({"k": SITE_KEY, "e": [{"n": "rm_rf"}]}, {}, 400, "invalid_event", "0000001"),
        ({"k": SITE_KEY, "e": [{"n": "purchase", "value": "lots"}]}, {}, 400, "invalid_event", "0000001"),
        ({"k": SITE_KEY, "e": [{"n": "page_view"}] * 11}, {}, 400, "too_many_events", "0000001"),
        ({"k": SITE_KEY, "e": []}, {}, 400, "malformed", "0000001"),
        ({"k": SITE_KEY, "v": "x", "e": [{"n": "page_view"}]}, {}, 400, "malformed", "0000001"),
        ({"k": SITE_KEY, "e": [{"n": "page_view"}], "pad": "x" * 5000}, {}, 413, "body_too_large", "unknown"),
    ],
)
def test_each_refusal_has_its_status_reason_and_counter(app, sink, doc, headers, status, reason, cinema):
    got, body = beacon(Client(app), doc, **headers)
    assert got == status
    assert body.decode().startswith(reason + ":")
    assert app.metrics.value("artaud_hits_dropped_total", cinema=cinema, reason=reason) == 1
    assert sink.records == []


def test_full_sink_answers_503_with_retry_after_and_counts(tmp_path: Path):
    sink = InMemorySink(capacity=1)
    app = make_app(tmp_path, sink)
    c = Client(app)
    assert beacon(c, {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}]})[0] == 204
    r = c.post(
        "/c/e",
        data=json.dumps({"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}]}),
        headers={"Origin": ORIGIN},
    )
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert app.metrics.value("artaud_hits_dropped_total", cinema="0000001", reason="spool_full") == 1
    assert c.get("/healthz").status_code == 503
    assert c.get("/readyz").status_code == 503 and c.get("/readyz").json == {"status": "spool_full"}


def test_pooled_track_needs_consent_and_an_id(app, sink):
    c = Client(app)
    vid = "fp-1234567890abcdef"
    beacon(c, {"k": SITE_KEY, "v": vid, "c": "measure,pool", "e": [{"n": "page_view", "u": ORIGIN}]})
    beacon(c, {"k": SITE_KEY, "v": vid, "c": "measure", "e": [{"n": "page_view", "u": ORIGIN}]})
    beacon(c, {"k": SITE_KEY, "v": vid, "e": [{"n": "page_view", "u": ORIGIN}]})
    beacon(
        c, {"k": SITE_KEY, "v": vid, "c": "pool", "e": [{"n": "page_view", "u": ORIGIN}]}, **{"Sec-GPC": "1"}
    )
    beacon(c, {"k": SITE_KEY, "c": "pool", "e": [{"n": "page_view", "u": ORIGIN}]})
    recs = records(sink)
    assert [r["track"] for r in recs] == ["pooled", "exempt", "exempt", "exempt", "exempt"]
    assert recs[0]["visitor"].startswith("p1.") and recs[0]["key_version"] == 1
    assert recs[0]["consent_purposes"] == "measure,pool"
    assert recs[3]["consent_objection"] == "gpc"
    assert all(r["visitor"].startswith("d.") for r in recs[1:])


def test_pooled_pseudonym_is_stable_and_exempt_hash_is_per_site(app, sink):
    c = Client(app)
    for _ in range(2):
        beacon(
            c,
            {"k": SITE_KEY, "v": "fp-1234567890abcdef", "c": "pool", "e": [{"n": "page_view", "u": ORIGIN}]},
        )
    beacon(c, {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}]})
    beacon(
        c,
        {"k": OTHER_KEY, "e": [{"n": "page_view", "u": "https://autre.example/"}]},
        Origin="https://autre.example",
    )
    recs = records(sink)
    assert recs[0]["visitor"] == recs[1]["visitor"]
    assert recs[2]["visitor"] != recs[3]["visitor"]


def test_exempt_visitor_changes_with_the_day(tmp_path: Path):
    sink = InMemorySink()
    day1 = make_app(tmp_path, sink, clock=1_763_900_000.0)
    day2 = make_app(tmp_path, sink, clock=1_763_900_000.0 + 86_400)
    for a in (day1, day2):
        beacon(Client(a), {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}]})
    a, b = records(sink)
    assert a["event_date"] != b["event_date"] and a["visitor"] != b["visitor"]


def test_bots_are_flagged_not_dropped(app, sink):
    status, _ = beacon(
        Client(app),
        {"k": SITE_KEY, "e": [{"n": "page_view", "u": ORIGIN}]},
        **{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
    )
    assert status == 204
    [rec] = records(sink)
    assert rec["is_bot"] == 1 and rec["device_class"] == "bot"
    assert app.metrics.value("artaud_hits_bot_total", cinema="0000001") == 1


def test_purchase_fields_are_kept_and_order_id_hashed(app, sink):
    ev = {
        "n": "purchase",
        "u": ORIGIN + "/reservation?film=perfect-days&email=a@b.fr",
        "film": "perfect-days",
        "show": "S123",
        "ver": "vost",
        "qty": 2,
        "value": 15.5,
        "cur": "eur",
        "order": "CMD-42",
    }
    beacon(Client(app), {"k": SITE_KEY, "e": [ev]})
    [rec] = records(sink)
    assert (rec["film_key"], rec["show_id"], rec["version"], rec["quantity"]) == (
        "perfect-days",
        "S123",
        "VOST",
        2,
    )
    assert (rec["value_cents"], rec["currency"]) == (1550, "EUR")
    assert rec["url_params"] == "film=perfect-days"
    assert rec["order_hash"] and "CMD-42" not in json.dumps(rec)


def test_other_routes(app):
    c = Client(app)
    assert c.get("/c/t.js").status_code == 200
    assert c.get("/healthz").json == {"status": "ok"}
    # the counters name cinemas and partners: they are served on another port, by the supervisor
    assert c.get("/metrics").status_code == 404
    assert c.get("/nope").status_code == 404
    assert c.get("/c/e").status_code == 405
    # no preflight: the tag sends text/plain, which needs none; nothing answers CORS to a preflight
    r = c.options("/c/e", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 405 and "Access-Control-Allow-Origin" not in r.headers


def test_client_address_from_a_trusted_proxy_only(app):
    def req(peer: str, fwd: str) -> Request:
        return Request("GET", "/c/p.gif", headers={"x-forwarded-for": fwd}, peer=peer)

    assert app.client_ip(req("127.0.0.1", "10.11.9.9, 127.0.0.1")) == "10.11.9.9"
    assert app.client_ip(req("203.0.113.5", "10.11.9.9")) == "203.0.113.5"


def test_tcf_strings_decide_the_track(app, sink, reference):
    granted = next(r for r in reference if all(p in r["purposeConsents"] for p in (1, 3, 4)))
    refused = next(r for r in reference if 3 not in r["purposeConsents"])
    c = Client(app)
    vid = "fp-1234567890abcdef"
    for tc in (granted["tc"], refused["tc"], "CQuIxQAQuIxQAEsADF"):
        status, _ = beacon(
            c, {"k": SITE_KEY, "v": vid, "gdpr_consent": tc, "e": [{"n": "page_view", "u": ORIGIN}]}
        )
        assert status == 204
    ok, no, broken = records(sink)
    assert (ok["track"], ok["consent_source"]) == ("pooled", "tcf")
    assert (no["track"], no["consent_source"]) == ("exempt", "tcf")
    assert (broken["track"], broken["consent_source"]) == ("exempt", "invalid")
    assert (
        beacon(c, {"k": SITE_KEY, "gdpr_consent": "not a <tc> string", "e": [{"n": "page_view"}]})[0] == 400
    )


def test_every_pooled_event_references_a_consent_record_written_with_it(app, sink, reference):
    c = Client(app)
    granted = next(r for r in reference if all(p in r["purposeConsents"] for p in (1, 3, 4)))
    beacon(
        c,
        {
            "k": SITE_KEY,
            "v": "fp-1234567890abcdef",
            "c": "measure,pool,partner:acme",
            "e": [{"n": "page_view", "u": ORIGIN}, {"n": "view_item", "u": ORIGIN, "film": "x"}],
        },
    )
    beacon(
        c,
        {
            "k": SITE_KEY,
            "v": "fp-1234567890abcdef",
            "c": "measure,pool,partner:acme",
            "e": [{"n": "page_view", "u": ORIGIN}],
        },
    )
    beacon(
        c,
        {
            "k": SITE_KEY,
            "v": "fp-abcdef1234567890",
            "gdpr_consent": granted["tc"],
            "e": [{"n": "page_view", "u": ORIGIN}],
        },
    )
    beacon(
        c, {"k": SITE_KEY, "v": "fp-abcdef1234567890", "c": "measure", "e": [{"n": "page_view", "u": ORIGIN}]}
    )
    first, second, tcf = consent_records(sink)
    assert first["consent_id"] == second["consent_id"]  # identical consents share one record id
    assert (first["source"], first["signal"], first["purposes"]) == (
        "tag",
        "measure,pool,partner:acme",
        "measure,pool,partner:acme",
    )
    assert tcf["source"] == "tcf" and tcf["consent_id"] != first["consent_id"]
    # what proves the decision, not the string (its instants could link the person: consent/proof.py)
    assert str(tcf["signal"]).startswith(f"cmp={granted['cmpId']};") and granted["tc"] not in str(tcf)
    assert "decided=" in str(tcf["signal"]) and tcf["key_version"] == app.pseudo.version
    assert tcf["signal_hash"] == app.pseudo.value(
        "consent", str(granted["tc"])
    )  # whoever holds it can show it
    events = records(sink)
    assert [e["consent_id"] for e in events] == [first["consent_id"]] * 3 + [tcf["consent_id"], ""]
    assert json.loads(sink.records[0])["_t"] == "consent"  # written before (and with) its events


def withdraw(client: Client, doc: object, **headers: str) -> tuple[int, bytes]:
    hdrs = {"Origin": ORIGIN, "Content-Type": "text/plain", **headers}
    r = client.post("/c/w", data=json.dumps(doc).encode(), headers=hdrs)
    return r.status_code, r.get_data()


def test_a_withdrawal_suppresses_the_pooled_pseudonym_of_that_id(app, sink):
    c = Client(app)
    assert beacon(c, {"k": SITE_KEY, "v": "visitor-withdraws", "c": "pool", "e": [{}]})[0] == 204
    [pooled] = records(sink)
    assert withdraw(c, {"k": SITE_KEY, "v": "visitor-withdraws"})[0] == 204
    [sup] = [r for r in map(json.loads, sink.records) if r.get("_t") == "suppression"]
    assert sup["visitor"] == pooled["visitor"] and sup["kind"] == "withdraw" and sup["cinema_id"] == 1
    assert "visitor-withdraws" not in b"".join(sink.records).decode()  # the raw id is never written
    assert app.metrics.value("artaud_withdrawals_total", cinema="0000001") == 1


@pytest.mark.parametrize(
    ("doc", "headers", "status", "reason"),
    [
        ({"k": SITE_KEY}, {}, 400, "malformed"),
        ({"k": SITE_KEY, "v": "x"}, {}, 400, "malformed"),
        ({"k": "sk_nobodyhas00000", "v": "visitor-0001"}, {}, 403, "unknown_site"),
        ({"k": SITE_KEY, "v": "visitor-0001"}, {"Origin": "https://pirate.example"}, 403, "origin_mismatch"),
        ([1], {}, 400, "malformed"),
    ],
)
def test_bad_withdrawals_are_refused_with_a_reason(app, sink, doc, headers, status, reason):
    code, body = withdraw(Client(app), doc, **headers)
    assert code == status and body.decode().startswith(reason)
    assert sink.records == []


def test_withdrawal_is_post_only(app):
    assert Client(app).get("/c/w").status_code == 405
