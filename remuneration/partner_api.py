"""The agencies' side of a campaign in the partners' API (/v1/campaigns): the campaigns the SCARE
recorded for the calling agency, which of its exports it delivered for each, and its delivery figures
per day. Registered on the partners' app (partners/api.py authenticates, rate-limits and audits every
call first; `g.partner` is the caller). Described in the OpenAPI document (partners/openapi.py).

An agency learns nothing here that it did not tell or was not told: its own campaigns (film, flight,
distributor), its own exports and figures. Contributions, amounts and cinemas are the SCARE's and the
cinemas': they are never answered. Another agency's campaign is "not found".
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request

from artaud.partners.api import problem, utc_iso
from artaud.remuneration.delivery import Delivery, DeliveryStore, InvalidReport, Report


def report_json(r: Report) -> dict[str, Any]:
    return {
        "day": r.day.isoformat(),
        "impressions": r.impressions,
        "clicks": r.clicks,
        "reported_at": utc_iso(r.reported_at),
    }


def campaign_json(d: Delivery) -> dict[str, Any]:
    c = d.campaign
    return {
        "id": c.id,
        "distributor": c.distributor,
        "film": {"title": c.film_title, "director": c.director or None, "visa": c.visa, "ref": c.film_ref},
        "flight": {"start": c.start.isoformat(), "end": c.end.isoformat()},
        "approved": c.approved,
        "exports": list(d.exports),
        "exports_closed": d.frozen_at is not None,
        "delivered": {"impressions": d.impressions, "clicks": d.clicks, "days_reported": len(d.reports)},
    }


def _json(doc: object, status: int = 200) -> Response:
    import json

    return Response(json.dumps(doc, ensure_ascii=False), status=status, mimetype="application/json")


def register_campaign_routes(app: Flask, desk: DeliveryStore) -> None:
    @app.get("/v1/campaigns")
    def list_campaigns() -> Response:
        return _json([campaign_json(d) for d in desk.of_partner(g.partner.slug)])

    @app.get("/v1/campaigns/<campaign_id>")
    def get_campaign(campaign_id: str) -> Response:
        return _json(campaign_json(desk.delivery(campaign_id, partner_slug=g.partner.slug)))

    @app.put("/v1/campaigns/<campaign_id>/exports/<export_id>")
    def link_export(campaign_id: str, export_id: str) -> Response:
        slug = g.partner.slug
        linked = desk.link(
            campaign_id, export_id, f"partner:{slug}", partner_slug=slug, may_see=g.key.allows_segment
        )
        return _json(campaign_json(desk.delivery(campaign_id, partner_slug=slug)), 201 if linked else 200)

    @app.get("/v1/campaigns/<campaign_id>/reports")
    def list_reports(campaign_id: str) -> Response:
        d = desk.delivery(campaign_id, partner_slug=g.partner.slug)
        return _json([report_json(r) for r in d.reports])

    @app.put("/v1/campaigns/<campaign_id>/reports/<day>")
    def put_report(campaign_id: str, day: str) -> Response:
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict) or set(doc) - {"impressions", "clicks"}:
            return problem("bad_request", 'send {"impressions": <int>, "clicks": <int>} as JSON')
        try:
            saved = desk.report(
                campaign_id, day, doc.get("impressions"), doc.get("clicks"), partner_slug=g.partner.slug
            )
        except InvalidReport as exc:  # about the caller's own figures: every problem, at once
            return problem("invalid_report", "; ".join(f"{k}: {v}" for k, v in exc.problems.items()))
        return _json(report_json(saved))
