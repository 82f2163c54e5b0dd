"""Canary: recognisable raw values sent as hits never reach the spool, the warehouse, logs, metrics or APIs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from artaud.warehouse.backend import ChdbWarehouse
from artaud_devkit.testing.app_process import ArtaudProcess
from tests.integration.client import HitClient

pytestmark = pytest.mark.slow

CANARY_IP = "10.11.77.201"
CANARY_IP6 = "2001:db8:cafe::4242"
CANARY_UA = "CanaryBrowser/9.8.7 (unique-ua-canary-3141)"
CANARY_ID = "canaryvisitor0xdeadbeef42"
CANARY_EMAIL = "canary.person@example.org"
CANARY_QS = "qs-canary-value-77"
CANARY_ORDER = "ORDER-CANARY-991"
RAW = (
    CANARY_IP,
    CANARY_IP6,
    CANARY_UA,
    "unique-ua-canary",
    CANARY_ID,
    CANARY_EMAIL,
    "canary.person",
    CANARY_QS,
    CANARY_ORDER,
    quote(CANARY_EMAIL, safe=""),  # encoded once and twice, as a reader may decode it
    quote(quote(CANARY_EMAIL, safe=""), safe=""),
    quote(CANARY_IP6, safe=""),
)


def scan_files(root: Path) -> list[tuple[str, str]]:
    hits = []
    for f in root.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for raw in RAW:
                if raw.encode() in data:
                    hits.append((str(f), raw))
    return hits


def send_canaries(svc: ArtaudProcess) -> None:
    site = svc.sites()[0]
    host = site["domains"][0]
    c = HitClient(svc.url)
    url = f"https://{host}/films/{CANARY_EMAIL}?utm_canary={CANARY_QS}&film=perfect-days&email={CANARY_EMAIL}#frag"

    def events(n: int) -> list[dict[str, object]]:
        return [
            {
                "n": "page_view",
                "u": url,
                "r": f"https://mail.example/?to={CANARY_EMAIL}",
                "i": f"canary-evt-{n}-1",
            },
            {
                "n": "purchase",
                "u": url,
                "film": "perfect-days",
                "title": f"Perfect Days ({CANARY_EMAIL})",
                "order": CANARY_ORDER,
                "value": 9.5,
                "cur": "EUR",
                "qty": 1,
                "i": f"canary-evt-{n}-2",
            },
            {  # fields that used to skip the edge's rules: the séance start, derived values, encodings
                "n": "select_item",
                "u": f"https://{host}/p/{quote(CANARY_EMAIL, safe='')}/{quote(quote(CANARY_EMAIL, safe=''), safe='')}"
                f"?film={quote(quote(CANARY_EMAIL, safe=''), safe='')}&seance={CANARY_IP}",
                "r": f"http://{CANARY_IP}/came-from",
                "film": CANARY_ID,  # the visitor's own id echoed into another field
                "title": f"Film {CANARY_EMAIL} {CANARY_IP6} {CANARY_ID}",
                "dir": f"Réal {CANARY_EMAIL}",
                "start": CANARY_EMAIL,
                "i": f"canary-evt-{n}-4",
            },
            {  # GA4 e-commerce as a dataLayer holds it
                "n": "purchase",
                "u": url,
                "transaction_id": CANARY_ORDER,
                "value": 9.5,
                "currency": "EUR",
                "items": [{"item_id": "F1", "item_name": f"Film {CANARY_EMAIL}", "quantity": 1}],
                "dir": f"Director {CANARY_EMAIL}",
                "i": f"canary-evt-{n}-3",
            },
        ]

    n = 0
    for consent in ("measure,pool", "measure", None):
        for ip in (CANARY_IP, CANARY_IP6):
            n += 1
            status, _ = c.beacon(
                site["site_key"],
                host,
                events(n),
                visitor=CANARY_ID,
                consent=consent,
                headers={"User-Agent": CANARY_UA, "X-Forwarded-For": ip},
            )
            assert status == 204
    status, _ = c.pixel(
        {
            "k": site["site_key"],
            "u": url,
            "v": CANARY_ID,
            "c": "pool",
            "order": CANARY_ORDER,
            "i": "canary-evt-pixel",
        },
        headers={"User-Agent": CANARY_UA, "X-Forwarded-For": CANARY_IP},
    )
    assert status == 200
    # the partner ID sync frame (its query carries the raw id and the hit's page URL), answered and refused
    sync = json.dumps(
        {"k": site["site_key"], "v": CANARY_ID, "c": "measure,pool,partner:demo-agency", "e": events(50)[:1]}
    )
    for referer, expected in ((f"https://{host}/", 200), ("https://evil.example/", 403)):
        status, doc = c._request(
            "GET",
            "/c/s?b=" + quote(sync),
            None,
            {"Referer": referer, "User-Agent": CANARY_UA, "X-Forwarded-For": CANARY_IP},
        )
        assert status == expected and not [r for r in RAW if r.encode() in doc]
    # refused hits must not leak either
    assert (
        c.beacon(
            site["site_key"],
            "evil.example",
            events(99),
            visitor=CANARY_ID,
            headers={"User-Agent": CANARY_UA, "X-Forwarded-For": CANARY_IP},
        )[0]
        == 403
    )
    assert (
        c.beacon(
            site["site_key"],
            host,
            [{"n": CANARY_EMAIL}],
            visitor=CANARY_ID,
            headers={"User-Agent": CANARY_UA},
        )[0]
        == 400
    )
    c.close()


def test_no_raw_value_reaches_any_store(tmp_path):
    svc = ArtaudProcess(tmp_path / "data").start()
    try:
        send_canaries(svc)
        spool_while_running = scan_files(svc.data_dir / "spool")
        metrics = svc.metrics()
        cnc = svc.sites()[0]["cnc_id"]
        deadline = time.monotonic() + 20  # until the console's recent-events view shows the canaries
        while (
            len(svc.get_json(f"/api/v1/events/recent?cinema={cnc}&limit=1000")) < 25
            and time.monotonic() < deadline
        ):
            time.sleep(0.3)
        admin = [
            svc.console_page(p) if not p.startswith("/api/") else json.dumps(svc.get_json(p))
            for p in (
                "/",
                "/api/v1/stats",
                "/api/v1/sites",
                f"/cinemas/{cnc}",
                f"/api/v1/events/recent?cinema={cnc}",
                "/audit",
            )
        ]
        assert "canary-evt" not in admin[0] and admin[3].count("<tr>") >= 25
    finally:
        assert svc.stop() == 0
    assert spool_while_running == []
    assert not [r for r in RAW if r in metrics]
    assert not [r for r in RAW for page in admin if r in page]
    assert not [r for r in RAW if r in svc.log()]
    assert scan_files(svc.data_dir) == []  # spool, chdb files, SQLite, secrets, metrics files

    wh = ChdbWarehouse(svc.data_dir / "chdb", "artaud")
    try:
        rows = wh.query("SELECT * FROM artaud.events WHERE event_id LIKE 'canary-evt-%'")
    finally:
        wh.close()
    text = "\n".join("\t".join(str(v) for v in r) for r in rows)
    assert len(rows) == 25, "every accepted canary event is stored"
    assert not [r for r in RAW if r in text]
    # the stored rows still carry what the product needs
    assert "p1." in text and "perfect-days" in text and "FR-IDF" in text and "[email]" in text
    assert "film=perfect-days" in text and ":email" in text
