"""The visitor's page in Debian's Chromium against `artaud run`: a consented visitor browses a demo
cinema, opens « Vos données d'audience » from the link of the cinema's privacy policy (the documented
snippet), sees their visits, downloads the JSON, erases, and the page then holds nothing for them.

Then the whole chain (issue 17's closing demand), on a service of its own whose guards let a small
crowd publish: one person browses two demo cinemas, consenting to the pooled audience and to a
partner; a build publishes a segment they are in; the partner pulls an export holding them over
HTTP; each cinema's link shows that cinema's visits, the segment and the partner; the JSON carries
them; the person erases from each cinema's page; the next build does not hold them, the partner's
next delta removes them, and both pages then show nothing."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from artaud.collector.pseudonym import Pseudonymiser
from artaud.collector.snippet import rights_snippet
from artaud.config.keyring import KeyRing
from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import PageServer
from tests.collector.browser_kit import (
    CINEMA,
    HOST,
    Page,
    PartnerSyncServer,
    html,
    landed,
    prefix,
    wait_until,
)
from tests.integration.client import HitClient, call, cli

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def policy_page(svc: ArtaudProcess, site_key: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Confidentialité</title></head>'
        f"<body><h1>Politique de confidentialité</h1>{rights_snippet(svc.url, site_key)}</body></html>"
    )


def open_rights(p: Page, pages: PageServer, svc: ArtaudProcess, path: str, host: str = HOST) -> None:
    p.page.goto(pages.url(host, path))
    p.page.click("[data-artaud-rights]")
    p.page.wait_for_url(svc.rights_url + "/**")
    p.page.wait_for_function("() => document.getElementById('status').textContent.indexOf('…') < 0")


def test_a_visitor_sees_downloads_and_erases_their_data_from_the_cinemas_link(
    svc: ArtaudProcess, pages: PageServer, browser: Any, site_key: str
) -> None:
    pre = prefix("droits")
    pages.add(pre + "film.html", html(svc, site_key, head="<script>artaud('consent', 'pool')</script>"))
    pages.add(pre + "confidentialite.html", policy_page(svc, site_key))
    p = Page(browser, accept_downloads=True)
    p.page.goto(pages.url(HOST, pre + "film.html"))
    p.wait_hits(1)
    [row] = landed(svc, pre, 1)
    assert row["track"] == "pooled"

    open_rights(p, pages, svc, pre + "confidentialite.html")
    assert "#" not in p.page.url  # the ticket left the address at once
    assert p.page.locator("h1").inner_text() == "Vos données d'audience"
    events = p.page.locator("#events tbody").inner_text()
    assert "page_view" in events and "Le Méliès" in events
    assert "audience mutualisée" in p.page.locator("#consents").inner_text()

    with p.page.expect_download() as info:
        p.page.click("#download")
    doc = json.loads(open(info.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert doc["format"] == "artaud-rights-v1" and doc["events"] and doc["consents"]

    p.page.click("#lang")
    assert p.page.locator("h1").inner_text() == "Your audience data"
    p.page.click("#lang")

    p.page.click("#erase")
    p.page.click("#confirmErase")
    p.page.wait_for_function("() => document.getElementById('status').textContent.indexOf('ER-') >= 0")

    deadline = time.monotonic() + 30
    while True:
        open_rights(p, pages, svc, pre + "confidentialite.html")
        if p.page.locator("#events tbody tr").count() == 0:
            break
        assert time.monotonic() < deadline, "the erased events are still shown"
        time.sleep(1)
    assert "Rien n'est conservé" in p.page.locator("#status").inner_text()
    assert "effacement" in p.page.locator("#suppressed").inner_text()
    assert not p.errors
    p.close()


# -- two cinemas, a build, a partner ------------------------------------------------------------------

AGENCY, SEGMENT = "demo-agency", "art-et-essai"
ZOLA, ZOLA_HOST = "9990002", "lezola.example"  # demo cinema "Le Zola"
CINEMAS = {CINEMA: (HOST, "Le Méliès"), ZOLA: (ZOLA_HOST, "Le Zola")}
# a person's browser, not a test tool's: a HeadlessChrome visit is a robot's, and no segment holds it
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
CROWD = 60  # other consented visitors of the four demo cinemas, for the segment to publish


@pytest.fixture(scope="module")
def pool_svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArtaudProcess]:
    """A service of its own (its partner, its builds), with guards a crowd of 60 passes: k 20, two
    cinemas, no cinema above 90 %, people seen on one day counted (the guards are tested in
    tests/segments and tests/partners), builds on demand only."""
    p = ArtaudProcess(
        tmp_path_factory.mktemp("rights-pool") / "data",
        extra_env={
            "ARTAUD_COLLECTOR__NEW_IDS_PER_NETWORK_HOUR": "100000",  # one loopback network (conftest.py)
            "ARTAUD_RIGHTS__REQUESTS_PER_MINUTE": "1000",  # the pages are opened again and again here
            "ARTAUD_SEGMENTS__K": "20",
            "ARTAUD_SEGMENTS__MIN_CINEMAS": "2",
            "ARTAUD_SEGMENTS__MAX_CINEMA_SHARE": "0.9",
            "ARTAUD_SEGMENTS__CREDIBLE_DAYS": "1",
            "ARTAUD_SEGMENTS__BUILD_HOUR": "-1",
        },
    ).start()
    yield p
    p.stop()


def put(url: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read())


def pull(svc: ArtaudProcess, token: str, export_id: str, kind: str) -> set[str]:
    """An export's list (`members`, `added`, `removed`) as the partner reads it, page by page."""
    out: set[str] = set()
    cursor = ""
    while True:
        url = f"{svc.partners_url}/v1/exports/{export_id}/{kind}?limit=25"
        status, page = call(url + (f"&cursor={quote(cursor)}" if cursor else ""), token)
        assert status == 200, page
        out |= {row["pseudonym"] for row in page["items"]}
        if not page["next_cursor"]:
            return out
        cursor = page["next_cursor"]


def export(svc: ArtaudProcess, token: str) -> dict[str, Any]:
    status, made = call(f"{svc.partners_url}/v1/exports", token, {"segment": SEGMENT})
    assert status == 201, made
    return dict(made["export"])


def build(svc: ArtaudProcess) -> dict[str, Any]:
    """`artaud segments build` through the running service: its console API."""
    status, done = call(f"{svc.admin_url}/api/v1/segments/build", svc.admin_token, {"only": [SEGMENT]})
    assert status == 200, done
    [entry] = [b for b in done["segments"] if b["key"] == SEGMENT]
    assert entry["published"], entry
    return dict(entry)


def consent_records(svc: ArtaudProcess, pooled: str) -> list[dict[str, Any]]:
    """`artaud consent --visitor` through the running service: the pooled events behind a pseudonym."""
    return list(svc.get_json(f"/api/v1/consent?visitor={quote(pooled)}"))


def register_sync(svc: ArtaudProcess, token: str, site_key: str, url: str) -> None:
    status, state = put(f"{svc.partners_url}/v1/sync", token, {"url": url})
    assert status == 200 and state["url"] == url, state
    probe = json.dumps(
        {"k": site_key, "v": "probe-visitor-01", "c": f"pool,partner:{AGENCY}", "e": [{"n": "page_view"}]}
    )

    def registered() -> bool:  # each collector worker reloads the partners' sync URLs on its own
        req = urllib.request.Request(
            f"{svc.url}/c/s?b={quote(probe)}", headers={"Referer": f"http://{HOST}/"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return AGENCY.encode() in r.read()

    wait_until(lambda: all(registered() for _ in range(20)), timeout=30)


def crowd(svc: ArtaudProcess) -> None:
    """Other people, consented to the pool and the partner, each seen at one cinema, one in three at
    a second one (as the simulator's visitors, through the collector's HTTP)."""
    sites = sorted(svc.sites(), key=lambda s: s["cnc_id"])
    client = HitClient(svc.url)
    try:
        for i in range(CROWD):
            for j in (i, i + 1) if i % 3 == 0 else (i,):
                site = sites[j % len(sites)]
                host = site["domains"][0]
                event = {
                    "n": "page_view",
                    "u": f"https://{host}/film/perfect-days",
                    "i": f"crowd-{i:03d}-{j}",
                }
                status, _ = client.beacon(
                    site["site_key"], host, [event], visitor=f"crowd-visitor-{i:04d}",
                    consent=f"measure,pool,partner:{AGENCY}",
                )  # fmt: skip
                assert status == 204
    finally:
        client.close()


def page_shows(p: Page) -> dict[str, str]:
    return {
        part: p.page.locator(f"#{part}").inner_text()
        for part in ("events", "segments", "partners", "consents", "suppressed", "status")
    }


def erase_here(p: Page, pages: PageServer, svc: ArtaudProcess, path: str, host: str) -> None:
    open_rights(p, pages, svc, path, host)
    p.page.click("#erase")
    p.page.click("#confirmErase")
    # the receipt: the erasure request's id in the register (controlplane/erasure_requests.py)
    p.page.wait_for_function("() => document.getElementById('status').textContent.indexOf('ER-') >= 0")
    deadline = time.monotonic() + 30
    while True:
        open_rights(p, pages, svc, path, host)
        if p.page.locator("#events tbody tr").count() == 0:
            return
        assert time.monotonic() < deadline, "the erased events are still shown"
        time.sleep(1)


def test_a_visitor_of_two_cinemas_shared_with_a_partner_erases_everything_from_the_links(
    pool_svc: ArtaudProcess, pages: PageServer, browser: Any
) -> None:
    svc = pool_svc
    keys = {s["cnc_id"]: s["site_key"] for s in svc.sites()}
    cli(svc.data_dir, "partners", "add", "--slug", AGENCY, "--name", "Demo Agency")
    token = cli(svc.data_dir, "partners", "key", "--slug", AGENCY).splitlines()[1]
    partner = PartnerSyncServer()  # the partner's own ID sync endpoint: how it learns its pseudonyms
    try:
        register_sync(
            svc, token, keys[CINEMA], f"http://sync.demo-agency.example:{partner.port}/m?xid={{xid}}"
        )
        crowd(svc)

        # one person, one browser: a film page at each cinema, consenting to the pool and the partner
        pre = prefix("deux-cinemas")
        path = {cnc: f"{pre}{cnc}/" for cnc in CINEMAS}
        consent = f"<script>artaud('consent', 'pool,partner:{AGENCY}')</script>"
        for cnc in CINEMAS:
            pages.add(path[cnc] + "film.html", html(svc, keys[cnc], head=consent))
            pages.add(path[cnc] + "confidentialite.html", policy_page(svc, keys[cnc]))
        p = Page(browser, accept_downloads=True, user_agent=CHROME)
        ids: dict[str, str] = {}
        rows: dict[str, dict[str, Any]] = {}
        for n, (cnc, (host, _)) in enumerate(CINEMAS.items(), start=1):
            p.page.goto(pages.url(host, path[cnc] + "film.html"))
            p.wait_hits(n)
            wait_until(lambda n=n: len(partner.calls) >= n, timeout=15)  # type: ignore[misc]
            ids[cnc] = json.loads(p.stored_id())["i"]
            [rows[cnc]] = landed(svc, path[cnc], 1, cinema=cnc)
            assert rows[cnc]["track"] == "pooled" and rows[cnc]["is_bot"] == 0, rows[cnc]
        # the id is first-party: each site's storage holds its own, so the person has two pseudonyms
        # (docs/partners.md § Partner ID sync: each cinema's site gives the partner its own value)
        assert ids[CINEMA] != ids[ZOLA]
        ring = KeyRing(svc.data_dir / "secrets")
        pooled_key = ring.current("pooled-visitor")
        pooled = {
            cnc: Pseudonymiser(pooled_key.secret, pooled_key.version).pooled(i) for cnc, i in ids.items()
        }
        seen_at = set()
        for cnc in CINEMAS:
            assert rows[cnc]["visitor"] == pooled[cnc]
            records = consent_records(svc, pooled[cnc])
            assert records and len({r["cinema_id"] for r in records}) == 1, records
            seen_at.add(records[0]["cinema_id"])
        assert len(seen_at) == 2  # each pseudonym at its own cinema
        # and the partner's sync endpoint got one pseudonym of its own from each cinema's site
        xids = {call_path.split("xid=", 1)[1] for call_path, _ in partner.calls}
        assert len(partner.calls) == 2 and len(xids) == 2, partner.calls

        # a build publishes the segment, with the crowd and both of the person's pseudonyms
        first_build = build(svc)
        assert first_build["members"] == CROWD + 2, first_build
        # the partner pulls an export over HTTP: it holds the person (under the partner's pseudonyms)
        first = export(svc, token)
        members = pull(svc, token, first["export_id"], "members")
        assert xids <= members and len(members) == first["members"] == CROWD + 2

        # from each cinema's privacy policy: that cinema's visits, the segment, the partner
        for cnc, (host, name) in CINEMAS.items():
            open_rights(p, pages, svc, path[cnc] + "confidentialite.html", host)
            shown = page_shows(p)
            other = next(n for c, (_, n) in CINEMAS.items() if c != cnc)
            assert name in shown["events"] and "page_view" in shown["events"], shown
            assert other not in shown["events"], shown  # the other site's id is not this browser's here
            assert SEGMENT in shown["segments"] and AGENCY in shown["partners"], shown
            assert "audience mutualisée" in shown["consents"], shown

        # the JSON download (portability) carries the same, partner included
        with p.page.expect_download() as info:
            p.page.click("#download")
        doc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
        assert doc["format"] == "artaud-rights-v1"
        assert {e["cinema"] for e in doc["events"]} == {"Le Zola (démo)"}, doc["events"]
        assert [s["segment"] for s in doc["segments"]] == [SEGMENT]
        assert [s["partner"] for s in doc["partners"]] == [AGENCY]
        assert doc["consents"] and all(f"partner:{AGENCY}" in c["purposes"] for c in doc["consents"]), doc

        # erased from the Méliès' link: that id's data only; the Zola's page still shows its own
        erase_here(p, pages, svc, path[CINEMA] + "confidentialite.html", HOST)
        open_rights(p, pages, svc, path[ZOLA] + "confidentialite.html", ZOLA_HOST)
        still = page_shows(p)
        assert "Le Zola" in still["events"] and AGENCY in still["partners"], still
        erase_here(p, pages, svc, path[ZOLA] + "confidentialite.html", ZOLA_HOST)
        for cnc in CINEMAS:
            assert consent_records(svc, pooled[cnc]) == []

        # the next build holds neither pseudonym (and nobody else left)
        second_build = build(svc)
        assert second_build["members"] == CROWD, second_build
        # the partner's next export: its delta removes exactly the person's two pseudonyms
        second = export(svc, token)
        assert second["previous_export_id"] == first["export_id"] and not second["replaces_previous"]
        assert (second["members"], second["added"], second["removed"]) == (CROWD, 0, 2), second
        assert pull(svc, token, second["export_id"], "removed") == xids
        assert pull(svc, token, second["export_id"], "added") == set()
        assert pull(svc, token, second["export_id"], "members") == members - xids
        status, deletions = call(f"{svc.partners_url}/v1/deletions", token)
        assert status == 200 and xids <= {row["pseudonym"] for row in deletions["items"]}, deletions

        # and the page, from either link, after the new build, shows nothing
        for cnc, (host, _) in CINEMAS.items():
            open_rights(p, pages, svc, path[cnc] + "confidentialite.html", host)
            shown = page_shows(p)
            assert p.page.locator("#events tbody tr").count() == 0
            assert SEGMENT not in shown["segments"] and AGENCY not in shown["partners"], shown
            assert "Rien n'est conservé" in shown["status"] and "effacement" in shown["suppressed"], shown
        assert not p.errors
        p.close()
    finally:
        partner.close()
