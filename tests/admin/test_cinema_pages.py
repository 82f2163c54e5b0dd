"""The « Cinémas » pages: the list's filters, adding a cinema (form and CSV file), a cinema's page
(banners, tag health), suspending and reactivating; a cinema user sees its own page only."""

from __future__ import annotations

import io
from datetime import date
from html import unescape

from artaud.admin import cinema_forms, cinema_health
from artaud.controlplane.csv_import import parse_cinema_csv
from artaud.controlplane.model import make_cinema
from tests.admin.helpers import Kit

EXPOSITION = """# TYPE artaud_hits_dropped_total counter
artaud_hits_dropped_total{cinema="9990001",reason="origin_mismatch"} 3.0
artaud_hits_dropped_total{cinema="9990002",reason="origin_mismatch"} 2.0
artaud_hits_dropped_total{cinema="9990001",reason="site_suspended"} 1.0
artaud_hits_dropped_total{cinema="unknown",reason="unknown_site"} 7.0
"""
ENGLISH = ("must be", "must not", "not a host", "unknown label", "already registered", "origin_mismatch")


def text(answer) -> str:
    return unescape(answer.get_data(as_text=True))


def test_filters_search_name_town_and_cnc_without_accents() -> None:
    cinemas = [
        make_cinema(cnc_id="1", name="Le Méliès", town="Montreuil", category="A", labels="RD"),
        make_cinema(cnc_id="75012", name="Le Champo", town="Paris", category="B", status="suspended"),
    ]
    of = cinema_forms.Filters.of
    assert [c.name for c in of({"q": "melies"}).apply(cinemas)] == ["Le Méliès"]
    assert [c.name for c in of({"q": "PARIS"}).apply(cinemas)] == ["Le Champo"]
    assert [c.name for c in of({"q": "0075012"}).apply(cinemas)] == ["Le Champo"]
    assert [c.name for c in of({"label": "rd", "categorie": "a"}).apply(cinemas)] == ["Le Méliès"]
    assert [c.name for c in of({"statut": "suspended"}).apply(cinemas)] == ["Le Champo"]
    assert of({"categorie": "Z", "statut": "x"}) == cinema_forms.Filters()  # not offered: ignored


def test_every_field_problem_and_csv_refusal_is_french() -> None:
    report = parse_cinema_csv(
        "N° auto;Nom;Catégorie;Labels;Site web\n12AB;;Z;Inconnu;pas un domaine\n1;A;A;;\n1;B;A;;\n"
    )
    said = [cinema_forms.refusal_fr(r) for r in report.refusals]
    assert [r.line for r in report.refusals] == [2, 4]
    assert (
        "N° CNC : le numéro d'établissement du CNC" in said[0] and "Nom : le nom est obligatoire" in said[0]
    )
    assert "Catégorie" in said[0] and "Labels" in said[0] and "Domaines" in said[0]
    assert said[1] == "le N° CNC 0000001 figure deux fois dans le fichier"
    missing = parse_cinema_csv("nom;commune\nX;Y\n").refusals
    assert cinema_forms.refusal_fr(missing[0]) == "colonne(s) manquante(s) : N° CNC, Catégorie"
    assert not any(word in " ".join(said) for word in ENGLISH)


def test_drops_of_one_cinema_and_the_consent_mix_in_french() -> None:
    assert cinema_health.drops_of(EXPOSITION, "9990001") == [
        ("domaine non déclaré", 3),
        ("cinéma suspendu", 1),
    ]
    assert cinema_health.drops_of(EXPOSITION, "9990003") == []
    mix = cinema_health.consent_mix({"tac": 2, "none": 5, "weird": 1, "klaro": 0})
    assert mix == [("aucun signal", 5), ("tarteaucitron.js", 2), ("autre signal", 1)]
    s = cinema_health.series([cinema_health.TagDay(date(2026, 3, 29), 3, 1)])
    assert s.exempt == [3] and s.pooled == [1]


def test_the_list_filters_and_offers_adding_to_those_who_run(kit: Kit) -> None:
    ops = kit.browser("ops")
    page = text(ops.get("/?q=zola"))
    assert "Le Zola" in page and "Le Méliès" not in page and "1 cinéma(s) sur 2" in page
    page = text(ops.get("/?categorie=A&statut=active"))
    assert "Le Méliès" in page and "Le Zola" not in page and 'href="/cinemas/new"' in page
    assert "Aucun cinéma ne répond" in text(ops.get("/?label=JP"))
    kit.account("reader", "auditor")
    assert 'href="/cinemas/new"' not in text(kit.browser("reader").get("/"))


def test_adding_a_cinema_with_french_errors_next_to_each_field(kit: Kit) -> None:
    ops = kit.browser("ops")
    form = kit.form(ops, "/cinemas/new")
    bad = ops.post(
        "/cinemas/new",
        data={**form, "cnc_id": "12AB", "name": "", "category": "Z", "domains": "pas un domaine"},
    )
    page = text(bad)
    assert bad.status_code == 400 and "Le cinéma n'a pas été ajouté" in page
    for field, words in [
        ("cnc_id", "1 à 7 chiffres"),
        ("name", "le nom est obligatoire"),
        ("category", "A, B, C, D ou E"),
    ]:
        assert f'id="err-{field}">' in page and words in page
    assert 'value="pas un domaine"' in page and not any(word in page for word in ENGLISH)
    good = {
        **form,
        "cnc_id": "75012",
        "name": "Le Champo",
        "town": "Paris",
        "category": "a",
        "labels": ["RD", "PR"],
        "domains": "https://www.lechampo.example/",
    }
    added = ops.post("/cinemas/new", data=good)
    assert added.status_code == 303 and added.headers["Location"] == "/cinemas/0075012?fait=ajoute"
    page = text(ops.get(added.headers["Location"]))
    assert "Cinéma ajouté" in page and "Recherche et Découverte" in page and "lechampo.example" in page
    twice = ops.post("/cinemas/new", data=good)
    assert twice.status_code == 409 and "un cinéma porte déjà le N° CNC 0075012" in text(twice)


def test_a_csv_import_is_all_or_nothing_with_a_french_report(kit: Kit) -> None:
    ops = kit.browser("ops")
    form = kit.form(ops, "/cinemas/new")
    body = "N° auto;Nom de l'établissement;Commune;Catégorie\n0750012;Le Champo;Paris;A\n9990001;Doublon;X;A\n12AB;Cassé;Y;Q\n"

    def send(content: str, name: str = "cinemas.csv"):
        return ops.post(
            "/cinemas/import",
            data={**form, "fichier": (io.BytesIO(content.encode("utf-8")), name)},
            content_type="multipart/form-data",
        )

    refused = send(body)
    page = text(refused)
    assert refused.status_code == 400 and "Rien n'a été importé : 2 ligne(s) refusée(s)" in page
    assert "le N° CNC 9990001 est déjà inscrit" in page and '<td class="n">4</td>' in page
    assert not any(word in page for word in ENGLISH) and kit.cp.cinema_by_cnc("0750012") is None
    done = send(
        body.replace("9990001;Doublon;X;A\n", "").replace("12AB;Cassé;Y;Q\n", "3300001;Utopia;Bordeaux;B\n")
    )
    assert done.status_code == 200 and "2 cinéma(s) inscrit(s)" in text(done)
    assert kit.cp.cinema_by_cnc("3300001") is not None
    latin = "N° auto;Nom;Catégorie\n4400001;Le Cinématographe;A\n".encode("cp1252")
    answer = ops.post(
        "/cinemas/import",
        data={**form, "fichier": (io.BytesIO(latin), "x.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200 and kit.cp.cinema_by_cnc("4400001").name == "Le Cinématographe"
    empty = ops.post("/cinemas/import", data=form, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choisissez un fichier CSV" in text(empty)
    big = send("x" * (1 << 20))
    assert big.status_code == 413 and "Fichier trop gros" in text(big)


def test_suspend_and_activate_with_a_french_confirmation(kit: Kit) -> None:
    ops = kit.browser("ops")
    form = kit.form(ops, "/cinemas/9990002")
    done = ops.post("/cinemas/9990002/status", data={**form, "statut": "suspended"})
    assert done.status_code == 303 and kit.cp.cinema_by_cnc("9990002").status == "suspended"
    page = text(ops.get(done.headers["Location"]))
    assert "Collecte suspendue" in page and "Réactiver la collecte" in page
    assert "Le Zola" not in text(ops.get("/?statut=active"))
    again = ops.post("/cinemas/9990002/status", data={**form, "statut": "active"})
    assert "Collecte réactivée" in text(ops.get(again.headers["Location"]))
    assert kit.cp.cinema_by_cnc("9990002").status == "active"
    assert ops.post("/cinemas/9990002/status", data={**form, "statut": "deleted"}).status_code == 400
    assert ops.post("/cinemas/9990404/status", data={**form, "statut": "active"}).status_code == 404


def test_a_cinema_page_shows_banners_and_tag_health(kit: Kit) -> None:
    from artaud.collector.snippet import klaro_services, tarteaucitron_service

    page = text(kit.browser("ops").get("/cinemas/9990001"))
    assert tarteaucitron_service() in page and klaro_services() in page
    assert "Dernier évènement reçu" in page and "23/11/2026 13:00:00" in page  # 12:00 UTC, in Paris
    assert 'id="tag-days"' in page and "Source du consentement" in page and "API du marqueur" in page
    assert "https://a.example/?artaud-check" in page and "essai à blanc" in page
    assert "Suspendre la collecte" in page
    assert "mesure, audience mutualisée" in page
    for code in ("tag", "pooled", "measure,pool", "origin_mismatch"):
        assert f">{code}<" not in page


def test_a_cinema_user_sees_its_own_page_without_buttons(kit: Kit) -> None:
    kit.account("melies", "cinema", "9990001")
    own = kit.browser("melies")
    assert own.get("/").headers["Location"] == "/cinemas/9990001"
    page = text(own.get("/cinemas/9990001"))
    assert "Le Méliès" in page and "Suspendre" not in page and "/status" not in page and "Le Zola" not in page
    assert own.get("/cinemas/9990002").status_code == 404
    assert own.get("/cinemas/new").status_code == 403
    form = kit.form(own, "/account")
    assert own.post("/cinemas/9990001/status", data={**form, "statut": "suspended"}).status_code == 403
    assert kit.cp.cinema_by_cnc("9990001").status == "active"
