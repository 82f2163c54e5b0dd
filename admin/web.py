"""The console (French, for SCARE staff) and its JSON API. Bound to loopback by default."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Flask, jsonify, redirect, render_template_string, request

from artaud.admin.stats import counts_by_cinema, counts_for_prefix, recent_events
from artaud.collector.snippet import gtm_snippet, snippet
from artaud.controlplane.store import ControlPlane
from artaud.errors import ArtaudError
from artaud.segments.builder import SegmentBuilder
from artaud.segments.catalog import latest
from artaud.segments.definitions import InvalidSegments
from artaud.warehouse.backend import Warehouse, WarehouseError

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Audience mutualisée Art &amp; Essai — console</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left}
code{font-size:.85em}</style></head><body>
<h1>Audience mutualisée Art &amp; Essai</h1>
<p>{{ cinemas|length }} cinéma(s) participant(s) · {{ status.rows }} évènement(s) écrits par le rédacteur
depuis le démarrage · file locale en attente : {{ status.backlog_bytes }} octets.</p>
<table><tr><th>Cinéma</th><th>N° CNC</th><th>Catégorie</th><th>Clé de site</th><th>Évènements</th>
<th>Mesure exemptée</th><th>Audience mutualisée</th><th>Robots</th><th>Visiteurs du jour</th></tr>
{% for c in cinemas %}<tr><td><a href="/cinemas/{{ c.cnc_id }}">{{ c.name }}</a> — {{ c.town }}</td><td>{{ c.cnc_id }}</td><td>{{ c.category }}</td>
<td><code>{{ c.site_key }}</code></td><td>{{ counts.get(c.id, {}).get('events', 0) }}</td>
<td>{{ counts.get(c.id, {}).get('exempt', 0) }}</td><td>{{ counts.get(c.id, {}).get('pooled', 0) }}</td>
<td>{{ counts.get(c.id, {}).get('bots', 0) }}</td><td>{{ counts.get(c.id, {}).get('visitors_today', 0) }}</td></tr>
{% endfor %}</table>
<p><a href="/segments">Segments</a> · Métriques du collecteur : <code>/metrics</code> sur le port du collecteur.</p>
</body></html>"""


RECENT = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ cinema.name }} — derniers évènements</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}code{font-size:.85em}</style></head><body>
<p><a href="/">← tous les cinémas</a></p>
<h1>{{ cinema.name }} ({{ cinema.cnc_id }}) — derniers évènements reçus</h1>
<p>Pour vérifier l'installation du marqueur : chaque ligne est un évènement enregistré, avec sa voie
(<em>exemptée</em> : statistiques anonymes du cinéma ; <em>mutualisée</em> : audience Art et Essai, avec
consentement) et la source du consentement. Domaines déclarés : {{ cinema.domains|join(", ") }}.</p>
<h2>Code d'installation</h2>
<p>À coller une fois par page, de préférence dans le <code>&lt;head&gt;</code> (guide :
docs/webmasters.fr.md). Il porte la clé de site de ce cinéma et l'adresse du collecteur.</p>
<pre><code id="snippet">{{ snippet }}</code></pre>
<button type="button" data-copy="snippet">Copier</button>
<p>Avec Google Tag Manager, une balise « HTML personnalisé » déclenchée sur « Initialisation - Toutes les
pages » :</p>
<pre><code id="gtm">{{ gtm }}</code></pre>
<button type="button" data-copy="gtm">Copier</button>
<p>Pour vérifier l'installation, ouvrez une page du site en ajoutant <code>?artaud-check</code> à son
adresse : un encadré dit ce que voit le marqueur.</p>
<script src="/static/copy.js"></script>
<h2>Derniers évènements</h2>
<table><tr><th>Reçu (UTC)</th><th>Évènement</th><th>Page</th><th>Film</th><th>Voie</th>
<th>Consentement</th><th>Finalités</th><th>Opposition</th></tr>
{% for e in events %}<tr><td>{{ e.received_at }}</td><td>{{ e.event_name }}</td>
<td><code>{{ e.url_host }}{{ e.url_path }}</code></td><td>{{ e.film_ref }}</td>
<td>{{ "mutualisée" if e.track == "pooled" else "exemptée" }}</td><td>{{ sources.get(e.consent_source, e.consent_source) }}</td>
<td>{{ e.consent_purposes }}</td><td>{{ e.consent_objection }}</td></tr>
{% else %}<tr><td colspan="8">Aucun évènement reçu pour l'instant.</td></tr>{% endfor %}</table>
</body></html>"""
SEGMENTS = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Segments — audience mutualisée Art et Essai</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}td:first-child,th:first-child,td.t{text-align:left}
.non{color:#a00}</style></head><body>
<p><a href="/">← tous les cinémas</a></p>
<h1>Segments</h1>
<p>Construits chaque jour à partir de l'audience mutualisée seulement (visiteurs consentants, sans robots).
Un segment n'est publié que s'il compte au moins k = {{ k }} membres venant d'au moins {{ m }} cinémas,
sans qu'un cinéma en apporte plus de {{ share }}. La taille publiée est bruitée (Laplace, ε = {{ eps }}).</p>
<form method="post" action="/segments/build"><button>Construire maintenant</button></form>
<table><tr><th>Segment</th><th>Intitulé</th><th>Version</th><th>Construit le (UTC)</th><th>Membres</th>
<th>Taille publiée</th><th>Cinémas</th><th>Part du 1er cinéma</th><th>État</th></tr>
{% for e in entries %}<tr><td><code>{{ e.key }}</code></td><td class="t">{{ titles.get(e.segment_id, "") }}</td>
<td>{{ e.segment_version }}</td><td>{{ e.built_at }}</td><td>{{ e.members }}</td>
<td>{{ e.published_size if e.published else "—" }}</td><td>{{ e.cinemas }}</td><td>{{ "%.0f"|format(e.top_share * 100) }} %</td>
<td class="t">{% if e.published %}publié{% else %}<span class="non">non publié</span> : {{ e.refusal }}{% endif %}</td></tr>
{% else %}<tr><td colspan="9">Aucune construction pour l'instant.</td></tr>{% endfor %}</table>
</body></html>"""
SOURCES_FR = {
    "tcf": "CMP IAB TCF",
    "tac": "tarteaucitron.js",
    "klaro": "Klaro",
    "tag": "API du marqueur",
    "none": "aucun signal",
    "invalid": "signal invalide",
    "expired": "chaîne TC expirée",
}


COPY_JS = """document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(document.getElementById(b.dataset.copy).textContent).then(function () {
      b.textContent = "Copié";
    });
  });
});
"""


def create_admin(
    cp: ControlPlane,
    wh: Warehouse,
    status: Callable[[], dict[str, Any]],
    segments: SegmentBuilder | None = None,
    collector_url: str = "",
) -> Flask:
    app = Flask("artaud.admin")
    building = threading.Lock()

    def build(only: list[str]) -> tuple[Any, int]:
        if segments is None:
            return {"error": "segments are not built by this process"}, 404
        if not building.acquire(blocking=False):
            return {"error": "a build is already running"}, 409
        try:
            report = segments.build(only=only)
        except InvalidSegments as exc:
            return {"error": "; ".join(exc.problems)}, 400
        finally:
            building.release()
        return {
            "build_id": report.build_id,
            "built_at": report.built_at.isoformat(),
            "segments": [asdict(s) for s in report.segments],
        }, 200

    @app.errorhandler(ArtaudError)
    def reported(exc: ArtaudError) -> Any:
        """Every error the product reports to people: its code and message, with its status."""
        return jsonify({"error": exc.message, "code": exc.code}), exc.status

    @app.errorhandler(WarehouseError)
    def unavailable(exc: WarehouseError) -> Any:
        return jsonify({"error": "l'entrepôt de données est indisponible", "detail": str(exc)[:200]}), 503

    @app.get("/segments")
    def segments_page() -> str:
        titles = {s.id: s.title for s in segments.definitions} if segments else {}
        p = segments.policy if segments else None
        return render_template_string(
            SEGMENTS,
            entries=latest(wh),
            titles=titles,
            k=p.k if p else "?",
            m=p.min_cinemas if p else "?",
            share=f"{p.max_cinema_share:.0%}" if p else "?",
            eps=p.epsilon if p else "?",
        )

    @app.post("/segments/build")
    def segments_build_form() -> Any:
        body, code = build([])
        if code != 200:
            return body["error"], code
        return redirect("/segments", code=303)

    @app.post("/api/v1/erasures")
    def erasure() -> Any:
        from datetime import UTC, datetime

        from artaud.warehouse.erasure import erase

        doc = request.get_json(silent=True)
        visitor = doc.get("visitor") if isinstance(doc, dict) else None
        if not isinstance(visitor, str):
            return jsonify({"error": 'send {"visitor": "<pooled pseudonym>"}'}), 400
        erase(wh, visitor, datetime.now(UTC))  # BadPseudonym → 400, by `reported`
        return jsonify({"visitor": visitor, "suppressed": True}), 202

    @app.get("/api/v1/segments")
    def segments_api() -> Any:
        return jsonify([asdict(e) for e in latest(wh)])

    @app.post("/api/v1/segments/build")
    def segments_build_api() -> Any:
        doc = request.get_json(silent=True) or {}
        only = doc.get("only", []) if isinstance(doc, dict) else None
        if not isinstance(only, list) or not all(isinstance(x, str) for x in only):
            return jsonify({"error": "only: a list of segment ids"}), 400
        body, code = build(only)
        return jsonify(body), code

    def counts() -> dict[int, dict[str, int]]:
        return {c.cinema_id: c.__dict__ for c in counts_by_cinema(wh)}

    @app.get("/")
    def index() -> str:
        return render_template_string(PAGE, cinemas=cp.cinemas(), counts=counts(), status=status())

    @app.get("/cinemas/<cnc>")
    def cinema_page(cnc: str) -> Any:
        cinema = next((c for c in cp.cinemas() if c.cnc_id == cnc), None)
        if cinema is None or cinema.id is None:
            return "Cinéma inconnu.", 404
        events = recent_events(wh, cinema.id, "", 100)
        return render_template_string(
            RECENT,
            cinema=cinema,
            events=events,
            sources=SOURCES_FR,
            snippet=snippet(collector_url, cinema.site_key),
            gtm=gtm_snippet(collector_url, cinema.site_key),
        )

    @app.get("/static/copy.js")
    def copy_js() -> Any:
        return app.response_class(COPY_JS, mimetype="application/javascript")

    @app.get("/api/v1/sites")
    def sites() -> Any:
        return jsonify(
            [
                {
                    "id": c.id,
                    "cnc_id": c.cnc_id,
                    "name": c.name,
                    "site_key": c.site_key,
                    "domains": list(c.domains),
                    "status": c.status,
                }
                for c in cp.cinemas()
            ]
        )

    @app.get("/api/v1/stats")
    def stats() -> Any:
        return jsonify({"writer": status(), "cinemas": counts()})

    @app.get("/api/v1/events/count")
    def count_prefix() -> Any:
        try:
            per = counts_for_prefix(wh, request.args.get("id_prefix", ""))
        except ValueError as exc:
            return jsonify({"error": str(exc)}), 400
        return jsonify({str(k): {"rows": v[0], "distinct": v[1]} for k, v in per.items()})

    @app.get("/api/v1/events/recent")
    def recent() -> Any:
        cnc = request.args.get("cinema", "")
        cinema = next((c for c in cp.cinemas() if c.cnc_id == cnc), None)
        if cinema is None or cinema.id is None:
            return jsonify({"error": "cinema: give the CNC number of a registered cinema"}), 400
        prefix = request.args.get("path_prefix", "")
        if len(prefix) > 200:
            return jsonify({"error": "path_prefix: at most 200 characters"}), 400
        try:
            limit = int(request.args.get("limit", "50"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 1000:
            return jsonify({"error": "limit: an integer from 1 to 1000"}), 400
        return jsonify(recent_events(wh, cinema.id, prefix, limit))

    @app.get("/api/v1/consent")
    def consent() -> Any:
        from artaud.warehouse.proof import consent_behind

        events = request.args.getlist("event_id")
        visitor = request.args.get("visitor", "")
        if not events and not visitor:
            return jsonify({"error": "give event_id (repeatable) or visitor"}), 400
        proofs = consent_behind(wh, event_ids=events, visitor=visitor)
        return jsonify([p.__dict__ for p in proofs])

    @app.get("/healthz")
    def health() -> Any:
        return jsonify({"status": "ok"})

    return app
