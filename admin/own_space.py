"""« Espace cinéma »: a cinema's own statistics (what replaces Google Analytics for it) and its money.

`/cinemas/<cnc>/statistiques`: its visits per day over 30 days, its top pages and films, its ticketing
funnel, its devices, its contribution to the pooled audience, its statements and payouts;
`/cinemas/<cnc>/releves/<campaign>.json`: its verifiable statement for one campaign, as booked.
Both are for SCARE staff and the cinema's own users (the guard's tenant check: another cinema's user
gets "not found"), and read that cinema's events and ledger lines only."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, render_template

from artaud.admin import own_figures as fig
from artaud.admin.guard import page
from artaud.admin.own_stats import own_stats
from artaud.admin.roles import STAFF
from artaud.controlplane.store import ControlPlane
from artaud.remuneration.money import euros_fr
from artaud.remuneration.runs import Runs
from artaud.warehouse.backend import Warehouse

PARIS = ZoneInfo("Europe/Paris")
OWN = STAFF | {"cinema"}


def today() -> date:
    """Today in Paris: the last day of the figures (the tests set it)."""
    return datetime.now(PARIS).date()


def register_own_space(app: Flask, cp: ControlPlane, wh: Warehouse) -> None:
    def unknown(message: str = "Cinéma inconnu.") -> Any:
        return render_template("error.html", status=404, message=message), 404

    @app.get("/cinemas/<cnc>/statistiques")
    @page(OWN, tenant="cnc")
    def own_statistics(cnc: str) -> Any:
        cinema = next((c for c in cp.cinemas() if c.cnc_id == cnc), None)
        if cinema is None or cinema.id is None:
            return unknown()
        stats = own_stats(wh, cinema.id, today())
        visits = sum(d.visits for d in stats.days)
        pooled_visits = sum(d.pooled_visits for d in stats.days)
        runs = Runs(cp.engine)
        distributions = runs.distributions()
        gone = runs.ledger.reversed_ids()
        statements = fig.statements(
            cnc, ((r.campaign, r.distribution.amounts, r.booked.booked_at) for r in distributions)
        )
        payouts = fig.payouts(
            cnc,
            (
                (b.id, b.booked_at, b.transfers)
                for b in runs.ledger.batches(kind="payout")
                if b.id not in gone
            ),
        )
        return render_template(
            "own_space.html",
            cinema=cinema,
            days=fig.DAYS,
            s=fig.series(stats.days),
            visits=visits,
            pages=stats.pages,
            films=stats.films,
            funnel=fig.funnel(stats.steps),
            devices=fig.ranked(((a[0], a[3]) for a in stats.agents), fig.DEVICES_FR),
            browsers=fig.ranked((a[1], a[3]) for a in stats.agents),
            systems=fig.ranked((a[2], a[3]) for a in stats.agents),
            pooled_visitors=sum(d.pooled_visitors for d in stats.days),
            consent=fig.share(pooled_visits, visits),
            statements=statements,
            earned=euros_fr(sum(st.amount_cents for st in statements)),
            payouts=payouts,
            paid=euros_fr(sum(p.amount_cents for p in payouts)),
            cleared=euros_fr(runs.cleared().get(cnc, 0)),
        )

    @app.get("/cinemas/<cnc>/releves/<campaign_id>.json")
    @page(OWN, tenant="cnc")
    def own_statement(cnc: str, campaign_id: str) -> Any:
        """The cinema's verifiable statement for one campaign (its own line only, never another's)."""
        runs = Runs(cp.engine).distributions()
        run = next((r for r in runs if r.campaign.id == campaign_id), None)
        statement = run.statements().get(cnc) if run is not None else None
        if statement is None:
            return unknown("Aucun relevé de ce cinéma pour cette campagne.")
        body = json.dumps(statement, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        return Response(
            body,
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="releve-{cnc}-{campaign_id}.json"'},
        )
