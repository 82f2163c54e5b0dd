"""The « Partenaires » pages (admin/partner_pages.py): the agencies' accounts listed in French, added
and suspended by admin and operator through the rules `artaud partners` uses, a key's secret shown
once on the answer to the POST that made it, revocation, the sync URL's checks in French, the
exports and the calls of a partner, the auditor reading only, and the console's audit log."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from artaud.admin import partner_fr
from artaud.collector import idsync
from artaud.partners.keys import hash_token, new_key
from artaud.partners.records import ExportRecord
from artaud.partners.store import PartnerStore
from tests.admin.helpers import Kit

TOKEN = re.compile(r"pk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


@pytest.fixture
def store(kit: Kit) -> PartnerStore:
    return PartnerStore(kit.cp.engine)


@pytest.fixture
def agency(store: PartnerStore) -> str:
    store.add("agence-x", "Agence X", min_audience=500)
    return "agence-x"


def audit(kit: Kit) -> list[tuple[str, str, int]]:
    return [(e.action, e.object, e.outcome) for e in kit.console.audit.entries(500)]


def test_the_list_says_each_account_in_french(kit: Kit, store: PartnerStore, agency: str) -> None:
    k = new_key()
    store.add_key(agency, k.prefix, k.secret_hash, ("art-et-essai",), ("csv",))
    gone = new_key()
    store.add_key(agency, gone.prefix, gone.secret_hash, ("*",), ("json",))
    store.revoke_key(gone.prefix)
    store.set_sync_url(agency, "https://sync.agence.test/m?xid={xid}")
    store.add("agence-y", "Agence Y")
    store.set_status("agence-y", "suspended")
    store.audit(agency, k.prefix, "GET", "/v1/segments", 200)
    kit.account("reader", "auditor")
    html = kit.browser("reader").get("/partenaires").get_data(as_text=True)
    row = html.split("Agence X", 1)[1].split("</tr>", 1)[0]
    assert "actif" in row and "« Public Art et Essai »" in row
    assert "CSV" in row and "JSON" not in row  # the revoked key's scopes are not counted
    assert '<td class="n">1</td>' in row and "adresse enregistrée" in row
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", row)
    other = html.split("Agence Y", 1)[1].split("</tr>", 1)[0]
    assert "suspendu" in other and "aucune clé active" in other and "jamais" in other
    assert "Ajouter un partenaire" not in html  # the auditor reads
    assert ">suspended<" not in html and ">active<" not in html


def test_an_operator_adds_a_partner(kit: Kit, store: PartnerStore) -> None:
    browser = kit.browser("ops")
    form = kit.form(browser, "/partenaires")
    answer = browser.post(
        "/partenaires",
        data={
            **form,
            "slug": "demo-agency",
            "name": "Demo Agency",
            "min_audience": "1 000",
            "rate_per_minute": "30",
            "export_ttl_days": "7",
        },
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/partenaires/demo-agency?fait=ajoute"
    made = store.get("demo-agency")
    assert made is not None and (
        made.name,
        made.min_audience,
        made.rate_per_minute,
        made.export_ttl_days,
    ) == ("Demo Agency", 1000, 30, 7)
    page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Partenaire ajouté" in page and "Aucune clé." in page
    assert ("POST /partenaires", '{"partenaire": "demo-agency"}', 303) in audit(kit)


def test_a_refused_account_says_each_field_in_french(kit: Kit, store: PartnerStore, agency: str) -> None:
    browser = kit.browser("ops")
    form = kit.form(browser, "/partenaires")
    bad = {
        "slug": "Mauvais Nom",
        "name": " ",
        "min_audience": "beaucoup",
        "rate_per_minute": "0",
        "export_ttl_days": "400",
    }
    answer = browser.post("/partenaires", data={**form, **bad})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "corrigez les champs signalés" in html
    for words in (
        "lettres minuscules",
        "le nom est obligatoire",
        "de 0 à 10 000 000",
        "de 1 à 100 000",
        "de 1 à 365",
    ):
        assert words in html
    assert 'value="Mauvais Nom"' in html  # what was typed stays
    assert "lower-case" not in html and "required" not in html.replace(" required", "")
    fine = {"min_audience": "0", "rate_per_minute": "60", "export_ttl_days": "30"}
    again = browser.post("/partenaires", data={**form, **fine, "slug": agency, "name": "Encore"})
    assert again.status_code == 409 and "un partenaire porte déjà cet identifiant" in again.get_data(
        as_text=True
    )
    assert [p.slug for p in store.all()] == [agency]


def test_a_new_key_is_shown_once_on_the_answer_to_its_post(
    kit: Kit, store: PartnerStore, agency: str
) -> None:
    browser = kit.browser("ops")
    form = kit.form(browser, f"/partenaires/{agency}")
    answer = browser.post(
        f"/partenaires/{agency}/cles",
        data={
            **form,
            "segments": ["art-et-essai", "film"],
            "formats": ["csv", "jsonl"],
            "expires": "2030-06-30",
        },
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 201 and answer.headers["Cache-Control"] == "no-store"
    [token] = set(TOKEN.findall(html))
    assert "Elle ne sera plus jamais affichée" in html and "30/06/2030" not in html  # end of that day, Paris
    assert "01/07/2030 00:00:00" in html
    [key] = store.keys(agency)
    assert key.secret_hash == hash_token(token) and token.startswith(f"pk_{key.prefix}_")
    assert key.segments == ("art-et-essai", "film") and key.formats == ("csv", "jsonl")
    # nowhere else: not on the page reloaded by GET, not in the session, not in the audit log
    page = browser.get(f"/partenaires/{agency}").get_data(as_text=True)
    assert token not in page and key.secret_hash not in page and key.prefix in page
    assert not TOKEN.search(page) and "Nouvelle clé" not in page
    with browser.session_transaction() as session:
        assert token not in json.dumps(dict(session), default=str)
    entries = audit(kit)
    assert all(token not in obj and key.secret_hash not in obj for _, obj, _ in entries)
    assert (
        "POST /partenaires/<slug>/cles",
        json.dumps(
            {"clé": key.prefix, "partenaire": agency, "slug": agency}, ensure_ascii=False, sort_keys=True
        ),
        201,
    ) in entries


def test_a_key_refused_says_each_field_in_french(kit: Kit, store: PartnerStore, agency: str) -> None:
    browser = kit.browser("ops")
    form = kit.form(browser, f"/partenaires/{agency}")
    answer = browser.post(f"/partenaires/{agency}/cles", data={**form, "expires": "2001-01-01"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "La clé n&#39;a pas été émise" in html
    assert "cochez au moins un segment" in html and "cochez au moins un format" in html
    assert "une date à venir" in html and not TOKEN.search(html)
    again = browser.post(
        f"/partenaires/{agency}/cles", data={**form, "segments": "*", "formats": "csv", "expires": "demain"}
    )
    assert again.status_code == 400 and "un nombre de jours de 1 à 3 650" in again.get_data(as_text=True)
    assert store.keys(agency) == []


def test_revoking_a_key(kit: Kit, store: PartnerStore, agency: str) -> None:
    k = new_key()
    store.add_key(agency, k.prefix, k.secret_hash, ("*",), ("csv",))
    store.add("agence-y", "Agence Y")
    theirs = new_key()
    store.add_key("agence-y", theirs.prefix, theirs.secret_hash, ("*",), ("csv",))
    browser = kit.browser("ops")
    form = kit.form(browser, f"/partenaires/{agency}")
    assert (
        browser.post(f"/partenaires/{agency}/cles/{theirs.prefix}/revocation", data=form).status_code == 404
    )
    answer = browser.post(f"/partenaires/{agency}/cles/{k.prefix}/revocation", data=form)
    assert answer.status_code == 303
    found, other = store.key(k.prefix), store.key(theirs.prefix)
    assert found is not None and found.revoked_at is not None
    assert other is not None and other.revoked_at is None
    page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Clé révoquée" in page and "révoquée le" in page


def test_the_sync_url_is_checked_as_the_cli_checks_it(kit: Kit, store: PartnerStore, agency: str) -> None:
    browser = kit.browser("ops")
    form = kit.form(browser, f"/partenaires/{agency}")
    bad = browser.post(
        f"/partenaires/{agency}/synchronisation", data={**form, "url": "http://sync.agence.fr/m#x"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "doit contenir {xid} exactement une fois" in html
    assert "doit utiliser https" in html and "pas de #fragment" in html and "must" not in html
    assert 'value="http://sync.agence.fr/m#x"' in html and store.sync_url(agency) is None
    url = "https://sync.agence.fr/match?xid={xid}"
    ok = browser.post(
        f"/partenaires/{agency}/synchronisation", data={**form, "url": url, "action": "enregistrer"}
    )
    assert ok.status_code == 303 and store.sync_url(agency) == url
    assert "Adresse de synchronisation enregistrée" in browser.get(ok.headers["Location"]).get_data(
        as_text=True
    )
    gone = browser.post(f"/partenaires/{agency}/synchronisation", data={**form, "action": "retirer"})
    assert gone.status_code == 303 and store.sync_url(agency) is None
    objects = [obj for action, obj, _ in audit(kit) if action == "POST /partenaires/<slug>/synchronisation"]
    assert len(objects) == 3 and all('"partenaire": "agence-x"' in o for o in objects)


def test_every_sync_url_problem_has_its_french_words() -> None:
    source = Path(idsync.__file__).read_text(encoding="utf-8")
    reasons = set(re.findall(r'problems\.append\(\s*\(\s*"(\w+)"', source))
    assert reasons and reasons == set(partner_fr.SYNC_FR)


def test_suspending_and_reactivating(kit: Kit, store: PartnerStore, agency: str) -> None:
    browser = kit.browser("ops")
    form = kit.form(browser, f"/partenaires/{agency}")
    answer = browser.post(f"/partenaires/{agency}/statut", data={**form, "statut": "suspended"})
    assert answer.status_code == 303 and store.get(agency).status == "suspended"  # type: ignore[union-attr]
    page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Partenaire suspendu" in page and "Réactiver le partenaire" in page
    assert browser.post(f"/partenaires/{agency}/statut", data={**form, "statut": "active"}).status_code == 303
    assert store.get(agency).status == "active"  # type: ignore[union-attr]
    assert browser.post("/partenaires/nobody/statut", data={**form, "statut": "active"}).status_code == 404
    statuses = [obj for action, obj, _ in audit(kit) if action == "POST /partenaires/<slug>/statut"]
    assert any('"statut": "suspended"' in o for o in statuses) and any(
        '"statut": "active"' in o for o in statuses
    )


def test_the_auditor_reads_and_changes_nothing(kit: Kit, store: PartnerStore, agency: str) -> None:
    k = new_key()
    store.add_key(agency, k.prefix, k.secret_hash, ("*",), ("csv",))
    kit.account("reader", "auditor")
    browser = kit.browser("reader")
    page = browser.get(f"/partenaires/{agency}").get_data(as_text=True)
    assert k.prefix in page and "Révoquer" not in page and "Émettre une clé" not in page
    assert "Suspendre" not in page and "Enregistrer l'adresse" not in page
    form = kit.form(browser, "/account")
    for path, body in (
        ("/partenaires", {"slug": "x", "name": "X"}),
        (f"/partenaires/{agency}/statut", {"statut": "suspended"}),
        (f"/partenaires/{agency}/cles", {"segments": "*", "formats": "csv"}),
        (f"/partenaires/{agency}/cles/{k.prefix}/revocation", {}),
        (f"/partenaires/{agency}/synchronisation", {"url": "https://a.fr/?x={xid}"}),
    ):
        assert browser.post(path, data={**form, **body}).status_code == 403
    assert store.get(agency).status == "active" and len(store.keys(agency)) == 1  # type: ignore[union-attr]
    assert store.sync_url(agency) is None and store.get("x") is None


def test_a_partner_page_shows_its_exports_and_calls(kit: Kit, store: PartnerStore, agency: str) -> None:
    now = datetime.now(UTC)
    for i, (segment, withdrawn) in enumerate((("art-et-essai", None), ("film/FR-123", now))):
        store.add_export(
            ExportRecord(
                f"ex_{i}", agency, segment, "b1", None, 1234 + i, 10, 2,
                now - timedelta(days=i), now + timedelta(days=30), "{}", "sig", key_version=3, withdrawn_at=withdrawn,
            )
        )  # fmt: skip
    store.audit(agency, "1a2b3c4d", "GET", "/v1/segments", 200)
    store.audit(agency, "1a2b3c4d", "POST", "/v1/exports", 409, "below_k 3 < 5")
    store.audit("agence-y", "99999999", "GET", "/v1/ailleurs", 200)
    html = kit.browser("ops").get(f"/partenaires/{agency}").get_data(as_text=True)
    assert "1\u202f234" in html and "1\u202f235" in html and "retiré le" in html and "disponible" in html
    exports = html.split("Exports livrés", 1)[1].split("Journal des appels", 1)[0]
    assert "Public Art et Essai" in exports and "Intérêt pour un film — FR-123" in exports
    calls = html.split("Journal des appels", 1)[1]
    assert "/v1/exports" in calls and "409 · refusé par les garde-fous" in calls and "200 · servi" in calls
    assert "/v1/ailleurs" not in html and "below_k" not in html
    chart = json.loads(re.search(r'<script type="application/json">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert [s["label"] for s in chart["series"]] == ["Servis", "Refusés"]
    assert sum(chart["series"][0]["values"]) == 1 and sum(chart["series"][1]["values"]) == 1
    assert len(chart["x"]) == 30


def test_an_unknown_partner_is_not_found(kit: Kit) -> None:
    answer = kit.browser("ops").get("/partenaires/nobody")
    assert answer.status_code == 404 and "Partenaire inconnu" in answer.get_data(as_text=True)
