"""The « Cinémas » pages: the list with its search and filters, adding a cinema (a form, or a CSV
file imported all or nothing), a cinema's page (its installation code for each consent banner and
its tag's health) and suspending or reactivating its collection. Cinema users reach only their own
cinema's page, without the buttons that change anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, redirect, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from artaud.admin import cinema_health as health
from artaud.admin.cinema_forms import FIELDS_FR, STATUSES_FR, Filters, problems_fr, refusal_fr
from artaud.admin.cinema_stats import consent_sources, last_hit, tag_days
from artaud.admin.guard import page
from artaud.admin.roles import RUN, STAFF
from artaud.admin.stats import counts_by_cinema, recent_events
from artaud.collector.snippet import gtm_snippet, klaro_services, snippet, tarteaucitron_service
from artaud.controlplane.csv_import import parse_cinema_csv
from artaud.controlplane.model import CATEGORIES, LABELS, InvalidCinema, make_cinema
from artaud.controlplane.store import ControlPlane, DuplicateCinema
from artaud.warehouse.backend import Warehouse

PARIS = ZoneInfo("Europe/Paris")
DAYS = 30
QUIET = timedelta(days=2)  # no hit for this long: the page asks to check the installation
# the confirmations a redirect may ask a page to show (?fait=…): only these words reach the page
DONE_FR = {
    "ajoute": "Cinéma ajouté. Envoyez-lui son code d'installation ci-dessous.",
    "suspendu": "Collecte suspendue : le collecteur refuse désormais les envois de ce cinéma (sous quelques secondes).",
    "active": "Collecte réactivée : le collecteur accepte de nouveau les envois de ce cinéma (sous quelques secondes).",
}


def register_cinema_pages(
    app: Flask,
    cp: ControlPlane,
    wh: Warehouse,
    status: Callable[[], dict[str, Any]],
    collector_url: str,
    drop_counts: Callable[[], str],
) -> None:
    def common() -> dict[str, Any]:
        return {"categories": CATEGORIES, "labels": LABELS, "statuses": STATUSES_FR, "fields": FIELDS_FR}

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Any:
        message = "Fichier trop gros : la console accepte 1 Mio au plus. Découpez-le en plusieurs fichiers."
        return render_template("error.html", status=413, message=message), 413

    @app.get("/")
    @page(STAFF | {"cinema"})
    def index() -> Any:
        if g.account.role == "cinema":  # a cinema user's home is its own cinema
            return redirect(f"/cinemas/{g.account.cinema_cnc}", code=303)
        filters = Filters.of(request.args)
        everyone = cp.cinemas()
        counts = {c.cinema_id: c.__dict__ for c in counts_by_cinema(wh)}
        return render_template(
            "index.html",
            cinemas=filters.apply(everyone),
            total=len(everyone),
            filters=filters,
            counts=counts,
            status=status(),
            **common(),
        )

    def new_page(values: dict[str, Any], errors: dict[str, str], message: str = "", code: int = 200) -> Any:
        return render_template("cinema_new.html", v=values, errors=errors, message=message, **common()), code

    @app.get("/cinemas/new")
    @page(RUN)
    def cinema_new() -> Any:
        return new_page({"labels": []}, {})

    @app.post("/cinemas/new")
    @page(RUN)
    def cinema_add() -> Any:
        f = request.form
        values: dict[str, Any] = {
            k: f.get(k, "")[:300] for k in ("cnc_id", "name", "town", "category", "domains")
        }
        values["labels"] = [x for x in f.getlist("labels") if x in LABELS]
        try:
            cinema = make_cinema(
                cnc_id=values["cnc_id"],
                name=values["name"],
                town=values["town"],
                category=values["category"],
                labels=values["labels"],
                domains=values["domains"],
            )
        except InvalidCinema as exc:
            return new_page(
                values,
                problems_fr(exc.problems),
                "Le cinéma n'a pas été ajouté : corrigez les champs signalés.",
                400,
            )
        try:
            saved = cp.add_cinema(cinema)
        except DuplicateCinema:
            errors = {"cnc_id": f"un cinéma porte déjà le N° CNC {cinema.cnc_id}"}
            return new_page(values, errors, "Le cinéma n'a pas été ajouté : il est déjà inscrit.", 409)
        return redirect(f"/cinemas/{saved.cnc_id}?fait=ajoute", code=303)

    @app.post("/cinemas/import")
    @page(RUN)
    def cinema_import() -> Any:
        upload = request.files.get("fichier")
        raw = upload.read() if upload is not None else b""
        if not raw:
            return new_page({"labels": []}, {}, "Choisissez un fichier CSV à importer.", 400)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # a spreadsheet's « CSV (point-virgule) »
        report = parse_cinema_csv(text, cp.existing_cnc_ids())
        refused = [(r.line, refusal_fr(r)) for r in report.refusals]
        added = []
        if not refused and report.cinemas:
            try:
                added = cp.add_cinemas(report.cinemas)
            except DuplicateCinema:  # inscribed meanwhile by someone else
                refused = [
                    (0, "un des cinémas du fichier vient d'être inscrit par ailleurs : renvoyez le fichier")
                ]
        return render_template(
            "cinema_import.html",
            name=(upload.filename or "") if upload is not None else "",
            added=added,
            valid=len(report.cinemas),
            refused=refused,
        ), (400 if refused else 200)

    @app.get("/cinemas/<cnc>")
    @page(STAFF | {"cinema"}, tenant="cnc")
    def cinema_page(cnc: str) -> Any:
        cinema = cp.cinema_by_cnc(cnc) if cnc.isdigit() and len(cnc) <= 7 else None
        if cinema is None or cinema.id is None:
            return render_template("error.html", status=404, message="Cinéma inconnu."), 404
        today = datetime.now(PARIS).date()
        last = last_hit(wh, cinema.id)
        return render_template(
            "cinema.html",
            cinema=cinema,
            done=DONE_FR.get(request.args.get("fait", ""), ""),
            can_run=g.account.role in RUN,
            last=last,
            quiet=last is None or datetime.now(UTC) - last > QUIET,
            s=health.series(tag_days(wh, cinema.id, DAYS, today)),
            drops=health.drops_of(drop_counts(), cinema.cnc_id),
            mix=health.consent_mix(consent_sources(wh, cinema.id, today - timedelta(days=DAYS - 1))),
            events=recent_events(wh, cinema.id, "", 100),
            sources=health.SOURCES_FR,
            events_fr=health.EVENTS_FR,
            purposes_fr=health.purposes_fr,
            objection_fr=health.objection_fr,
            snippet=snippet(collector_url, cinema.site_key),
            gtm=gtm_snippet(collector_url, cinema.site_key),
            tarteaucitron=tarteaucitron_service(),
            klaro=klaro_services(),
            klaro_partner=klaro_services((("demo-agency", "Demo Agency"),)).split(",\n", 1)[1],
            **common(),
        )

    @app.post("/cinemas/<cnc>/status")
    @page(RUN)
    def cinema_status(cnc: str) -> Any:
        wanted = request.form.get("statut", "")
        if wanted not in STATUSES_FR:
            return render_template("error.html", status=400, message="Statut inconnu."), 400
        if not cnc.isdigit() or len(cnc) > 7 or not cp.set_status(cnc, wanted):
            return render_template("error.html", status=404, message="Cinéma inconnu."), 404
        done = "suspendu" if wanted == "suspended" else "active"
        return redirect(f"/cinemas/{cnc.zfill(7)}?fait={done}", code=303)
