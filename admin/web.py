"""The console (French, for SCARE staff) and its JSON API. Bound to loopback by default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, render_template_string, request

from admin.stats import counts_by_cinema, counts_for_prefix, recent_events
from controlplane.store import ControlPlane
from warehouse.backend import Warehouse

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
{% for c in cinemas %}<tr><td>{{ c.name }} — {{ c.town }}</td><td>{{ c.cnc_id }}</td><td>{{ c.category }}</td>
<td><code>{{ c.site_key }}</code></td><td>{{ counts.get(c.id, {}).get('events', 0) }}</td>
<td>{{ counts.get(c.id, {}).get('exempt', 0) }}</td><td>{{ counts.get(c.id, {}).get('pooled', 0) }}</td>
<td>{{ counts.get(c.id, {}).get('bots', 0) }}</td><td>{{ counts.get(c.id, {}).get('visitors_today', 0) }}</td></tr>
{% endfor %}</table>
<p>Métriques du collecteur : <code>/metrics</code> sur le port du collecteur.</p>
</body></html>"""


def create_admin(cp: ControlPlane, wh: Warehouse, status: Callable[[], dict[str, Any]]) -> Flask:
    app = Flask("artaud.admin")

    def counts() -> dict[int, dict[str, int]]:
        return {c.cinema_id: c.__dict__ for c in counts_by_cinema(wh)}

    @app.get("/")
    def index() -> str:
        return render_template_string(PAGE, cinemas=cp.cinemas(), counts=counts(), status=status())

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
        from warehouse.proof import consent_behind

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
