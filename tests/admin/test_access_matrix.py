"""Every route of the console × every role (and anonymous): the routes come from the application
itself, so a new route without its expected answers here fails the test, and an undeclared route is
refused to everyone by the guard. Pages are called from a signed-in browser with the form's CSRF
token, the JSON API with the account's token; a cinema user is tied to 9990001."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.admin.helpers import Kit

WHO = ("admin", "operator", "finance", "auditor", "cinema", "other-cinema", "anonymous")
STAFF = {"admin", "operator", "finance", "auditor"}
RUN = {"admin", "operator"}
SIGNED_IN = STAFF | {"cinema", "other-cinema"}
FINANCE = {"admin", "finance"}
FINANCE_READ = FINANCE | {"auditor"}
Expect = Callable[[str], int]


def pages(allowed: set[str], ok: int = 200, other: int = 403) -> Expect:
    return lambda who: 303 if who == "anonymous" else (ok if who in allowed else other)


def apis(allowed: set[str], ok: int = 200) -> Expect:
    return lambda who: 401 if who == "anonymous" else (ok if who in allowed else 403)


# (method, path, body, expected status per who) for each route and method
CALLS: dict[tuple[str, str], list[tuple[str, Any, Expect]]] = {
    ("GET", "/healthz"): [("/healthz", None, lambda who: 200)],
    ("GET", "/static/<path:filename>"): [("/static/console.css", None, lambda who: 200)],
    ("GET", "/login"): [("/login", None, lambda who: 200)],
    ("POST", "/login"): [("/login", {"login": "nobody", "password": "x" * 12}, lambda who: 401)],
    ("GET", "/setup/<token>"): [("/setup/not-a-token", None, lambda who: 404)],
    ("POST", "/setup/<token>"): [("/setup/not-a-token", {"password": "x"}, lambda who: 404)],
    ("GET", "/"): [("/", None, pages(STAFF, other=303))],  # a cinema user is sent to its cinema
    ("GET", "/cinemas/<cnc>"): [
        ("/cinemas/9990001", None, pages(STAFF | {"cinema"}, other=404)),
        ("/cinemas/9990002", None, pages(STAFF | {"other-cinema"}, other=404)),
    ],
    ("GET", "/cinemas/<cnc>/statistiques"): [
        ("/cinemas/9990001/statistiques", None, pages(STAFF | {"cinema"}, other=404)),
        ("/cinemas/9990002/statistiques", None, pages(STAFF | {"other-cinema"}, other=404)),
    ],
    # no campaign distributed here: who may read a statement gets its 404, another cinema's user too
    ("GET", "/cinemas/<cnc>/releves/<campaign_id>.json"): [
        ("/cinemas/9990001/releves/nope.json", None, pages(STAFF | {"cinema"}, ok=404, other=404))
    ],
    ("GET", "/cinemas/new"): [("/cinemas/new", None, pages(RUN))],
    ("POST", "/cinemas/new"): [("/cinemas/new", {"cnc_id": "x"}, pages(RUN, ok=400))],
    ("POST", "/cinemas/import"): [("/cinemas/import", {}, pages(RUN, ok=400))],
    ("POST", "/cinemas/<cnc>/status"): [
        ("/cinemas/9990002/status", {"statut": "active"}, pages(RUN, ok=303))
    ],
    ("GET", "/segments"): [("/segments", None, pages(STAFF))],
    ("GET", "/dashboard"): [("/dashboard", None, pages(STAFF))],
    ("POST", "/segments/build"): [("/segments/build", {}, pages(RUN, ok=303))],
    ("GET", "/audit"): [("/audit", None, pages({"admin", "auditor"}))],
    ("GET", "/account"): [("/account", None, pages(SIGNED_IN))],
    ("POST", "/account/totp"): [
        # admin and finance already have their second factor: a new one needs a reset
        (
            "/account/totp",
            {},
            lambda who: 303 if who == "anonymous" else (409 if who in {"admin", "finance"} else 200),
        )
    ],
    ("POST", "/account/totp/confirm"): [
        ("/account/totp/confirm", {"code": "000000"}, pages(SIGNED_IN, ok=400))
    ],
    ("POST", "/account/logout-everywhere"): [("/account/logout-everywhere", {}, pages(SIGNED_IN, ok=303))],
    ("POST", "/logout"): [("/logout", {}, pages(SIGNED_IN, ok=303))],
    ("GET", "/api/v1/sites"): [("/api/v1/sites", None, apis(RUN | {"auditor"}))],
    ("GET", "/api/v1/stats"): [("/api/v1/stats", None, apis(STAFF))],
    ("GET", "/api/v1/segments"): [("/api/v1/segments", None, apis(STAFF))],
    ("POST", "/api/v1/segments/build"): [("/api/v1/segments/build", {"only": ["art-et-essai"]}, apis(RUN))],
    ("GET", "/api/v1/events/count"): [
        ("/api/v1/events/count?id_prefix=recent", None, apis(RUN | {"auditor"}))
    ],
    ("GET", "/api/v1/events/recent"): [
        ("/api/v1/events/recent?cinema=9990001", None, apis(RUN | {"auditor"}))
    ],
    ("GET", "/api/v1/consent"): [("/api/v1/consent?event_id=nope", None, apis(RUN | {"auditor"}))],
    # a pseudonym of the wrong shape: the roles that may erase get its 400, the others never reach it
    # no such campaign: the roles that may freeze get its 404, the others never reach it
    ("POST", "/api/v1/campaigns/<campaign_id>/freeze"): [
        ("/api/v1/campaigns/nope/freeze", None, apis({"admin", "finance"}, ok=404))
    ],
    # the money's pages (admin/money_pages.py): no such campaign, an empty form, no [payouts] account
    ("GET", "/campagnes"): [("/campagnes", None, pages(FINANCE_READ))],
    ("POST", "/campagnes"): [("/campagnes", {}, pages(FINANCE, ok=400))],
    ("GET", "/campagnes/<campaign_id>"): [("/campagnes/nope", None, pages(FINANCE_READ, ok=404))],
    **{
        ("POST", f"/campagnes/<campaign_id>/{action}"): [
            (f"/campagnes/nope/{action}", {}, pages(FINANCE, ok=404))
        ]
        for action in ("approbation", "gel", "repartition", "annulation", "encaissement")
    },
    ("GET", "/campagnes/<campaign_id>/preuves/<cnc>"): [
        ("/campagnes/nope/preuves/9990001", None, pages(FINANCE_READ, ok=404))
    ],
    ("GET", "/campagnes/<campaign_id>/racine"): [
        ("/campagnes/nope/racine", None, pages(FINANCE_READ, ok=404))
    ],
    ("GET", "/releves"): [("/releves", None, pages(FINANCE_READ))],
    ("GET", "/releves/<cnc>"): [("/releves/9990001", None, pages(FINANCE_READ, ok=400))],
    ("POST", "/paiements"): [
        ("/paiements", {"payout_id": "x", "execution_date": "2026-12-01"}, pages(FINANCE, ok=409))
    ],
    ("POST", "/api/v1/erasures"): [("/api/v1/erasures", {"visitor": "d.not-pooled"}, apis(RUN, ok=400))],
    # the partners' pages (admin/partner_pages.py): an empty form, no such partner
    ("GET", "/partenaires"): [("/partenaires", None, pages(STAFF))],
    ("POST", "/partenaires"): [("/partenaires", {}, pages(RUN, ok=400))],
    ("GET", "/partenaires/<slug>"): [("/partenaires/nope", None, pages(STAFF, ok=404))],
    ("POST", "/partenaires/<slug>/statut"): [
        ("/partenaires/nope/statut", {"statut": "active"}, pages(RUN, ok=404))
    ],
    ("POST", "/partenaires/<slug>/cles"): [("/partenaires/nope/cles", {}, pages(RUN, ok=404))],
    ("POST", "/partenaires/<slug>/cles/<prefix>/revocation"): [
        ("/partenaires/nope/cles/1a2b3c4d/revocation", {}, pages(RUN, ok=404))
    ],
    ("POST", "/partenaires/<slug>/synchronisation"): [
        ("/partenaires/nope/synchronisation", {"url": "x"}, pages(RUN, ok=404))
    ],
    ("GET", "/segments/progression"): [("/segments/progression", None, pages(STAFF))],
    # « Système » (admin/system_pages.py): staff read; the admin alone reaches a rotation (no such key)
    ("GET", "/systeme"): [("/systeme", None, pages(STAFF))],
    ("GET", "/systeme/cles/<purpose>/rotation"): [
        ("/systeme/cles/nope/rotation", None, pages({"admin"}, ok=404))
    ],
    ("POST", "/systeme/cles/<purpose>/rotation"): [
        ("/systeme/cles/nope/rotation", {"confirmation": "oui"}, pages({"admin"}, ok=404))
    ],
    # « Droits et consentement » (admin/rights_pages.py): read by RUN and the auditor, erasure by RUN;
    # a lookup of no event finds nothing, an erasure of a wrong pseudonym is a French 400
    ("GET", "/droits"): [("/droits", None, pages(RUN | {"auditor"}))],
    ("POST", "/droits/consentement"): [
        ("/droits/consentement", {"evenements": "nope"}, pages(RUN | {"auditor"}))
    ],
    ("POST", "/droits/effacement"): [("/droits/effacement", {"pseudonyme": "d.x"}, pages(RUN, ok=400))],
}


@pytest.fixture
def people(kit: Kit) -> Kit:
    kit.account("admin", "admin")
    kit.account("finance", "finance")
    kit.account("auditor", "auditor")
    kit.account("cinema", "cinema", "9990001")
    kit.account("other-cinema", "cinema", "9990002")
    return kit


def call(kit: Kit, who: str, method: str, path: str, body: Any) -> Any:
    login = {"operator": "ops"}.get(who, who)
    client = kit.app.test_client() if who == "anonymous" else kit.browser(login)
    if path.startswith("/api/"):
        headers = {} if who == "anonymous" else kit.token(login)
        return client.open(path, method=method, json=body, headers=headers)
    if method == "POST":
        form = kit.form(client, "/login" if who == "anonymous" else "/account")
        return client.post(path, data={**form, **(body or {})})
    return client.get(path)


def test_every_route_every_role(people: Kit) -> None:
    app = people.app
    routes = sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    )
    missing = [r for r in routes if r not in CALLS]
    assert not missing, f"routes without their expected answers in this test: {missing}"
    assert not set(CALLS) - set(routes), "answers for routes that no longer exist"
    failures = []
    for method, rule in routes:
        for path, body, expect in CALLS[(method, rule)]:
            for who in WHO:
                got = call(people, who, method, path, body)
                if got.status_code != expect(who):
                    failures.append(f"{who} {method} {path}: {got.status_code}, expected {expect(who)}")
    assert failures == [], "\n".join(failures)


def test_an_undeclared_route_is_refused_to_everyone(people: Kit) -> None:
    @people.app.get("/forgotten")
    def forgotten() -> str:
        return "secret"

    for who in ("admin", "anonymous"):
        client = people.app.test_client() if who == "anonymous" else people.browser(who)
        answer = client.get("/forgotten")
        assert answer.status_code == 403 and "secret" not in answer.get_data(as_text=True)
