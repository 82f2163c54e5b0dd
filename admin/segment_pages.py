"""« Segments »: the definitions and their rules in French, the latest build of each segment with the
guards' outcome explained (a cinema named by its CNC number, never its internal id), the published
sizes over the last 90 days, and « Construire maintenant » with its progress (admin/segment_runs.py,
polled by static/segments.js). The JSON API keeps the contract `artaud segments build/list` relies on
through the running service (runtime/remote.py): the build answers its report when done."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, jsonify, redirect, render_template, request

from artaud.admin import segment_fr as fr
from artaud.admin.guard import api, page
from artaud.admin.roles import READ_STAFF, RUN
from artaud.admin.segment_history import published_sizes
from artaud.admin.segment_runs import BuildRunner, BuildRunning
from artaud.controlplane.store import ControlPlane
from artaud.errors import NotFound
from artaud.segments.builder import SegmentBuilder
from artaud.segments.catalog import latest
from artaud.segments.definitions import InvalidSegments
from artaud.warehouse.backend import Warehouse

PARIS = ZoneInfo("Europe/Paris")
DAYS = 90
EXTENSION = "artaud.segment_builds"  # app.extensions[...]: the BuildRunner (tests wait on it)


def _paris(moment: datetime | None) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S") if moment else ""


def _by() -> str:
    return str(g.account.login)


def register_segment_pages(
    app: Flask, cp: ControlPlane, wh: Warehouse, segments: SegmentBuilder | None
) -> None:
    runner = BuildRunner(segments) if segments is not None else None
    app.extensions[EXTENSION] = runner

    def the_runner() -> BuildRunner:
        if runner is None:
            raise NotFound("Les segments ne sont pas construits par ce processus.")
        return runner

    @app.get("/segments")
    @page(READ_STAFF)
    def segments_page() -> str:
        definitions = segments.definitions if segments else ()
        titles = {s.id: s.title for s in definitions}
        name = fr.cinema_namer((c.id, c.cnc_id, c.name) for c in cp.cinemas())
        entries = [(e, fr.explain(e.refusal, name)) for e in latest(wh)]
        today = datetime.now(PARIS).date()
        first = today - timedelta(days=DAYS - 1)
        return render_template(
            "segments.html",
            definitions=[(s, fr.rules_fr(s)) for s in definitions],
            guards=fr.guards_fr(segments.policy) if segments else "",
            entries=entries,
            titles=titles,
            charts=fr.size_charts(published_sizes(wh, first), titles, first, DAYS),
            run=runner.as_json(_paris) if runner else None,
            already=request.args.get("deja") == "1",
        )

    @app.post("/segments/build")
    @page(RUN)
    def segments_build_form() -> Any:
        builds = the_runner()
        try:
            builds.start(_by())
        except BuildRunning:
            g.audit_object = {"construction": "refusée : une autre est en cours"}
            return redirect("/segments?deja=1#construction", code=303)
        g.audit_object = {"construction": "lancée", "segments": "tous"}
        return redirect("/segments#construction", code=303)

    @app.get("/segments/progression")
    @page(READ_STAFF)
    def segments_progress() -> Any:
        """Polled by static/segments.js while a build runs (a JSON answer to a signed-in page)."""
        return jsonify(the_runner().as_json(_paris))

    @app.get("/api/v1/segments")
    @api(READ_STAFF)
    def segments_api() -> Any:
        return jsonify([asdict(e) for e in latest(wh)])

    @app.post("/api/v1/segments/build")
    @api(RUN)
    def segments_build_api() -> Any:
        doc = request.get_json(silent=True) or {}
        only = doc.get("only", []) if isinstance(doc, dict) else None
        if not isinstance(only, list) or not all(isinstance(x, str) for x in only):
            return jsonify({"error": "only: a list of segment ids"}), 400
        g.audit_object = {"only": only[:20]}
        if runner is None:
            return jsonify({"error": "segments are not built by this process"}), 404
        try:
            report = runner.run(only, _by())  # BuildRunning: 409, by the console's error handler
        except InvalidSegments as exc:
            return jsonify({"error": "; ".join(exc.problems), "code": exc.code}), 400
        return jsonify(
            {
                "build_id": report.build_id,
                "built_at": report.built_at.isoformat(),
                "segments": [asdict(s) for s in report.segments],
            }
        )
