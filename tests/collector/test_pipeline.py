"""The hit pipeline on its own (collector/pipeline.py): request values in, outcomes out, without any
server, WSGI, sink or counter. Each step's refusal, the reason → status mapping, and hypothesis over
request values: a route gives an outcome, it never raises."""

from __future__ import annotations

import json
import re
import secrets
from datetime import date
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote, urlencode

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artaud.collector.agents import AgentClassifier
from artaud.collector.config import CollectorConfig
from artaud.collector.geo import CidrTable
from artaud.collector.hit import DROP_REASONS, DropReason, HitError, parse_beacon
from artaud.collector.http import GIF
from artaud.collector.idlimit import NewIdLimit
from artaud.collector.idsync import SyncPartner
from artaud.collector.outcome import Accepted, Outcome, Refused, Tally, status_of
from artaud.collector.pipeline import HitPipeline
from artaud.collector.pseudonym import Pseudonymiser
from artaud.collector.request import Request
from artaud.collector.salts import SaltStore, SaltUnavailable
from artaud.collector.sites import StaticSites
from artaud.collector.syncs import StaticSyncs
from artaud.config.settings import load
from tests.conftest import OTHER_KEY, ROOT, SITE_KEY, SITES, SUSPENDED_KEY

ORIGIN = "https://cinema-test.example"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
VISITOR = "fp-1234567890abcdef"
PAGE = {"n": "page_view", "u": ORIGIN + "/programme", "i": "evt-00000001"}
CINEMA = SITES[SITE_KEY]


class BrokenDisk(SaltStore):
    def salt_for(self, day: date, site: int) -> bytes:
        raise SaltUnavailable("No space left on device")


def make(tmp: Path, **changes: Any) -> HitPipeline:
    parts: dict[str, Any] = {
        "config": CollectorConfig.of(load(env={}), max_body_bytes=4096, max_events_per_batch=10),
        "sites": StaticSites(SITES),
        "pseudonymiser": Pseudonymiser(secrets.token_bytes(32), 1),
        "salts": SaltStore(tmp / "salts"),
        "agents": AgentClassifier(cache_size=100, background=False),
        "regions": CidrTable([("10.11.0.0/16", "FR-IDF")]),
        "syncs": StaticSyncs([(SyncPartner("demo-agency", "https://s.demo.fr/u?xid={xid}"), b"d" * 32)]),
        "new_ids": NewIdLimit(30),
        "clock": lambda: 1_763_900_000.0,
    }
    return HitPipeline(**(parts | changes))


@pytest.fixture
def hits(tmp_path: Path) -> HitPipeline:
    return make(tmp_path)


def post(doc: object, path: str = "/c/e", **headers: str) -> Request:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    hdrs = {"origin": ORIGIN, "user-agent": UA, "content-type": "text/plain"} | headers
    return Request("POST", path, "", hdrs, body, "10.11.3.4")


def get(path: str, query: str, **headers: str) -> Request:
    return Request("GET", path, query, {"user-agent": UA} | headers, b"", "10.11.3.4")


def refused(outcome: Outcome) -> Refused:
    assert isinstance(outcome, Refused), outcome
    return outcome


def accepted(outcome: Outcome) -> Accepted:
    assert isinstance(outcome, Accepted), outcome
    return outcome


# -- each step's refusal -------------------------------------------------------------------------
def test_the_body_step_refuses_another_media_type_and_too_large_a_body(hits):
    with pytest.raises(HitError) as err:
        hits.body(post({"k": SITE_KEY}, **{"content-type": "application/x-www-form-urlencoded"}))
    assert err.value.reason == "unsupported_media_type"
    with pytest.raises(HitError) as err:
        hits.body(post(b"x" * 4097))
    assert err.value.reason == "body_too_large"
    assert hits.body(post(b"{}", **{"content-type": "application/json; charset=utf-8"})) == b"{}"
    assert hits.body(post(b"{}", **{"content-type": ""})) == b"{}"  # no type said: the tag's own
    for route in (hits.beacon, hits.withdrawal):
        r = refused(route(post(b"x" * 4097)))
        assert (r.reason, r.site) == ("body_too_large", None)


def test_parsing_refuses_with_the_cinema_named_when_the_key_is_well_formed(hits):
    r = refused(hits.beacon(post(b"{not json")))
    assert (r.reason, r.site, r.origin) == ("malformed", None, ORIGIN)
    r = refused(hits.beacon(post({"k": SITE_KEY, "e": [{"n": "rm_rf"}]})))
    assert (r.reason, r.site) == ("invalid_event", CINEMA)  # its counter, CORS for its pages
    r = refused(hits.pixel(get("/c/p.gif", f"k={SITE_KEY}&n=rm_rf")))
    assert (r.reason, r.site) == ("invalid_event", CINEMA)
    r = refused(hits.beacon(post({"k": SITE_KEY, "e": [PAGE] * 11})))
    assert r.reason == "too_many_events"


def test_the_site_step_looks_up_the_key_checks_it_is_active_and_the_evidence(hits):
    for key, headers, reason in [
        ("sk_nosuchsite0000", {"origin": ORIGIN}, "unknown_site"),
        (SUSPENDED_KEY, {"origin": "https://ferme.example"}, "site_suspended"),
        (SITE_KEY, {"origin": "https://evil.example"}, "origin_mismatch"),
        (SITE_KEY, {"referer": "https://evil.example/"}, "origin_mismatch"),
        (SITE_KEY, {"origin": "null"}, "origin_mismatch"),  # opaque: no evidence at all
        (OTHER_KEY, {"origin": ORIGIN}, "origin_mismatch"),  # another cinema's pages
    ]:
        with pytest.raises(HitError) as err:
            hits.site(key, get("/c/p.gif", "", **headers), ())
        assert err.value.reason == reason, key
        assert err.value.site_key == ("" if reason == "unknown_site" else key)
    with pytest.raises(HitError) as err:  # an event's page URL is evidence too
        hits.site(SITE_KEY, get("/c/p.gif", "", origin=ORIGIN), ["https://autre.example/"])
    assert err.value.reason == "origin_mismatch"
    assert hits.site(SITE_KEY, get("/c/p.gif", "", origin="null"), [ORIGIN + "/"]) == CINEMA
    assert hits.site(SITE_KEY, get("/c/p.gif", "", referer="https://www.cinema-test.example/"), ()) == CINEMA


@pytest.mark.parametrize("route", ["pixel", "beacon", "withdrawal", "sync", "check"])
def test_every_route_that_names_a_site_runs_the_same_site_step(hits, route):
    doc = {"k": SUSPENDED_KEY, "v": VISITOR, "e": [{"n": "page_view", "u": "https://ferme.example/"}]}
    headers = {"origin": "https://ferme.example"}
    req = {
        "pixel": get("/c/p.gif", f"k={SUSPENDED_KEY}&u=https://ferme.example/", **headers),
        "beacon": post(doc, **headers),
        "withdrawal": post({"k": SUSPENDED_KEY, "v": VISITOR}, "/c/w", **headers),
        "sync": get("/c/s", "b=" + quote(json.dumps(doc)), **headers),
        "check": post(doc, "/c/check", **headers),
    }[route]
    outcome = getattr(hits, route)(req)
    if route == "check":  # a dry run: the refusal is its answer, nothing is counted
        check = accepted(outcome)
        assert orjson.loads(check.body)["reason"] == "site_suspended" and check.tally == Tally()
    else:
        r = refused(outcome)
        assert (r.reason, r.site) == ("site_suspended", SITES[SUSPENDED_KEY])
        # a sync frame is a document the page cannot read: no CORS on its refusals
        assert r.origin == ("" if route == "sync" else "https://ferme.example")


def _hit() -> Any:
    """A pooled hit, parsed."""
    return parse_beacon(json.dumps({"k": SITE_KEY, "v": VISITOR, "c": "pool", "e": [PAGE]}).encode(), 10)


def test_the_edge_step_refuses_when_the_days_salt_cannot_be_had(tmp_path):
    hits = make(tmp_path, salts=BrokenDisk(tmp_path / "salts"))
    with pytest.raises(HitError) as err:
        hits.edge(_hit(), post({}), CINEMA)
    assert err.value.reason == "storage_unavailable"
    r = refused(hits.beacon(post({"k": SITE_KEY, "e": [PAGE]})))
    # counted under "unknown", as before the pipeline: the salt's error names no site key
    assert (r.reason, r.site, r.detail) == ("storage_unavailable", None, "No space left on device")
    # the sync frame has no edge step: it stores nothing, and needs no salt
    assert accepted(
        hits.sync(get("/c/s", "b=" + quote(json.dumps({"k": SITE_KEY, "v": VISITOR, "e": [PAGE]}))))
    )


# -- accepted outcomes -----------------------------------------------------------------------------
def test_a_beacon_is_accepted_with_its_payloads_answer_and_tally(hits):
    ok = accepted(hits.beacon(post({"k": SITE_KEY, "e": [PAGE, PAGE | {"i": "evt-00000002"}]})))
    assert (ok.status, ok.body, ok.site, ok.origin) == (204, b"", CINEMA, ORIGIN)
    assert ("Access-Control-Allow-Origin", ORIGIN) in ok.headers
    assert [orjson.loads(p)["event_id"] for p in ok.payloads] == ["evt-00000001", "evt-00000002"]
    assert ok.tally == Tally(track="exempt", events=2)


def test_a_pooled_hit_writes_its_consent_record_first_in_the_same_payloads(hits):
    ok = accepted(hits.beacon(post({"k": SITE_KEY, "v": VISITOR, "c": "measure,pool", "e": [PAGE]})))
    record, event = map(orjson.loads, ok.payloads)
    assert record["_t"] == "consent" and event["consent_id"] == record["consent_id"]
    assert event["track"] == "pooled" and VISITOR not in b"".join(ok.payloads).decode()
    assert ok.tally == Tally(track="pooled", events=1)


def test_a_pixel_answers_the_gif_and_a_robots_events_are_tallied(hits):
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    req = get("/c/p.gif", f"k={SITE_KEY}", referer=ORIGIN + "/films", **{"user-agent": bot})
    ok = accepted(hits.pixel(req))
    assert (ok.status, ok.body) == (200, GIF) and ("Content-Type", "image/gif") in ok.headers
    [event] = map(orjson.loads, ok.payloads)
    assert event["url_path"] == "/films" and event["is_bot"] == 1
    assert ok.tally == Tally(track="exempt", events=1, bots=1)


def test_the_id_limit_sends_the_next_identifiers_to_the_exempt_track_and_says_so(tmp_path):
    hits = make(tmp_path, new_ids=NewIdLimit(1))
    doc = {"k": SITE_KEY, "c": "pool", "e": [PAGE]}
    first = accepted(hits.beacon(post(doc | {"v": "fp-first-000001"})))
    second = accepted(hits.beacon(post(doc | {"v": "fp-second-00002"})))
    assert first.tally == Tally(track="pooled", events=1)
    assert second.tally == Tally(track="exempt", events=1, limited=True)
    assert orjson.loads(second.payloads[0])["consent_objection"] == "limited"
    # the installation check answers as /c/e would, as a dry run: nothing counted, no budget spent
    check = accepted(hits.check(post(doc | {"v": "fp-third-000003"}, "/c/check")))
    assert orjson.loads(check.body)["objection"] == "limited" and check.tally == Tally()


def test_the_installation_check_spends_none_of_the_id_limits_budget(tmp_path):
    hits = make(tmp_path, new_ids=NewIdLimit(1))
    doc = {"k": SITE_KEY, "c": "pool", "e": [PAGE]}
    for i in range(3):  # checked ids do not fill the network's hour
        check = accepted(hits.check(post(doc | {"v": f"fp-checked-{i:05d}"}, "/c/check")))
        assert orjson.loads(check.body)["objection"] == "" and check.tally == Tally()
    real = accepted(hits.beacon(post(doc | {"v": "fp-real-0000001"})))
    assert real.tally == Tally(track="pooled", events=1)


def test_a_withdrawal_is_a_suppression_for_the_sink(hits):
    ok = accepted(hits.withdrawal(post({"k": SITE_KEY, "v": VISITOR}, "/c/w")))
    [sup] = map(orjson.loads, ok.payloads)
    assert sup["_t"] == "suppression" and sup["visitor"] == hits.pseudo.pooled(VISITOR)
    assert (ok.status, ok.site, ok.tally) == (204, CINEMA, Tally(withdrawal=True))


def test_a_sync_frame_stores_nothing_and_tallies_the_partners_handed_a_pseudonym(hits):
    doc = {"k": SITE_KEY, "v": VISITOR, "c": "measure,pool,partner:demo-agency", "e": [PAGE]}
    ok = accepted(hits.sync(get("/c/s", "b=" + quote(json.dumps(doc)), referer=ORIGIN + "/")))
    assert ok.status == 200 and ok.payloads == () and ok.tally == Tally(syncs=("demo-agency",))
    assert b"s.demo.fr" in ok.body
    none = accepted(hits.sync(get("/c/s", "b=" + quote(json.dumps(doc | {"c": "measure"})), referer=ORIGIN)))
    assert none.tally == Tally() and b"s.demo.fr" not in none.body


# -- every reason has its status -------------------------------------------------------------------
def test_every_drop_reason_has_the_status_the_docs_give():
    doc = (ROOT / "docs" / "collector.md").read_text()
    documented = dict(re.findall(r"^\| `(\w+)` \| (\d{3})\b", doc, re.MULTILINE))
    assert set(DROP_REASONS) <= set(documented)
    for reason in DROP_REASONS:
        assert status_of(reason) == int(documented[reason]), reason
    assert {status_of(r) for r in DROP_REASONS} == {400, 403, 408, 413, 415, 429, 503}
    with pytest.raises(AssertionError):  # only mypy's check keeps it from happening
        status_of("no_such_reason")  # type: ignore[arg-type]


def test_drop_reasons_are_one_closed_literal():
    assert get_args(DropReason) == DROP_REASONS and len(set(DROP_REASONS)) == len(DROP_REASONS)


# -- nothing a client sends makes a route raise ----------------------------------------------------
# mostly what a cinema's pages send, with anything else mixed in: every step is reached, and every
# refusal (the statistics: --hypothesis-show-statistics)
KEYS = st.sampled_from([SITE_KEY, SITE_KEY, OTHER_KEY, SUSPENDED_KEY, "sk_nosuchsite0000", "bad key", ""])
ORIGINS = st.sampled_from(
    [ORIGIN, ORIGIN, "https://www.cinema-test.example", "https://evil.example", "null", "", "http://[::1"]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
FIELDS = ["n", "u", "r", "i", "film", "title", "dir", "show", "start", "ver", "qty", "value", "cur", "order"]
events = st.builds(
    lambda base, changes: base | changes,
    st.sampled_from([PAGE, {"n": "purchase", "u": ORIGIN + "/r", "value": 7.5, "cur": "EUR", "order": "A1"}]),
    st.dictionaries(
        st.sampled_from([*FIELDS, "items"]),
        st.sampled_from(["page_view", ORIGIN + "/x", "https://autre.example/", "VOST", "2"]) | json_values,
        max_size=2,
    ),
)
docs = st.fixed_dictionaries(
    {
        "k": KEYS,
        "e": st.lists(events, min_size=1, max_size=3) | json_values,
        # mostly a visitor id: the sync frame and the withdrawal need one
        "v": st.one_of(st.just(VISITOR), st.just(VISITOR), st.sampled_from(["x", ""]), json_values),
    },
    optional={
        "c": st.sampled_from(["measure,pool", "pool,partner:demo-agency", "artaud=true", "pool,x"])
        | json_values,
        "cs": st.sampled_from(["tag", "tac", "klaro", "tcf", "other"]),
        "g": st.sampled_from([0, 1, "1", 2]),
        "gdpr_consent": st.sampled_from(["CQuIxQAQuIxQAEsADF", "not a tc"]) | json_values,
    },
)
bodies = docs.map(lambda d: json.dumps(d).encode()) | st.binary(max_size=64)


def pixel_query(doc: dict[str, Any]) -> str:
    """A beacon body's first event as a pixel's query string."""
    first = doc["e"][0] if isinstance(doc["e"], list) and doc["e"] else None
    return urlencode({"k": doc["k"], **(first if isinstance(first, dict) else {})})


beacon_in_query = bodies.map(lambda b: "b=" + quote(b))
queries = st.one_of(beacon_in_query, beacon_in_query, docs.map(pixel_query), st.text(max_size=80))

headers = st.builds(
    lambda known, other: other | known,
    st.fixed_dictionaries(
        {},
        optional={
            "origin": ORIGINS,
            "referer": ORIGINS.map(lambda o: o + "/page"),
            "user-agent": st.sampled_from([UA, "Googlebot/2.1", ""]),
            "content-type": st.sampled_from(
                ["text/plain;charset=UTF-8", "application/json", "multipart/form-data"]
            ),
            "sec-gpc": st.sampled_from(["1", "0"]),
            "x-forwarded-for": st.sampled_from(["10.11.9.9", "10.11.9.9, 127.0.0.1", "garbage"]),
        },
    ),
    st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=3),
)
requests = st.builds(
    Request,
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
    path=st.sampled_from(["/c/p.gif", "/c/e", "/c/w", "/c/s", "/c/check"]),
    query=queries,
    headers=headers,
    body=bodies,
    peer=st.sampled_from(["10.11.3.4", "127.0.0.1", "::1", "", "not an address"]),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(req=requests)
def test_any_request_value_gives_an_outcome_never_an_exception(hits, req):
    for route in (hits.pixel, hits.beacon, hits.withdrawal, hits.sync, hits.check):
        outcome = route(req)
        assert isinstance(outcome, Accepted | Refused)
        if isinstance(outcome, Refused):
            assert outcome.reason in DROP_REASONS and status_of(outcome.reason) >= 400
        else:
            assert outcome.status in (200, 204) and all(isinstance(p, bytes) for p in outcome.payloads)
