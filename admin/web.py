"""The console (French, for SCARE staff and cinema users) and its JSON API. Bound to loopback by
default; every route declares who may call it (admin/guard.py), pages are templates in
admin/templates with the console's own stylesheet and script in admin/static."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, jsonify, render_template, request

from artaud.admin import dashboard as dash
from artaud.admin.account_views import register_account_views
from artaud.admin.cinema_pages import register_cinema_pages
from artaud.admin.guard import Console, answer_error, api, install, page, public
from artaud.admin.money_pages import Payouts, register_money_pages
from artaud.admin.own_space import register_own_space
from artaud.admin.partner_pages import register_partner_pages
from artaud.admin.rights_pages import register_rights_pages
from artaud.admin.roles import FINANCE, READ_STAFF, RUN
from artaud.admin.segment_pages import register_segment_pages
from artaud.admin.stats import counts_by_cinema, counts_for_prefix, daily, recent_events
from artaud.admin.system_pages import System, register_system_pages
from artaud.controlplane.store import ControlPlane
from artaud.errors import ArtaudError
from artaud.segments.builder import SegmentBuilder
from artaud.segments.catalog import latest
from artaud.warehouse.backend import Warehouse, WarehouseError

PARIS = ZoneInfo("Europe/Paris")


def paris(value: object) -> str:
    """A moment as people in France read it: Europe/Paris, day then time (naive moments are UTC)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if not isinstance(value, datetime):
        return str(value)
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def fr_number(value: object) -> str:
    """12 345 or 12,5 as written in France (— for nothing)."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    if isinstance(value, int | float):
        return f"{int(value):,}".replace(",", "\u202f")
    return str(value)


def day(epoch: object) -> str:
    """A day given as Unix seconds (midnight, Paris) as dd/mm/yyyy."""
    if not isinstance(epoch, int | float):
        return str(epoch)
    return datetime.fromtimestamp(epoch, PARIS).strftime("%d/%m/%Y")


def create_admin(
    cp: ControlPlane,
    wh: Warehouse,
    status: Callable[[], dict[str, Any]],
    console: Console,
    segments: SegmentBuilder | None = None,
    collector_url: str = "",
    drop_counts: Callable[[], str] = lambda: "",
    payouts: Payouts | None = None,
    system: System | None = None,
) -> Flask:
    app = Flask("artaud.admin")
    app.jinja_env.filters.update(paris=paris, fr_number=fr_number, day=day)
    install(app, console)
    register_account_views(app, console)
    register_own_space(app, cp, wh)
    register_cinema_pages(app, cp, wh, status, collector_url, drop_counts)
    register_money_pages(app, cp, wh, payouts)
    register_partner_pages(app, cp, segments)
    register_segment_pages(app, cp, wh, segments)
    register_system_pages(app, cp, system)
    register_rights_pages(app, cp, wh, console.clock)

    @app.errorhandler(WarehouseError)
    def unavailable(exc: WarehouseError) -> Any:
        # the detail (hosts, paths) is the log's, not the caller's
        app.logger.warning("warehouse unavailable: %s", str(exc)[:300])
        return answer_error(
            503, "unavailable", "L'entrepôt de données est indisponible : réessayez dans un moment."
        )

    @app.errorhandler(ArtaudError)
    def reported(exc: ArtaudError) -> Any:
        """Every error the product reports to people: its code and message, with its status."""
        return answer_error(exc.status, exc.code, exc.message)

    def counts() -> dict[int, dict[str, int]]:
        return {c.cinema_id: c.__dict__ for c in counts_by_cinema(wh)}

    @app.get("/dashboard")
    @page(READ_STAFF)
    def dashboard_page() -> Any:
        today = datetime.now(PARIS).date()
        days = daily(wh, 30, today)
        s = dash.series(days)
        hits, pooled = sum(d.hits for d in days), sum(d.pooled for d in days)
        st = status()
        builds = latest(wh)
        return render_template(
            "dashboard.html",
            active=sum(1 for c in cp.cinemas() if c.status == "active"),
            target=dash.TARGET,
            s=s,
            pooled_visitors_30=sum(d.pooled_visitors for d in days),
            consent_30=round(100 * pooled / hits, 1) if hits else None,
            drops=dash.drops(drop_counts()),
            status=st,
            healthy=not st.get("insert_errors") and not st.get("last_drain_error"),
            last_build=max((b.built_at for b in builds), default=None),
        )

    @app.get("/api/v1/sites")
    @api(RUN | {"auditor"})
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
    @api(READ_STAFF)
    def stats() -> Any:
        return jsonify({"writer": status(), "cinemas": counts()})

    @app.get("/api/v1/events/count")
    @api(RUN | {"auditor"})
    def count_prefix() -> Any:
        try:
            per = counts_for_prefix(wh, request.args.get("id_prefix", ""))
        except ValueError as exc:
            return jsonify({"error": str(exc)}), 400
        return jsonify({str(k): {"rows": v[0], "distinct": v[1]} for k, v in per.items()})

    @app.get("/api/v1/events/recent")
    @api(RUN | {"auditor"})
    def recent() -> Any:
        cnc = request.args.get("cinema", "")
        g.audit_object = {"cinema": cnc[:7]}
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

    @app.post("/api/v1/campaigns/<campaign_id>/freeze")
    @api(FINANCE)
    def freeze_campaign(campaign_id: str) -> Any:
        """Freeze a campaign's contributions (remuneration/freeze.py) by the token's account: the way
        `artaud campaigns freeze` goes while the service holds the embedded warehouse."""
        from artaud.remuneration.freeze import Freezer

        frozen = Freezer(cp.engine, wh).freeze(campaign_id, g.account.login)
        return jsonify(
            {
                "campaign": frozen.campaign_id,
                "visitors": frozen.visitors,
                "exports": list(frozen.exports),
                "cinemas": len(frozen.participants),
            }
        ), 201

    @app.get("/healthz")
    @public
    def health() -> Any:
        return jsonify({"status": "ok"})

    return app
