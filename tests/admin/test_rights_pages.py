"""« Droits et consentement » (admin/rights_pages.py): the consent proof in French, an erasure
through the confirm step into the register and out of the warehouse, the deadline and the overdue
requests, the refusals, in French."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from artaud.admin import rights_fr as fr
from artaud.controlplane.erasure_requests import ErasureRequests
from tests.admin.helpers import Kit
from tests.warehouse.helpers import records

TCF_SUMMARY = (
    "cmp=300;cmp_version=2;tcf=2.5;gvl=80;language=FR;country=FR;decided=2026-11-20;purposes=1,3,4;"
    "legitimate_interests=;special_features=;vendors=;restrictions="
)


@pytest.fixture
def rights(kit: Kit) -> Kit:
    """A fourth pooled event at 9990001 with a TCF consent record behind it."""
    [cinema] = [c for c in kit.cp.cinemas() if c.cnc_id == "9990001"]
    row = json.loads(records(1, cinema=cinema.id or 0, prefix="tcf")[0]) | {"consent_id": "c.tcf1"}
    kit.wh.insert_events([row], "t2")
    kit.wh.insert_consents(
        [
            {
                "consent_id": "c.tcf1",
                "recorded_at": "2026-11-23 11:00:00",
                "record_date": "2026-11-23",
                "cinema_id": cinema.id,
                "source": "tcf",
                "signal": TCF_SUMMARY,
                "signal_hash": "h" * 16,
                "key_version": 1,
                "purposes": "measure,pool,partner:acme",
                "policy_version": "2026-11-1",
            }
        ]
    )
    kit.account("auditor", "auditor")
    return kit


ENGLISH = re.compile(
    r"\b(received|done|failed|pooled|exempt|measure|pool|purposes|suppressed|removals|events|cli|none|tcf)\b"
)


def visible(page: str) -> str:
    """What a person reads: the page without its tags and attribute values, and without the values
    shown as they are (<code>) or as typed (a textarea)."""
    return re.sub(r"<code>.*?</code>|<textarea[^>]*>.*?</textarea>|<[^>]+>", " ", page, flags=re.S)


def visitor_of(kit: Kit) -> str:
    [(v,)] = kit.wh.query(f"SELECT DISTINCT visitor FROM {kit.wh.database}.events WHERE track = 'pooled'")
    return str(v)


def text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def test_lookup_by_event_in_french(rights: Kit) -> None:
    client = rights.browser("auditor")
    page = text(client.get("/droits"))
    assert "Droits et consentement" in page and "Aucune demande d'effacement reçue" in page
    assert "Effacer une personne" not in page  # the auditor reads only
    answer = client.post(
        "/droits/consentement", data={**rights.form(client, "/droits"), "evenements": "tcf-00000000"}
    )
    page = text(answer)
    assert answer.status_code == 200 and "1 événement trouvé" in page
    assert "Le Méliès (9990001)" in page and "audience mutualisée" in page
    assert "bandeau IAB TCF v2.2" in page and "partage avec le partenaire « acme »" in page
    assert "finalités TCF consenties</dt><dd>1, 3, 4" in page.replace("TCF : ", "")
    assert "20/11/2026" in page and "23/11/2026 12:00:00" in page  # the decision's day; Paris time
    assert not ENGLISH.search(visible(page)), ENGLISH.search(visible(page))


def test_lookup_by_pseudonym_and_refusals(rights: Kit) -> None:
    client = rights.browser("ops")
    form = rights.form(client, "/droits")
    page = text(client.post("/droits/consentement", data={**form, "pseudonyme": visitor_of(rights)}))
    assert "4 événements trouvés" in page and "aucun enregistrement" in page
    assert "Effacer cette personne…" in page  # straight to the confirm step
    bad = client.post("/droits/consentement", data={**form, "pseudonyme": "someone@example.org"})
    assert bad.status_code == 400 and "pas un pseudonyme de l'audience mutualisée" in text(bad)
    empty = client.post("/droits/consentement", data=form)
    assert empty.status_code == 400 and "Donnez un identifiant" in text(empty)
    none = text(client.post("/droits/consentement", data={**form, "evenements": "nope, rien"}))
    assert "Aucun événement trouvé" in none


def test_erase_through_the_confirm_step(rights: Kit) -> None:
    client = rights.browser("ops")
    visitor = visitor_of(rights)
    form = rights.form(client, "/droits")
    bad = client.post("/droits/effacement", data={**form, "pseudonyme": "d.not-pooled"})
    assert bad.status_code == 400 and "pas un pseudonyme de l'audience mutualisée" in text(bad)
    ask = text(client.post("/droits/effacement", data={**form, "pseudonyme": visitor}))
    assert "Confirmer l'effacement" in ask and "4 événements à ce pseudonyme" in ask
    assert ErasureRequests(rights.cp.engine).all() == []  # nothing filed before the confirmation
    done = client.post("/droits/effacement", data={**form, "pseudonyme": visitor, "confirme": "oui"})
    assert done.status_code == 303
    [request] = ErasureRequests(rights.cp.engine).all()
    assert (request.status, request.channel, request.requested_by) == ("done", "console", "ops")
    assert request.done == {"suppressed": 1, "events": 4, "removals": 0}
    assert done.headers["Location"] == f"/droits?demande={request.id}#demandes"
    page = text(client.get(done.headers["Location"]))
    assert f"Demande {request.id} : exécutée" in page
    assert "1 pseudonyme mis en liste de suppression, 4 événements effacés" in page
    assert "30/12/2026" in page and "en retard" not in page  # received on 30/11, Paris
    rows = rights.wh.query(f"SELECT count() FROM {rights.wh.database}.events WHERE visitor = '{visitor}'")
    assert int(rows[0][0]) == 0
    [(suppressed,)] = rights.wh.query(f"SELECT count() FROM {rights.wh.database}.suppressions")
    assert int(suppressed) == 1
    # asked again: the confirm step names the earlier request, the list says the new one renews it
    again = text(client.post("/droits/effacement", data={**form, "pseudonyme": visitor}))
    assert f"Une demande pour cette personne existe déjà : {request.id}" in again
    rights.clock.advance(minutes=5)
    client.post("/droits/effacement", data={**form, "pseudonyme": visitor, "confirme": "oui"})
    assert f"renouvelle {request.id}" in text(client.get("/droits"))
    [entry] = [e for e in rights.console.audit.entries() if "effacement" in e.action][-1:]
    assert visitor not in entry.object


def test_overdue_requests_are_shown(rights: Kit) -> None:
    register = ErasureRequests(rights.cp.engine)
    old = register.receive("p1." + "cd" * 16, "cli", "cli:claire", rights.clock() - timedelta(days=40))
    late = register.receive("p1." + "ef" * 16, "api", "ops", rights.clock() - timedelta(days=45))
    register.done(late.id, {"suppressed": 1, "events": 0, "removals": 0}, rights.clock() - timedelta(days=2))
    page = text(rights.browser("auditor").get("/droits"))
    assert page.count('class="overdue"') == 2 and page.count("en retard") == 2
    assert (
        "reçue, en cours" in page and "ligne de commande" in page and "claire" in page and "cli:" not in page
    )
    assert not ENGLISH.search(visible(page)), ENGLISH.search(visible(page))
    assert re.search(rf"{old.id}.*?{(old.received_at + timedelta(days=31)).strftime('%d')}/", page, re.S)


def test_api_files_a_request(rights: Kit) -> None:
    client = rights.app.test_client()
    visitor = visitor_of(rights)
    answer = client.post(
        "/api/v1/erasures", json={"visitor": visitor, "channel": "cli"}, headers=rights.token("ops")
    )
    assert answer.status_code == 202
    body = answer.get_json()
    [request] = ErasureRequests(rights.cp.engine).all()
    assert body["request"] == request.id and body["status"] == "done" and request.channel == "cli"
    refused = client.post(
        "/api/v1/erasures", json={"visitor": visitor, "channel": "fax"}, headers=rights.token("ops")
    )
    assert refused.status_code == 400


def test_deadline_is_one_calendar_month_in_paris() -> None:
    # 31 January, 23:30 UTC is 1 February in Paris: the deadline is 1 March
    assert fr.deadline(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)).isoformat() == "2027-03-01"
    assert fr.deadline(datetime(2027, 1, 30, 12, tzinfo=UTC)).isoformat() == "2027-02-28"
    assert fr.deadline(datetime(2026, 12, 15, 12, tzinfo=UTC)).isoformat() == "2027-01-15"
    received = datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert not fr.overdue(received, None, datetime(2026, 12, 30, 22, 59, tzinfo=UTC))
    assert fr.overdue(received, None, datetime(2026, 12, 30, 23, 1, tzinfo=UTC))  # 31/12 in Paris
    assert not fr.overdue(received, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
    assert fr.done_fr({"suppressed": 2, "events": 1, "removals": 0}) == (
        "2 pseudonymes mis en liste de suppression, 1 événement effacé, 0 retrait annoncé à un partenaire"
    )
