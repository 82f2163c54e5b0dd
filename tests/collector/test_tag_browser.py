"""The tag in headless Chromium (Debian's) against local cinema pages, with the real banners:
tarteaucitron.js from npm, the IAB's own CMP API serving TC strings built by @iabtechlabtcf/core,
GPC, single-page navigation, a ticketing iframe on another origin, and a page whose storage is
blocked or whose collector is down. Hits go through the real service (`artaud run`) into the
embedded ClickHouse; assertions read what landed there through the console's API.

These cover the tag's behaviour within a page (single-page navigation, a choice made in the page);
what a visitor meets across ordinary page loads, for every banner and every way of loading the tag,
is in test_tag_page_loads.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from urllib.parse import quote

import pytest

from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.collector.pseudonym import Pseudonymiser
from artaud.config.keyring import KeyRing
from artaud_devkit.testing.app_process import ArtaudProcess, free_port
from tests.collector.browser_kit import (
    HOST,
    PARTNER_VENDOR,
    SCARE_VENDOR,
    TICKETING,
    Page,
    PartnerSyncServer,
    consent_of,
    html,
    landed,
    navigate,
    prefix,
    proved,
    tac_click,
    wait_tag,
    wait_until,
    withdrawals,
)
from tests.doc_blocks import block
from tests.tcf_strings import tc_strings

pytestmark = [pytest.mark.slow, pytest.mark.browser]


TAC_SERVICE = f"""
<script src="/node_modules/tarteaucitronjs/tarteaucitron.js"></script>
<script>
tarteaucitron.init({{privacyUrl: "", hashtag: "#tarteaucitron", cookieName: "tarteaucitron",
  orientation: "middle", showAlertSmall: false, cookieslist: false, highPrivacy: true,
  handleBrowserDNTRequest: false, AcceptAllCta: true, DenyAllCta: true, mandatory: true,
  removeCredit: true, useExternalCss: false}});
{block("tarteaucitron")}
</script>"""


def test_a_tarteaucitron_before_choice_refuse_accept_withdraw(svc, pages, browser, site_key):
    pre = prefix("a")
    pages.add(pre + "index.html", html(svc, site_key, head=TAC_SERVICE))
    pages.add(pre + "again.html", html(svc, site_key, head=TAC_SERVICE))
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre + "index.html"))
        wait_tag(p)
        p.page.wait_for_selector("#tarteaucitronAllDenied2", state="visible")
        assert p.stored_id() is None  # before a choice: no identifier
        tac_click(p, "#tarteaucitronAllDenied2", False)  # « Tout refuser » in the banner
        navigate(p, pre + "refused")
        assert p.stored_id() is None
        p.page.evaluate("() => tarteaucitron.userInterface.openPanel()")
        tac_click(p, "#tarteaucitronAllAllowed", True)  # « Tout accepter » in the panel
        navigate(p, pre + "accepted")
        ident = p.stored_id()
        assert ident is not None and json.loads(ident)["i"]
        # a return visit: tarteaucitron reads its cookie only once the page has loaded; until then the
        # choice is unknown, which must neither erase the identifier nor count as a withdrawal
        before = withdrawals(svc)
        p.page.goto(pages.url(HOST, pre + "again.html"))
        wait_tag(p)
        p.page.wait_for_function("() => tarteaucitron.state.artaud === true")
        navigate(p, pre + "returned")
        assert p.stored_id() == ident and withdrawals(svc) == before
        p.page.evaluate("() => tarteaucitron.userInterface.openPanel()")
        tac_click(p, "#tarteaucitronAllDenied", False)  # withdraw: « Tout refuser » in the panel
        assert p.stored_id() is None  # the identifier goes at once
        wait_until(lambda: withdrawals(svc) == before + 1)  # and the collector is told
        navigate(p, pre + "withdrawn")
        assert p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 6)
    by_path = {r["url_path"]: r for r in rows}
    assert len(rows) == 6 and all(r["event_name"] == "page_view" for r in rows)
    assert by_path[pre + "returned"]["track"] == "pooled"
    assert by_path[pre + "returned"]["visitor"] == by_path[pre + "accepted"]["visitor"]
    assert by_path[pre + "index.html"]["track"] == "exempt"  # before a choice
    assert by_path[pre + "refused"]["track"] == "exempt"
    assert by_path[pre + "withdrawn"]["track"] == "exempt"
    pooled = by_path[pre + "accepted"]
    assert pooled["track"] == "pooled" and pooled["consent_source"] == "tac"
    assert all(r["consent_id"] == "" for r in rows if r["track"] == "exempt")
    record = consent_of(svc, pooled["event_id"])
    assert record["source"] == "tac" and record["signal"] == "artaud=true"
    assert record["purposes"] == "measure,pool" and record["consent_id"] == pooled["consent_id"]


def tcf_page(svc: ArtaudProcess, site_key: str, tc: str) -> str:
    head = f"""<script src="/node_modules/@iabtechlabtcf/stub/lib/stub.js"></script>
<script type="importmap">{{"imports": {{
  "@iabtechlabtcf/core": "/node_modules/@iabtechlabtcf/core/lib/mjs/index.js",
  "@iabtechlabtcf/cmpapi": "/node_modules/@iabtechlabtcf/cmpapi/lib/mjs/index.js"}}}}</script>
<script type="module">
import {{ CmpApi }} from "@iabtechlabtcf/cmpapi";
const api = new CmpApi(300, 1, true);
api.update({json.dumps(tc)}, false);
</script>"""
    return html(svc, site_key, head=head)


def test_b_iab_cmp_api_granted_and_refused_purposes_and_vendors(svc, pages, browser, site_key):
    both = [SCARE_VENDOR, PARTNER_VENDOR]
    cases = {
        "granted": ({"purposes": [1, 3, 4], "vendors": both}, "pooled", "measure,pool,partner:demo-agency"),
        "scare-only": ({"purposes": [1, 3, 4], "vendors": [SCARE_VENDOR]}, "pooled", "measure,pool"),
        "purpose-refused": ({"purposes": [1, 3], "vendors": both}, "exempt", "measure"),
        "vendor-refused": ({"purposes": [1, 3, 4], "vendors": [PARTNER_VENDOR]}, "exempt", "measure"),
        "restricted": (
            {
                "purposes": [1, 3, 4],
                "vendors": both,
                "restrictions": [{"purpose": 3, "type": 0, "vendors": [SCARE_VENDOR]}],
            },
            "exempt",
            "measure",
        ),
    }
    strings = dict(zip(cases, tc_strings([c[0] for c in cases.values()]), strict=True))
    prefixes = {}
    for name, (_, _track, _) in cases.items():
        pre = prefixes[name] = prefix("b-" + name)
        pages.add(pre + "index.html", tcf_page(svc, site_key, strings[name]))
        p = Page(browser)
        try:
            p.page.goto(pages.url(HOST, pre + "index.html"))
            wait_tag(p)
            p.page.wait_for_function(
                "() => new Promise(r => __tcfapi('ping', 2, (x) => r(x.cmpStatus === 'loaded')))"
            )
            navigate(p, pre + "next")
            assert (p.stored_id() is not None) == (_track == "pooled"), name
            assert p.errors == []
        finally:
            p.close()
    for name, (_, track, purposes) in cases.items():
        rows = landed(svc, prefixes[name], 2, settle=0.5)
        assert len(rows) == 2, name
        assert {r["track"] for r in rows} == {track}, name
        assert {r["consent_source"] for r in rows} == {"tcf"}, name
        assert {r["consent_purposes"] for r in rows} == {purposes}, name
        if track == "pooled":
            record = consent_of(svc, rows[0]["event_id"])
            assert record["source"] == "tcf" and record["signal"] == proved(strings[name])
            assert strings[name] not in json.dumps(record)


def test_c_global_privacy_control_means_no_pooled_hit(svc, pages, browser, site_key):
    pre = prefix("c")
    # the site's own banner said yes, but the browser sends GPC (as Firefox and Brave do: both signals)
    pages.add(pre + "index.html", html(svc, site_key, head="<script>artaud('consent', 'pool')</script>"))
    p = Page(browser, extra_http_headers={"Sec-GPC": "1"})
    p.page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    try:
        p.page.goto(pages.url(HOST, pre + "index.html"))
        wait_tag(p)
        navigate(p, pre + "next")
        assert p.stored_id() is None
        assert p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 2)
    assert len(rows) == 2
    assert all(
        r["track"] == "exempt" and r["consent_objection"] == "gpc" and r["consent_id"] == "" for r in rows
    )


SPA = """<div id="film"></div>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "ScreeningEvent",
 "startDate": "2026-11-25T20:30:00+01:00", "workPresented": {"@type": "Movie", "name": "PERFECT DAYS",
 "director": {"@type": "Person", "name": "Wim Wenders"}}}</script>
<script>
function render(n) {
  var el = document.getElementById("film");
  el.setAttribute("data-artaud-film", "F" + n);
  el.setAttribute("data-artaud-title", n == 1 ? "Les Feuilles mortes" : "L'Été dernier");
}
function go(n) { history.pushState({n: n}, "", location.pathname.replace(/(film\\/\\d+)?$/, "film/" + n)); render(n); }
window.addEventListener("popstate", function (e) { if (e.state && e.state.n) render(e.state.n); });
</script>"""


def test_d_single_page_navigation_and_film_pages(svc, pages, browser, site_key):
    pre = prefix("d")
    pages.add(pre, html(svc, site_key, head="<script>artaud('consent', 'pool')</script>", body=SPA))
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        p.page.evaluate("() => go(1)")
        p.page.wait_for_timeout(300)
        p.page.evaluate("() => go(2)")
        p.page.wait_for_timeout(300)
        p.page.evaluate("() => { location.hash = 'seances' }")  # a fragment is not a new page
        p.page.wait_for_timeout(300)
        p.page.go_back()  # drops the fragment: same page
        p.page.wait_for_timeout(300)
        p.page.go_back()  # back to film 1
        p.page.wait_for_timeout(300)
        assert p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 8)
    views = Counter(r["url_path"] for r in rows if r["event_name"] == "page_view")
    assert views == {pre: 1, pre + "film/1": 2, pre + "film/2": 1}
    films = Counter((r["url_path"], r["film_ref"]) for r in rows if r["event_name"] == "view_item")
    assert films == {
        (pre, "perfect-days~wim-wenders"): 1,  # JSON-LD ScreeningEvent already on the page
        (pre + "film/1", "les-feuilles-mortes"): 2,  # data attributes, rendered by the router
        (pre + "film/2", "l-ete-dernier"): 1,
    }
    assert {r["track"] for r in rows} == {"pooled"}
    assert len({r["visitor"] for r in rows}) == 1


def test_e_ticketing_iframe_reports_a_purchase_through_post_message(svc, pages, browser, site_key):
    pre = prefix("e")
    ticket = f"""<!doctype html><html><head><meta charset="utf-8">
<script>window.dataLayer = window.dataLayer || [];</script>
<script defer src="{svc.url}/c/t.js" data-site="{site_key}" data-bridge></script></head>
<body><button id="pay" onclick="pay()">payer</button><script>
function pay() {{
  dataLayer.push({{event: "purchase", ecommerce: {{transaction_id: "CMD-2026-4242", value: 15.5, currency: "EUR",
    items: [{{item_id: "F77", item_name: "Perfect Days", item_variant: "VOST", quantity: 2,
             show_id: "S42", show_start: "2026-11-25T20:30"}}]}}}});
  document.body.dataset.paid = "1";
}}</script></body></html>"""
    pages.add(pre + "ticket", ticket)
    pages.add(pre, html(svc, site_key, head="<script>artaud('consent', 'pool')</script>"))
    p = Page(browser)
    direct: list[str] = []
    p.page.on(
        "request",
        lambda r: direct.append(r.frame.url) if "/c/e" in r.url and r.frame != p.page.main_frame else None,
    )
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        # the ticketing iframe, loaded once the parent's tag listens (a message sent before is lost)
        p.page.evaluate(
            "(src) => { const f = document.createElement('iframe'); f.id = 't'; f.src = src; document.body.append(f) }",
            pages.url(TICKETING, pre + "ticket"),
        )
        frame = p.page.frame_locator("#t")
        frame.locator("#pay").click()
        frame.locator("body[data-paid='1']").wait_for()
        assert p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 3)
    assert direct == []  # the iframe sent nothing itself: its events went through the parent page
    purchase = [r for r in rows if r["event_name"] == "purchase"]
    assert len(rows) == 3 and len(purchase) == 1
    [buy] = purchase
    assert buy["url_host"] == TICKETING and buy["value_cents"] == 1550 and buy["track"] == "pooled"
    assert {r["visitor"] for r in rows} == {buy["visitor"]}  # the parent's visitor
    assert "CMD-2026-4242" not in json.dumps(rows)


ROBUST_BODY = "<script>document.getElementById('b').click()</script>"


def test_f_blocked_storage_keeps_the_page_working_and_collects_on_the_exempt_track(
    svc, pages, browser, site_key
):
    pre = prefix("f-storage")
    pages.add(pre, html(svc, site_key, head="<script>artaud('consent', 'pool')</script>", body=ROBUST_BODY))
    p = Page(browser)
    p.page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('blocked', 'SecurityError') }})"
    )
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        navigate(p, pre + "next")
        assert p.page.text_content("#b") == "ok" and p.page.get_attribute("body", "data-ready") == "1"
        assert p.stored_id() == "blocked"
        assert p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 2)
    assert len(rows) == 2 and {r["track"] for r in rows} == {"exempt"}  # no identifier, so never pooled


def test_f_collector_down_or_refused_by_csp_keeps_the_page_working(svc, pages, browser, site_key):
    dead = f"http://127.0.0.1:{free_port()}"
    down = html(svc, site_key, body=ROBUST_BODY).replace(
        f'src="{svc.url}/c/t.js"', f'src="{svc.url}/c/t.js?down"'
    )
    pre = prefix("f-down")
    pages.add(pre, down)
    p = Page(browser)
    # the tag is served (a CDN's copy, say) but the hit endpoints are unreachable
    p.page.route("**/c/e", lambda route: route.abort("connectionrefused"))
    p.page.route("**/c/p.gif*", lambda route: route.abort("connectionrefused"))
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        navigate(p, pre + "next")
        p.page.wait_for_timeout(2500)  # past the consent wait, while the collector is unreachable
        assert p.page.text_content("#b") == "ok" and p.errors == []
    finally:
        p.close()
    # the tag itself unreachable
    pre2 = prefix("f-notag")
    pages.add(pre2, html(svc, site_key, body=ROBUST_BODY).replace(svc.url, dead))
    # a strict Content-Security-Policy that lets the tag load but forbids it to send anything
    pre3 = prefix("f-csp")
    csp = f"default-src 'none'; script-src 'unsafe-inline' {svc.url}; connect-src 'none'; img-src 'none'"
    pages.add(pre3, html(svc, site_key, body=ROBUST_BODY), headers={"Content-Security-Policy": csp})
    for pre_x in (pre2, pre3):
        p = Page(browser)
        try:
            p.page.goto(pages.url(HOST, pre_x))
            p.page.wait_for_selector("body[data-ready='1']")
            navigate(p, pre_x + "next")
            p.page.wait_for_timeout(500)
            assert p.page.text_content("#b") == "ok" and p.errors == []
        finally:
            p.close()
    assert landed(svc, pre3, 1, settle=0, timeout=2) == []  # CSP honoured: nothing left the page
    assert landed(svc, pre, 1, settle=0, timeout=2) == []


def test_f_old_browser_without_beacon_or_fetch_falls_back_to_the_pixel(svc, pages, browser, site_key):
    pre = prefix("f-old")
    pages.add(pre, html(svc, site_key, body=ROBUST_BODY))
    p = Page(browser)
    p.page.add_init_script(
        "delete Navigator.prototype.sendBeacon; delete window.fetch; delete window.crypto;"
    )
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        navigate(p, pre + "next")
        assert p.page.text_content("#b") == "ok" and p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 2)
    assert [r["url_path"] for r in rows] == [pre, pre + "next"]


KLARO = f"""<script>
var klaroConfig = {{lang: "fr", storageMethod: "cookie", cookieName: "klaro", acceptAll: true, mustConsent: false,
  services: [
{block("klaro")}
  ]}};
</script>
<script defer src="/node_modules/klaro/dist/klaro-no-css.js"></script>"""


def test_klaro_before_choice_accept_then_withdraw(svc, pages, browser, site_key):
    pre = prefix("klaro")
    pages.add(pre, html(svc, site_key, head=KLARO))
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        assert p.stored_id() is None
        p.page.click("#klaro-cookie-notice .cm-btn-success")  # the notice's « C'est bon »
        navigate(p, pre + "accepted")
        assert p.stored_id() is not None
        p.page.evaluate("() => klaro.show()")
        p.page.click("label[for='purpose-item-analytics']")  # switch the audience off
        before = withdrawals(svc)
        p.page.click(".cm-btn-accept")  # « Enregistrer »: the tag watches Klaro's manager
        assert p.stored_id() is None  # the identifier goes at once
        navigate(p, pre + "withdrawn")
        wait_until(lambda: withdrawals(svc) == before + 1)
        assert p.errors == []
    finally:
        p.close()
    rows = {r["url_path"]: r for r in landed(svc, pre, 3)}
    assert len(rows) == 3
    before, withdrawn = rows[pre], rows[pre + "withdrawn"]
    assert (before["track"], before["consent_source"]) == ("exempt", "klaro")  # no choice yet
    assert (withdrawn["track"], withdrawn["consent_source"]) == ("exempt", "klaro")
    accepted = rows[pre + "accepted"]
    assert (accepted["track"], accepted["consent_source"], accepted["consent_purposes"]) == (
        "pooled",
        "klaro",
        "measure,pool,partner:demo-agency",
    )
    assert consent_of(svc, accepted["event_id"])["signal"] == "artaud=true,artaud_demo-agency=true"


def test_the_identifier_lives_13_months_from_consent_and_is_not_extended(svc, pages, browser, site_key):
    pre = prefix("lifetime")
    pages.add(pre, html(svc, site_key, head="<script>artaud('consent', 'pool')</script>"))
    day = 864e5
    for age_days, kept in ((100, True), (389, True), (391, False)):
        p = Page(browser)
        try:
            p.page.goto(pages.url(HOST, pre))  # the origin, to seed its storage
            p.page.evaluate(
                "([age]) => localStorage.setItem('artaud_id', JSON.stringify({i: 'seeded-id-000001', t: Date.now() - age}))",
                [age_days * day],
            )
            p.page.reload()
            wait_tag(p)
            navigate(p, pre + f"age-{age_days}")
            stored = json.loads(p.stored_id())
            if kept:
                assert stored["i"] == "seeded-id-000001"
                assert abs(stored["t"] - (time.time() * 1000 - age_days * day)) < 60_000  # never extended
            else:
                assert stored["i"] != "seeded-id-000001"  # expired: a new id, from today's consent
                assert abs(stored["t"] - time.time() * 1000) < 60_000
            assert p.errors == []
        finally:
            p.close()


def test_a_home_made_banner_that_answers_late_keeps_the_identifier_until_a_real_no(
    svc, pages, browser, site_key
):
    pre = prefix("api")
    late = (
        "<script>setTimeout(function () { artaud('consent', 'pool'); window.answered = true }, 400)</script>"
    )
    pages.add(pre, html(svc, site_key, body=late))
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre))
        wait_tag(p)
        p.page.wait_for_function("() => localStorage.getItem('artaud_id') !== null")  # the late yes
        ident = p.stored_id()
        before = withdrawals(svc)
        p.page.reload()  # next page: the banner answers late again
        wait_tag(p)
        assert p.stored_id() == ident  # an unknown answer erased nothing
        # the banner's late yes, then the next page (waiting a fixed 600 ms lost the race on a busy
        # machine: the navigation went first, before any answer, and was rightly exempt)
        p.page.wait_for_function("() => window.answered === true")
        navigate(p, pre + "after-yes")
        assert p.stored_id() == ident and withdrawals(svc) == before
        p.page.evaluate("() => artaud('consent', null)")  # the visitor says no
        assert p.stored_id() is None
        wait_until(lambda: withdrawals(svc) == before + 1)
        navigate(p, pre + "after-no")
        assert p.errors == []
    finally:
        p.close()
    rows = {r["url_path"]: r for r in landed(svc, pre, 4)}
    assert rows[pre + "after-yes"]["track"] == "pooled" and rows[pre + "after-no"]["track"] == "exempt"
    assert rows[pre + "after-no"]["consent_source"] == "tag"


def test_g_partner_id_sync_hands_the_consented_partner_its_pseudonym_once_a_day(
    svc, pages, browser, site_key
):
    partner = PartnerSyncServer()
    try:
        for args in (
            ("add", "--slug", "demo-agency", "--name", "Demo Agency"),
            (
                "sync",
                "--slug",
                "demo-agency",
                "--url",
                f"http://sync.demo-agency.example:{partner.port}/m?xid={{xid}}",
            ),
        ):
            subprocess.run(
                [sys.executable, "-m", "artaud.cli", "--data-dir", str(svc.data_dir), "partners", *args],
                check=True,
                capture_output=True,
                timeout=60,
            )
        probe = json.dumps(
            {
                "k": site_key,
                "v": "probe-visitor-01",
                "c": "pool,partner:demo-agency",
                "e": [{"n": "page_view"}],
            }
        )

        def registered() -> bool:  # the collector reloads the partners' sync URLs every few seconds
            req = urllib.request.Request(
                f"{svc.url}/c/s?b={quote(probe)}", headers={"Referer": f"http://{HOST}/"}
            )
            with urllib.request.urlopen(req, timeout=10) as r:
                return b"demo-agency" in r.read()

        # each collector worker reloads on its own, the first request after the delay still seeing the old
        # copy: 20 answers in a row on fresh connections have reached every worker after its reload
        wait_until(lambda: all(registered() for _ in range(20)), timeout=30)
        pre = prefix("g")
        pages.add(
            pre + "yes",
            html(svc, site_key, head="<script>artaud('consent', 'pool,partner:demo-agency')</script>"),
        )
        pages.add(pre + "pool-only", html(svc, site_key, head="<script>artaud('consent', 'pool')</script>"))
        pages.add(pre + "before-choice", html(svc, site_key))

        p = Page(browser)
        try:
            p.page.goto(pages.url(HOST, pre + "yes"))
            wait_tag(p)
            wait_until(lambda: len(partner.calls) >= 1)
            ident = p.stored_id()
            # the page cannot read the frame: it is on the collector's origin
            assert p.page.evaluate("() => document.querySelector('iframe[hidden]').contentDocument") is None
            p.page.reload()  # the next page: synced less than a day ago
            wait_tag(p)
            navigate(p, pre + "next")
            p.page.wait_for_timeout(2000)
            assert len(partner.calls) == 1 and p.stored_id() == ident, partner.calls
            assert p.errors == []
        finally:
            p.close()
        path, headers = partner.calls[0]
        ring = KeyRing(svc.data_dir / "secrets")
        pooled_key = ring.current("pooled-visitor")
        pooled = Pseudonymiser(pooled_key.secret, pooled_key.version).pooled(json.loads(ident)["i"])
        assert path == "/m?xid=" + partner_pseudonym(ring.current("partner-demo-agency").secret, pooled)
        assert "referer" not in headers  # the partner never learns the page, nor the collector URL
        assert json.loads(ident)["i"] not in path

        for page in ("pool-only", "before-choice"):  # no partner consent: nothing for the partner
            p = Page(browser)
            try:
                p.page.goto(pages.url(HOST, pre + page))
                wait_tag(p)
                p.page.wait_for_timeout(1500)
                assert p.errors == []
            finally:
                p.close()
        assert len(partner.calls) == 1
    finally:
        partner.close()
