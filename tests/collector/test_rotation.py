"""A pooled-key rotation at the edge: during the grace period the person has a pseudonym under
each live version; a withdrawal suppresses every one, and each pooled hit links them."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from werkzeug.test import Client

from artaud.collector.pseudonym import Pseudonymiser
from artaud.collector.sink import InMemorySink
from tests.collector.test_app import ORIGIN, UA
from tests.conftest import SITE_KEY, make_app
from tests.tcf_strings import tc_strings

OLD, NEW = secrets.token_bytes(32), secrets.token_bytes(32)


def rotated_app(tmp: Path, sink: InMemorySink):  # type: ignore[no-untyped-def]
    app = make_app(tmp, sink)
    app.pseudo = Pseudonymiser(NEW, 2, older=[(1, OLD)])
    return app


def test_a_withdrawal_during_a_rotation_suppresses_the_person_under_every_live_version(tmp_path):
    sink = InMemorySink()
    app = rotated_app(tmp_path, sink)
    body = json.dumps({"k": SITE_KEY, "v": "fp-rotation-0001"})
    r = Client(app).post("/c/w", data=body, headers={"Origin": ORIGIN, "Content-Type": "text/plain"})
    assert r.status_code == 204
    suppressed = {json.loads(x)["visitor"] for x in sink.records}
    assert suppressed == {
        Pseudonymiser(NEW, 2).pooled("fp-rotation-0001"),
        Pseudonymiser(OLD, 1).pooled("fp-rotation-0001"),
    }


def test_a_pooled_hit_during_a_rotation_links_the_persons_pseudonyms(tmp_path):
    sink = InMemorySink()
    app = rotated_app(tmp_path, sink)
    body = {
        "k": SITE_KEY,
        "v": "fp-rotation-0002",
        "c": "measure,pool",
        "e": [{"n": "page_view", "u": ORIGIN + "/"}],
    }
    r = Client(app).post(
        "/c/e",
        data=json.dumps(body),
        headers={"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain"},
    )
    assert r.status_code == 204
    records = [json.loads(x) for x in sink.records]
    [link] = [x for x in records if x.get("_t") == "link"]
    [event] = [x for x in records if "_t" not in x]
    assert event["visitor"] == link["visitor"] == Pseudonymiser(NEW, 2).pooled("fp-rotation-0002")
    assert link["linked"] == Pseudonymiser(OLD, 1).pooled("fp-rotation-0002")
    # outside a rotation, no link
    plain = InMemorySink()
    Client(make_app(tmp_path / "plain", plain)).post(
        "/c/e",
        data=json.dumps(body),
        headers={"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain"},
    )
    assert not [x for x in map(json.loads, plain.records) if x.get("_t") == "link"]


def test_one_tc_string_leaves_nothing_in_common_across_a_pooled_key_rotation(tmp_path):
    [tc] = tc_strings([{"purposes": [1, 3, 4], "vendors": [], "lastUpdated": "2026-11-20T09:00:00.100Z"}])
    seen = []
    for pseudo in (Pseudonymiser(OLD, 1), Pseudonymiser(NEW, 2)):
        sink = InMemorySink()
        app = make_app(tmp_path, sink)
        app.pseudo = pseudo
        body = {
            "k": SITE_KEY,
            "v": "fp-rotation-0003",
            "gdpr_consent": tc,
            "e": [{"n": "page_view", "u": ORIGIN}],
        }
        r = Client(app).post(
            "/c/e",
            data=json.dumps(body),
            headers={"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain"},
        )
        assert r.status_code == 204
        [record] = [x for x in map(json.loads, sink.records) if x.get("_t") == "consent"]
        [event] = [x for x in map(json.loads, sink.records) if "_t" not in x]
        assert event["consent_id"] == record["consent_id"] and tc not in json.dumps(record)
        seen.append(record)
    old, new = seen
    assert old["signal"] == new["signal"]  # the decision, proved the same way
    assert old["signal_hash"] != new["signal_hash"] and old["consent_id"] != new["consent_id"]
    assert (old["key_version"], new["key_version"]) == (1, 2)
