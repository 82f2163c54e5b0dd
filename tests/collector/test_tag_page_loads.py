"""The tag on a multi-page cinema site, as a visitor lives it: every step is a page load (never an
in-page navigation), for each consent tool a French site runs (tarteaucitron.js and Klaro from the
example pages of the webmaster docs, French and English; the IAB's own CMP API; a home-made banner on
the tag's API), with the tag in the `<head>`, at the end of the `<body>`, and injected by Google Tag
Manager at "Initialisation", "DOM ready" and "Window loaded" (and `async` in the head for some). The
banners' scripts load from local files where
a site hosts them. Each walk: first visit (exempt, no identifier), refusal (exempt), acceptance then
another page (pooled, with its consent record), reload (pooled, same visitor), the next day (pooled,
same visitor), withdrawal (the identifier goes at once, the collector is told, then exempt).

Also: a visitor who accepts, or who leaves, before the banner has answered loses no hit; markup and a
dataLayer `view_item` describing one page view are one event; a page whose body arrives late behind a
GTM-injected tag still gets its film; and the installation check says in French what the tag sees."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from artaud.collector.snippet import STUB, gtm_snippet, snippet
from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import DELAY, PageServer
from tests.collector.browser_kit import (
    HOST,
    SCARE_VENDOR,
    Page,
    consent_of,
    landed,
    prefix,
    proved,
    tac_click,
    wait_until,
    withdrawals,
)
from tests.doc_blocks import block
from tests.tcf_strings import tc_strings

pytestmark = [pytest.mark.slow, pytest.mark.browser]

EXAMPLE_URL, EXAMPLE_KEY = "https://collecte.scare.example", "sk_VotreCleDeSite"
FILM = (
    '<h1 data-artaud-film="F77" data-artaud-title="Perfect Days" data-artaud-director="Wim Wenders">'
    "Perfect Days</h1>"
)
# a film page's own dataLayer push, as GTM e-commerce sites make it: the same page view as the markup
LAYER = """<script>window.dataLayer = window.dataLayer || [];
dataLayer.push({event: "view_item", ecommerce: {items: [{item_id: "F77", item_name: "Perfect Days"}]}});</script>"""
REF = "perfect-days~wim-wenders"


WHEN = {
    "init": "run()",
    "dom": "document.addEventListener('DOMContentLoaded', run)",
    "load": "window.addEventListener('load', run)",
}


def gtm_loader(html: str, when: str) -> str:
    """A script that injects `html` the way Google Tag Manager runs a Custom HTML tag: each script
    element re-created with its attributes (so `defer` means nothing), external ones one after the
    other, appended to the body (the head while there is none); at once ("init"), once the document
    is parsed ("dom", GTM's "DOM ready") or at the window's load event ("load")."""
    literal = json.dumps(html).replace("</", "<\\/")  # as GTM's container holds it: no "</script>"
    return f"""<script>(function () {{
  function run() {{
    var box = document.createElement("div"), list;
    box.innerHTML = {literal};
    list = [].slice.call(box.querySelectorAll("script"));
    (function next() {{
      var s = list.shift(), n, i;
      if (!s) return;
      n = document.createElement("script");
      for (i = 0; i < s.attributes.length; i++) n.setAttribute(s.attributes[i].name, s.attributes[i].value);
      n.text = s.text;
      if (n.src) n.onload = n.onerror = next;
      (document.body || document.head).appendChild(n);
      if (!n.src) next();
    }})();
  }}
  {WHEN[when]};
}})();</script>"""


def place(page: str, svc: ArtaudProcess, site_key: str, placement: str) -> str:
    """A page holding the documented snippet, with the tag moved where `placement` says."""
    tag = snippet(EXAMPLE_URL, EXAMPLE_KEY)
    assert tag in page
    if placement == "head":
        out = page
    elif placement == "async":  # in the head, async: it may run before the body is parsed
        out = page.replace('<script defer src="' + EXAMPLE_URL, '<script async src="' + EXAMPLE_URL)
    elif placement == "body":  # the end of the body, without defer
        out = page.replace(tag, "").replace(
            "</body>",
            f'<script>{STUB}</script><script src="{EXAMPLE_URL}/c/t.js" data-site="{EXAMPLE_KEY}"></script></body>',
        )
    else:  # GTM: its container first in the head, the Custom HTML tag injected at init, DOM ready or load
        gtm = gtm_loader(gtm_snippet(EXAMPLE_URL, EXAMPLE_KEY), placement.removeprefix("gtm-"))
        out = page.replace(tag, "").replace("<head>", "<head>" + gtm, 1)
    return out.replace(EXAMPLE_URL, svc.url).replace(EXAMPLE_KEY, site_key)


@dataclass
class Banner:
    """A consent tool as a visitor meets it: its page, and refusing, accepting, withdrawing in it."""

    name: str
    source: str  # consent_source of the pooled events
    page: Callable[[], str]  # an example page holding the documented snippet in its head
    ready: Callable[[Page], None]  # the banner shown (first visit) or its choice loaded
    refuse: Callable[[Page], None]
    accept: Callable[[Page], None]
    withdraw: Callable[[Page], None]
    signal: Callable[[], str]  # the signal of the consent record after acceptance


def tac(doc: str) -> Banner:
    def panel(p: Page, button: str, state: bool) -> None:  # « Gérer mes choix », then a button
        p.page.wait_for_function("() => window.tarteaucitron && tarteaucitron.added.artaud")
        p.page.evaluate("() => tarteaucitron.userInterface.openPanel()")
        tac_click(p, button, state)

    return Banner(
        name=f"tarteaucitron-{doc}",
        source="tac",
        page=lambda: block("page-tarteaucitron", doc),
        ready=lambda p: p.page.wait_for_function("() => window.tarteaucitron && tarteaucitron.added.artaud"),
        refuse=lambda p: tac_click(p, "#tarteaucitronAllDenied2", False),  # « Tout refuser » in the banner
        accept=lambda p: panel(p, "#tarteaucitronAllAllowed", True),  # « Tout accepter »
        withdraw=lambda p: panel(p, "#tarteaucitronAllDenied", False),  # « Tout refuser »
        signal=lambda: "artaud=true",
    )


def klaro(doc: str) -> Banner:
    def modal(p: Page, *purposes: str) -> None:  # reopen Klaro, switch purposes, « Enregistrer »
        p.page.evaluate("() => klaro.show()")
        for purpose in purposes:
            p.page.click(f"label[for='purpose-item-{purpose}']")
        p.page.click(".cm-btn-accept")

    return Banner(
        name=f"klaro-{doc}",
        source="klaro",
        page=lambda: block("page-klaro", doc),
        ready=lambda p: p.page.wait_for_function("() => window.klaro && klaro.getManager"),
        refuse=lambda p: p.page.click("#klaro-cookie-notice .cn-decline"),  # « Je refuse » in the notice
        accept=lambda p: modal(p, "analytics", "advertising"),  # the audience and the partner on
        withdraw=lambda p: modal(p, "analytics"),  # the audience off
        signal=lambda: "artaud=true,artaud_demo-agency=true",
    )


TCF_ACCEPT: list[str] = []  # built once by the IAB's encoder: [accepted, refused]


def tcf_strings() -> list[str]:
    if not TCF_ACCEPT:
        TCF_ACCEPT.extend(
            tc_strings(
                [
                    {"purposes": [1, 3, 4], "vendors": [SCARE_VENDOR]},
                    {"purposes": [1], "vendors": []},
                ]
            )
        )
    return TCF_ACCEPT


def tcf_page() -> str:
    """A site's CMP built on the IAB's own CMP API: the stub first; the choice kept in a cookie and
    given to the CMP API on every page; no choice yet: the CMP shows its UI (`cmpuishown`)."""
    accept, refuse = tcf_strings()
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Perfect Days — Le Méliès</title>
<script src="/node_modules/@iabtechlabtcf/stub/lib/stub.js"></script>
<script type="importmap">{{"imports": {{
  "@iabtechlabtcf/core": "/node_modules/@iabtechlabtcf/core/lib/mjs/index.js",
  "@iabtechlabtcf/cmpapi": "/node_modules/@iabtechlabtcf/cmpapi/lib/mjs/index.js"}}}}</script>
<script type="module">
import {{ CmpApi }} from "@iabtechlabtcf/cmpapi";
const api = new CmpApi(300, 1, true);
const saved = (document.cookie.match(/(?:^|; )cmp=(\\w+)/) || [])[1];
const strings = {{accept: {json.dumps(accept)}, refuse: {json.dumps(refuse)}}};
api.update(saved ? strings[saved] : "", !saved);
window.choose = (c) => {{ document.cookie = "cmp=" + c + "; path=/; max-age=15552000"; api.update(strings[c], false); }};
</script>
{snippet(EXAMPLE_URL, EXAMPLE_KEY)}
</head>
<body>
<button id="cmp-accept" onclick="choose('accept')">Tout accepter</button>
<button id="cmp-refuse" onclick="choose('refuse')">Tout refuser</button>
{FILM}
{LAYER}
</body>
</html>"""


def api_page() -> str:
    """A home-made banner: the choice kept in the site's own cookie and told to the tag on every page,
    as docs/webmasters.md says; no choice yet, nothing told."""
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Perfect Days — Le Méliès</title>
<script>
{STUB};
(function () {{
  var c = (document.cookie.match(/(?:^|; )choix=(\\w+)/) || [])[1];
  if (c == "oui") artaud("consent", "pool");
  if (c == "non") artaud("consent", null);
}})();
function choisir(c) {{
  document.cookie = "choix=" + c + "; path=/; max-age=15552000";
  artaud("consent", c == "oui" ? "pool" : null);
}}
</script>
{snippet(EXAMPLE_URL, EXAMPLE_KEY)}
</head>
<body>
<button id="oui" onclick="choisir('oui')">Accepter</button>
<button id="non" onclick="choisir('non')">Refuser</button>
{FILM}
{LAYER}
</body>
</html>"""


BANNERS = {
    "tarteaucitron-fr": tac("webmasters.fr.md"),
    "tarteaucitron-en": tac("webmasters.md"),
    "klaro-fr": klaro("webmasters.fr.md"),
    "klaro-en": klaro("webmasters.md"),
    "tcf": Banner(
        name="tcf",
        source="tcf",
        page=tcf_page,
        ready=lambda p: p.page.wait_for_function(
            "() => new Promise(r => __tcfapi('ping', 2, (x) => r(x.cmpStatus === 'loaded')))"
        ),
        refuse=lambda p: p.page.click("#cmp-refuse"),
        accept=lambda p: p.page.click("#cmp-accept"),
        withdraw=lambda p: p.page.click("#cmp-refuse"),
        signal=lambda: proved(tcf_strings()[0]),
    ),
    "api": Banner(
        name="api",
        source="tag",
        page=api_page,
        ready=lambda p: p.page.wait_for_selector("#oui"),
        refuse=lambda p: p.page.click("#non"),
        accept=lambda p: p.page.click("#oui"),
        withdraw=lambda p: p.page.click("#non"),
        signal=lambda: "pool",
    ),
}
WALKS = [
    *[
        (b, where)
        for b in ("tarteaucitron-fr", "klaro-fr", "tcf", "api")
        for where in ("head", "body", "gtm-init", "gtm-load")
    ],
    ("tarteaucitron-fr", "gtm-dom"),
    ("tcf", "async"),
    ("klaro-fr", "async"),
    ("tarteaucitron-en", "head"),
    ("klaro-en", "head"),
]
NEXT_DAY = """(() => { const D = Date, shift = 864e5;
  function F(...a) { return a.length ? new D(...a) : new D(D.now() + shift); }
  F.prototype = D.prototype; F.now = () => D.now() + shift; F.UTC = D.UTC; F.parse = D.parse;
  window.Date = F; })();"""


@pytest.mark.parametrize(("banner", "placement"), WALKS, ids=[f"{b}-{w}" for b, w in WALKS])
def test_a_visitor_across_page_loads(svc, pages, browser, site_key, banner, placement):
    b = BANNERS[banner]
    pre = prefix(f"{banner}-{placement}".replace("tarteaucitron", "tac"))  # a path segment under 32
    page = place(b.page(), svc, site_key, placement)
    for step in ("first", "refused", "accepted", "next-day", "withdrawn"):
        pages.add(pre + step, page)
    p = Page(browser)
    sent = 0

    def load(step: str, reload: bool = False) -> list[dict[str, Any]]:
        """A page load; returns the beacons it sent (a page view and its film: two)."""
        nonlocal sent
        p.page.reload() if reload else p.page.goto(pages.url(HOST, pre + step))
        b.ready(p)
        sent += 2
        p.wait_hits(sent)
        p.page.wait_for_timeout(100)
        assert len(p.hits) == sent, "one page view and one film per page load, nothing more"
        return p.hits[-2:]

    try:
        for hit in load("first"):  # first visit: no choice yet
            assert "v" not in hit
        assert p.stored_id() is None
        b.refuse(p)
        for hit in load("refused"):
            assert "v" not in hit
        assert p.stored_id() is None
        b.accept(p)
        accepted = load("accepted")  # the next page load after accepting: pooled at once
        ident = p.stored_id()
        assert ident is not None and all(h["v"] == json.loads(ident)["i"] for h in accepted)
        load("accepted", reload=True)
        assert p.stored_id() == ident
        p.ctx.add_init_script(NEXT_DAY)  # the visitor comes back the next day
        load("next-day")
        assert p.page.evaluate("() => Date.now() - performance.timeOrigin") > 8e7
        kept = json.loads(p.stored_id())  # kept: 13 months from the consent, not extended
        assert (kept["i"], kept["t"]) == (json.loads(ident)["i"], json.loads(ident)["t"])
        before = withdrawals(svc)
        b.withdraw(p)
        wait_until(lambda: p.stored_id() is None)  # the identifier goes at once
        wait_until(lambda: withdrawals(svc) == before + 1)  # and the collector is told
        for hit in load("withdrawn"):
            assert "v" not in hit
        assert p.errors == []
    finally:
        p.close()

    rows = landed(svc, pre, 12)
    assert len(rows) == 12
    views = [r for r in rows if r["event_name"] == "page_view"]
    films = [r for r in rows if r["event_name"] == "view_item"]
    assert Counter(r["url_path"].removeprefix(pre) for r in views) == {
        "first": 1,
        "refused": 1,
        "accepted": 2,
        "next-day": 1,
        "withdrawn": 1,
    }
    assert Counter((r["url_path"], r["film_ref"], r["film_key"]) for r in films) == Counter(
        (r["url_path"], REF, "F77") for r in views
    )  # one film per page view, with the director of the markup
    for r in rows:
        step = r["url_path"].removeprefix(pre)
        assert r["track"] == ("pooled" if step in ("accepted", "next-day") else "exempt"), (step, r)
    pooled = [r for r in rows if r["track"] == "pooled"]
    assert len({r["visitor"] for r in pooled}) == 1  # the same visitor on reload and the next day
    assert all(r["consent_source"] == b.source for r in pooled)
    record = consent_of(svc, pooled[0]["event_id"])
    assert record["source"] == b.source and record["signal"] == b.signal()
    assert all(r["consent_id"] == "" for r in rows if r["track"] == "exempt")


def test_a_visitor_who_accepts_or_leaves_before_the_banner_answered_loses_no_hit(
    svc, pages, browser, site_key
):
    """The home-made banner answers only when clicked: the page view is held (up to the wait); the
    visitor accepts and leaves at once (pooled), or leaves without a word (exempt): both land."""
    pre = prefix("leave")
    page = place(api_page(), svc, site_key, "head")
    for step in ("accept-and-go", "go", "elsewhere"):
        pages.add(pre + step, page)
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre + "accept-and-go"))
        p.page.click("#oui")
        p.page.goto(pages.url(HOST, pre + "elsewhere"))
        q = Page(browser)
        try:
            q.page.goto(pages.url(HOST, pre + "go"))
            q.page.wait_for_selector("#oui")
            started = time.monotonic()
            q.page.goto("about:blank")  # gone within the wait, the banner never answered
            assert time.monotonic() - started < 1.5
        finally:
            q.close()
    finally:
        p.close()
    rows = {(r["url_path"], r["event_name"]): r for r in landed(svc, pre, 6)}
    assert rows[(pre + "accept-and-go", "page_view")]["track"] == "pooled"
    assert rows[(pre + "accept-and-go", "view_item")]["track"] == "pooled"
    assert rows[(pre + "go", "page_view")]["track"] == "exempt"
    assert rows[(pre + "go", "view_item")]["film_ref"] == REF


def test_gtm_at_initialisation_on_a_page_whose_body_arrives_late(svc, pages, browser, site_key):
    """GTM injects the tag from the head while the body is still on its way (one second late): the
    tag waits for the document before counting the page, finds the film in the late markup, and sends
    one view_item for the markup and the dataLayer push of the same page view."""
    pre = prefix("late")
    body = f"<body>{FILM}{LAYER}</body></html>"
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Perfect Days</title>
<script>{STUB}; artaud("consent", "pool");</script>
{gtm_loader(gtm_snippet(svc.url, site_key), "init")}
</head>{DELAY}{body}"""
    pages.add(pre, page)
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre))
        p.wait_hits(2)
        p.page.wait_for_timeout(1000)
        assert len(p.hits) == 2 and p.errors == []
    finally:
        p.close()
    rows = landed(svc, pre, 2)
    assert Counter(r["event_name"] for r in rows) == {"page_view": 1, "view_item": 1}
    [film] = [r for r in rows if r["event_name"] == "view_item"]
    assert (film["film_ref"], film["film_key"], film["track"]) == (REF, "F77", "pooled")


def test_json_ld_and_markup_of_one_film_make_one_event_with_the_richest_description(
    svc, pages, browser, site_key
):
    """The markup names the film without its director, the JSON-LD (read by the on-demand module)
    gives the director, the dataLayer pushes the same view: one view_item with the director."""
    pre = prefix("richest")
    ld = """<script type="application/ld+json">{"@context": "https://schema.org", "@type": "ScreeningEvent",
 "startDate": "2026-11-25T20:30:00+01:00", "workPresented": {"@type": "Movie", "name": "PERFECT DAYS",
 "director": {"@type": "Person", "name": "Wim Wenders"}}}</script>"""
    markup = '<h1 data-artaud-film="F77" data-artaud-title="Perfect Days">Perfect Days</h1>'
    pages.add(
        pre,
        f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Perfect Days</title>
<script>{STUB}; artaud("consent", "pool");</script>{ld}{snippet(svc.url, site_key)}</head>
<body>{markup}{LAYER}</body></html>""",
    )
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre))
        p.wait_hits(2)
        p.page.wait_for_timeout(800)
        assert len(p.hits) == 2 and p.errors == []
        [film] = [h["e"][0] for h in p.hits if h["e"][0]["n"] == "view_item"]
        assert (film["film"], film["title"], film["dir"]) == ("F77", "Perfect Days", "Wim Wenders")
    finally:
        p.close()
    [film_row] = [r for r in landed(svc, pre, 2) if r["event_name"] == "view_item"]
    assert film_row["film_ref"] == REF


def test_the_installation_check_says_in_french_what_the_tag_sees(svc, pages, browser, site_key):
    pre = prefix("check")
    page = place(block("page-tarteaucitron"), svc, site_key, "head")
    pages.add(pre, page)
    p = Page(browser)
    try:
        p.page.goto(pages.url(HOST, pre))
        BANNERS["tarteaucitron-fr"].ready(p)
        p.page.evaluate("() => tarteaucitron.userInterface.openPanel()")
        tac_click(p, "#tarteaucitronAllAllowed", True)
        p.page.goto(pages.url(HOST, pre + "?artaud-check"))
        panel = p.page.locator("#artaud-check")
        panel.wait_for()
        wait_until(lambda: panel.inner_text().count("audience mutualisée (avec consentement") == 2)
        text = panel.inner_text()
        assert "Vérification du marqueur du SCARE" in text
        assert "tarteaucitron.js : le visiteur a accepté l'audience mutualisée" in text
        assert "Film de la page : « Perfect Days » de Wim Wenders (identifiant F77)" in text
        assert "film reconnu : perfect-days~wim-wenders" in text
        # headless Chromium says so in its user agent: the check tells the webmaster why it is a robot
        assert "compté comme un robot : son agent utilisateur contient « HeadlessChrome »" in text
        assert p.errors == []
    finally:
        p.close()
    # the check sent nothing more than usual: the page's hits landed, once
    rows = landed(svc, pre, 4)
    assert Counter(r["event_name"] for r in rows) == {"page_view": 2, "view_item": 2}


def test_the_check_of_a_page_on_an_undeclared_domain_says_why_its_hits_are_refused(
    svc, pages, browser, site_key
):
    pre = prefix("check-refused")
    pages.add(pre, f"<!doctype html><html><head>{snippet(svc.url, site_key)}</head><body></body></html>")
    p = Page(browser)
    try:
        p.page.goto(pages.url("ailleurs.example", pre + "?artaud-check"))
        panel = p.page.locator("#artaud-check")
        panel.wait_for()
        wait_until(lambda: "refusé" in panel.inner_text())
        assert "cette page n'est pas sur un domaine déclaré pour votre cinéma" in panel.inner_text()
    finally:
        p.close()


def test_pages_server_serves_the_banners_where_the_example_pages_load_them(pages: PageServer) -> None:
    import urllib.request

    for path in (
        "/tarteaucitron/tarteaucitron.js",
        "/tarteaucitron/lang/tarteaucitron.fr.js",
        "/klaro/klaro.js",
    ):
        with urllib.request.urlopen(f"http://127.0.0.1:{pages.port}{path}", timeout=10) as r:
            assert r.status == 200 and len(r.read()) > 1000, path
