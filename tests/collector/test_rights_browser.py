"""The visitor's page in Debian's Chromium against `artaud run`: a consented visitor browses a demo
cinema, opens « Vos données d'audience » from the link of the cinema's privacy policy (the documented
snippet), sees their visits, downloads the JSON, erases, and the page then holds nothing for them."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from artaud.collector.snippet import rights_snippet
from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import PageServer
from tests.collector.browser_kit import HOST, Page, html, landed, prefix

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def policy_page(svc: ArtaudProcess, site_key: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Confidentialité</title></head>'
        f"<body><h1>Politique de confidentialité</h1>{rights_snippet(svc.url, site_key)}</body></html>"
    )


def open_rights(p: Page, pages: PageServer, svc: ArtaudProcess, path: str) -> None:
    p.page.goto(pages.url(HOST, path))
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
    p.page.wait_for_function("() => document.getElementById('status').textContent.indexOf('er_') >= 0")

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
