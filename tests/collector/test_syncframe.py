"""The sync frame's document: images for the targets only, no script, no referrer, data escaped."""

from __future__ import annotations

from artaud.collector.syncframe import document
from tests.sync_frames import images


def test_no_target_an_empty_document_and_no_image_source():
    body, headers = document([])
    h = dict(headers)
    assert images(body) == [] and b"<script" not in body
    assert h["Content-Security-Policy"].startswith("default-src 'none'; img-src 'none';")
    assert h["Referrer-Policy"] == "no-referrer" and h["Cache-Control"] == "no-store"


def test_one_image_per_target_without_referrer_and_only_their_origins_allowed():
    targets = [
        ("demo-agency", "https://sync.demo.fr/u/x1"),
        ("other", "https://m.other.fr:8443/s?uid=x2&a=1"),
    ]
    body, headers = document(targets)
    csp = dict(headers)["Content-Security-Policy"]
    assert [(i["data-partner"], i["src"], i["referrerpolicy"]) for i in images(body)] == [
        ("demo-agency", "https://sync.demo.fr/u/x1", "no-referrer"),
        ("other", "https://m.other.fr:8443/s?uid=x2&a=1", "no-referrer"),
    ]
    assert "img-src https: https://m.other.fr:8443 https://sync.demo.fr;" in csp and "script-src" not in csp
    assert b'<meta name="referrer" content="no-referrer">' in body and b"<script" not in body


def test_attribute_values_cannot_break_out():
    url = 'https://p.fr/"><script>alert(1)</script>'
    body, _ = document([("a", url)])
    assert b"<script" not in body and [i["src"] for i in images(body)] == [url]
