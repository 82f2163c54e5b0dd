"""« Campagnes et rémunération »: the SCARE's campaigns from their record to the cinemas' payout, in
French, for the finance and admin roles (the auditor reads). The pages call the remuneration library
as the command line does (runtime/cli_ledger.py): record and approve a campaign, freeze its
contributions, preview the four policies side by side, book a distribution, reverse it, record the
distributor's payment, download statements, and make the payout's pain.001 file
(remuneration/payout_run.py, shared with `artaud payouts ledger`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, redirect, render_template, request

from artaud.admin import money_fr as fr
from artaud.admin.guard import page
from artaud.admin.roles import FINANCE, FINANCE_READ
from artaud.controlplane.store import ControlPlane
from artaud.errors import ArtaudError
from artaud.partners.store import PartnerStore
from artaud.remuneration.bank import BankAccount
from artaud.remuneration.campaign_store import CampaignStore
from artaud.remuneration.campaigns import InvalidCampaign, make_campaign
from artaud.remuneration.delivery import DeliveryStore
from artaud.remuneration.distribution import Distribution, distribute
from artaud.remuneration.freeze import Contributions, Freezer
from artaud.remuneration.ledger import vat_cents
from artaud.remuneration.ledger_store import Booked
from artaud.remuneration.money import euros_fr
from artaud.remuneration.payout_run import pay_cleared
from artaud.remuneration.preview import policy_from_options, policy_words
from artaud.remuneration.runs import Runs
from artaud.remuneration.sepa import BankDirectory
from artaud.remuneration.statement import Published
from artaud.remuneration.statement_document import (
    CinemaStatement,
    date_fr,
    flight_fr,
    line_of,
    render_csv,
    render_html,
    visitors_fr,
)
from artaud.warehouse.backend import Warehouse

PARIS = ZoneInfo("Europe/Paris")
PREVIEW_DEFAULTS = {"plancher": "0", "plafond": "", "alpha": "0,5"} | {
    f"coef_{k}": v for k, v in zip(fr.CATEGORIES, ("1", "1", "1,1", "1,2", "1,3"), strict=True)
}


@dataclass(frozen=True)
class Payouts:
    """What the payout form needs beyond the ledger: the SCARE's account (settings `[payouts]`; it
    raises PayoutsNotConfigured while unset) and the cinemas' bank details."""

    debtor: Callable[[], BankAccount]
    bank: BankDirectory


def _by() -> str:
    return str(g.account.name or g.account.login)


def _attachment(data: bytes | str, mimetype: str, filename: str) -> Response:
    answer = Response(data, mimetype=mimetype)
    answer.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if len(raw.strip()) == 10 else None
    except ValueError:
        return None


def _policies(args: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The four policies from the preview form (French amounts and decimals), and its problems."""
    problems: dict[str, str] = {}

    def cents(field: str) -> str | None:
        raw = args[field].strip()
        if not raw and field == "plafond":
            return None
        try:
            return str(fr.euros_to_cents(raw))
        except ValueError:
            problems[field] = "un montant en euros, par exemple 1 500,00"
            return None

    def number(field: str) -> str:
        try:
            return fr.decimal_text(fr.decimal_fr(args[field]))
        except ValueError:
            problems[field] = "un nombre décimal, par exemple 0,5"
            return "0"

    floor, cap = cents("plancher") or "0", cents("plafond")
    alpha = number("alpha")
    coefficients = ",".join(f"{k}={number(f'coef_{k}')}" for k in fr.CATEGORIES)
    options: dict[str, dict[str, str | None]] = {
        "pro_rata": {},
        "pro_rata_bounded": {"floor_cents": floor, "cap_cents": cap},
        "mutualist": {"alpha": alpha},
        "solidarity": {"coefficients": coefficients},
    }
    made: dict[str, Any] = {}
    for name, given in options.items():
        try:
            made[name] = policy_from_options(name, **given)
        except ArtaudError:
            made[name] = None
            problems.setdefault(name, "paramètres invalides pour cette politique")
    return made, problems


def register_money_pages(app: Flask, cp: ControlPlane, wh: Warehouse, payouts: Payouts | None = None) -> None:
    app.jinja_env.filters["euros"] = euros_fr
    store = CampaignStore(cp.engine)
    desk = DeliveryStore(cp.engine)
    held = Contributions(cp.engine)

    def names() -> dict[str, str]:
        return {c.cnc_id: c.name for c in cp.cinemas()}

    def money_state(campaign_id: str, runs: Runs) -> dict[str, Any]:
        gone = runs.ledger.reversed_ids()
        batches = [b for b in runs.ledger.batches(campaign_id=campaign_id)]
        live = [b for b in batches if b.id not in gone and b.kind != "reversal"]
        received = sum(sum(t.amount_cents for t in b.transfers) for b in live if b.kind == "receipt")
        distribution = next((b for b in reversed(live) if b.kind == "distribution"), None)
        return {"batches": batches, "gone": gone, "received": received, "live": distribution}

    def summary(campaign_id: str) -> dict[str, Any]:
        runs = Runs(cp.engine)
        d = desk.delivery(campaign_id)
        c = d.campaign
        due = c.payment_cents + vat_cents(c.payment_cents, c.vat_rate)
        state = money_state(campaign_id, runs)
        live: Booked | None = state["live"]
        return {
            "c": c,
            "delivery": d,
            "flight": flight_fr(c.start, c.end),
            "payment": euros_fr(c.payment_cents),
            "due": euros_fr(due),
            "received": euros_fr(state["received"]),
            "paid_in_full": state["received"] >= due,
            "policy": fr.POLICIES_FR.get(str(live.memo.get("policy")), "—") if live else None,
            "distributed_at": live.booked_at if live else None,
            "live": live,
            "batches": state["batches"],
            "gone": state["gone"],
        }

    def listing(status: int = 200, **extra: Any) -> tuple[str, int]:
        runs = Runs(cp.engine)
        cleared = runs.cleared()
        payout_batches = runs.ledger.batches(kind="payout")
        gone = runs.ledger.reversed_ids()
        configured = True
        if payouts is not None:
            try:
                payouts.debtor()
            except ArtaudError:
                configured = False
        values = {"payout_id": "", "execution_date": ""} | extra.pop("payout_values", {})
        return render_template(
            "money_campaigns.html",
            campaigns=[summary(c.id) for c in store.list()],
            partners=(partners := PartnerStore(cp.engine).all()),
            partner_names={p.slug: p.name for p in partners},
            cleared=[(cnc, names().get(cnc, ""), euros_fr(cents)) for cnc, cents in cleared.items()],
            cleared_total=euros_fr(sum(cleared.values())),
            payouts=[
                (b.booked_at, euros_fr(sum(t.amount_cents for t in b.transfers)), b.booked_by, b.id in gone)
                for b in payout_batches
            ],
            payouts_ready=payouts is not None and configured,
            may_act=g.account.role in FINANCE,
            form=extra.pop("form", {"vat_rate": "20", "fee_rate": "10"}),
            problems=extra.pop("problems", {}),
            payout_values=values,
            **extra,
        ), status

    @app.get("/campagnes")
    @page(FINANCE_READ)
    def campaigns_page() -> Any:
        return listing()

    @app.post("/campagnes")
    @page(FINANCE)
    def campaign_record() -> Any:
        f = {k: request.form.get(k, "") for k in fr.CAMPAIGN_FIELDS_FR}
        mine: dict[str, str] = {}
        cents = 0
        try:
            cents = fr.euros_to_cents(f["payment"])
        except ValueError:
            mine["payment"] = fr.CAMPAIGN_FIELDS_FR["payment"]
        rates: dict[str, Fraction] = {}
        for field in ("vat_rate", "fee_rate"):
            try:
                rates[field] = fr.decimal_fr(f[field]) / 100
            except ValueError:
                mine[field] = fr.CAMPAIGN_FIELDS_FR[field]
                rates[field] = Fraction(0)
        try:
            made = make_campaign(
                id=f["id"],
                distributor=f["distributor"],
                siren=f["siren"],
                film_title=f["film_title"],
                director=f["director"],
                visa=f["visa"],
                partner=f["partner"],
                start=f["start"],
                end=f["end"],
                payment_cents=cents,
                vat_rate=rates["vat_rate"],
                fee_rate=rates["fee_rate"],
                invoice=f["invoice"],
            )
            if mine:
                raise InvalidCampaign({})
            store.add(made)
        except InvalidCampaign as exc:
            problems = fr.campaign_problems_fr(exc.problems) | mine
            return listing(400, form=f, problems=problems)
        except ArtaudError as exc:
            return listing(exc.status, form=f, record_error=fr.refusal_fr(exc))
        return redirect(f"/campagnes/{made.id}", code=303)

    def campaign_view(campaign_id: str, status: int = 200, **extra: Any) -> tuple[str, int]:
        if store.get(campaign_id) is None:
            return render_template("error.html", status=404, message="Campagne inconnue."), 404
        s = summary(campaign_id)
        c = s["c"]
        frozen = held.get(campaign_id)
        args = {k: request.args.get(k, v) for k, v in PREVIEW_DEFAULTS.items()}
        policies, preview_problems = _policies(args)
        columns: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        if frozen is not None:
            for name, policy in policies.items():
                column: dict[str, Any] = {"id": name, "title": fr.POLICIES_FR[name], "d": None}
                if policy is not None:
                    try:
                        d: Distribution = distribute(frozen.participants, c.payment_cents, c.fee_rate, policy)
                        column.update(d=d, words=policy_words(d.policy, d.params), pot=euros_fr(d.pot_cents))
                        column["total"] = euros_fr(sum(d.amounts.values()))
                    except ArtaudError as exc:
                        column["error"] = fr.refusal_fr(exc)
                columns.append(column)
            top = max((v for col in columns if col["d"] for v in col["d"].amounts.values()), default=0)
            for p in frozen.participants:
                cells = [
                    (euros_fr(col["d"].amounts[p.cinema]), col["d"].amounts[p.cinema]) if col["d"] else None
                    for col in columns
                ]
                rows.append(
                    {
                        "cnc": p.cinema,
                        "name": names().get(p.cinema, ""),
                        "category": p.category,
                        "contribution": visitors_fr(p.contribution),
                        "days": p.days,
                        "cells": cells,
                    }
                )
            extra.setdefault("top", top or 1)
        live: Booked | None = s["live"]
        statements: list[tuple[str, str, str]] = []
        if live is not None:
            amounts = live.memo.get("amounts")
            if isinstance(amounts, dict):
                statements = [(cnc, names().get(cnc, ""), euros_fr(int(v))) for cnc, v in amounts.items()]
        return render_template(
            "money_campaign.html",
            s=s,
            c=c,
            frozen=frozen,
            columns=columns,
            rows=rows,
            args=args,
            preview_problems=preview_problems,
            statements=statements,
            kinds=fr.KINDS_FR,
            policies_fr=fr.POLICIES_FR,
            may_act=g.account.role in FINANCE,
            approved_day=date_fr(c.approved_at.astimezone(PARIS).date()) if c.approved_at else None,
            **extra,
        ), status

    @app.get("/campagnes/<campaign_id>")
    @page(FINANCE_READ)
    def campaign_page(campaign_id: str) -> Any:
        return campaign_view(campaign_id)

    def act(campaign_id: str, action: Callable[[], object], done: str) -> Any:
        """Run an action of the campaign's page; back to the page, or the page with the refusal."""
        if store.get(campaign_id) is None:
            return render_template("error.html", status=404, message="Campagne inconnue."), 404
        try:
            action()
        except ArtaudError as exc:
            return campaign_view(campaign_id, exc.status, refusal=fr.refusal_fr(exc))
        return redirect(f"/campagnes/{campaign_id}?fait={done}", code=303)

    @app.post("/campagnes/<campaign_id>/approbation")
    @page(FINANCE)
    def campaign_approve(campaign_id: str) -> Any:
        return act(campaign_id, lambda: store.approve(campaign_id, _by(), datetime.now(UTC)), "approbation")

    @app.post("/campagnes/<campaign_id>/gel")
    @page(FINANCE)
    def campaign_freeze(campaign_id: str) -> Any:
        return act(campaign_id, lambda: Freezer(cp.engine, wh).freeze(campaign_id, _by()), "gel")

    @app.post("/campagnes/<campaign_id>/repartition")
    @page(FINANCE)
    def campaign_distribute(campaign_id: str) -> Any:
        form = {k: request.form.get(k, v) for k, v in PREVIEW_DEFAULTS.items()}
        policies, _ = _policies(form)
        chosen = policies.get(request.form.get("politique", ""))
        if chosen is None:
            if store.get(campaign_id) is None:
                return render_template("error.html", status=404, message="Campagne inconnue."), 404
            words = "Choisissez une politique aux paramètres valides."
            return campaign_view(campaign_id, 400, refusal=words)
        return act(campaign_id, lambda: Runs(cp.engine).distribute(campaign_id, chosen, _by()), "repartition")

    @app.post("/campagnes/<campaign_id>/annulation")
    @page(FINANCE)
    def campaign_reverse(campaign_id: str) -> Any:
        reason = " ".join(request.form.get("motif", "").split())

        def reverse() -> object:
            runs = Runs(cp.engine)
            live = runs.live_distribution(campaign_id)
            if live is None:
                raise ArtaudError("no live distribution", code="nothing_to_reverse", status=409)
            if not reason:
                raise ArtaudError("a reason", code="reason_required", status=400)
            return runs.reverse(live.id, _by(), reason[:500])

        return act(campaign_id, reverse, "annulation")

    @app.post("/campagnes/<campaign_id>/encaissement")
    @page(FINANCE)
    def campaign_receive(campaign_id: str) -> Any:
        def receive() -> object:
            try:
                cents = fr.euros_to_cents(request.form.get("montant", ""))
            except ValueError:
                raise ArtaudError("amount", code="invalid_receipt", status=400) from None
            return Runs(cp.engine).receive(campaign_id, cents, request.form.get("reference", ""), _by())

        return act(campaign_id, receive, "encaissement")

    @app.get("/campagnes/<campaign_id>/preuves/<cnc>")
    @page(FINANCE_READ)
    def campaign_statement(campaign_id: str, cnc: str) -> Any:
        runs = Runs(cp.engine)
        live = runs.live_distribution(campaign_id)
        found = runs.replay(live).statements().get(cnc) if live is not None else None
        if found is None:
            return render_template("error.html", status=404, message="Relevé introuvable."), 404
        text = json.dumps(found, indent=1, ensure_ascii=True) + "\n"
        return _attachment(text, "application/json", f"{campaign_id}-{cnc}.statement.json")

    @app.get("/campagnes/<campaign_id>/racine")
    @page(FINANCE_READ)
    def campaign_root(campaign_id: str) -> Any:
        live = Runs(cp.engine).live_distribution(campaign_id)
        if live is None:
            return render_template("error.html", status=404, message="Aucune répartition en cours."), 404
        return _attachment(str(live.memo["root"]) + "\n", "text/plain", f"{campaign_id}-racine.txt")

    def period() -> tuple[date | None, date | None, str | None]:
        first, last = _day(request.args.get("du", "")), _day(request.args.get("au", ""))
        if first is None or last is None:
            return None, None, "Donnez le premier et le dernier jour de la période."
        if first > last:
            return None, None, "La période finit avant de commencer."
        return first, last, None

    def in_period(first: date, last: date) -> list[Any]:
        return [
            r
            for r in Runs(cp.engine).distributions()
            if first <= r.booked.booked_at.astimezone(PARIS).date() <= last
        ]

    @app.get("/releves")
    @page(FINANCE_READ)
    def statements_page() -> Any:
        asked = "du" in request.args or "au" in request.args
        first, last, problem = period()
        cinemas: list[tuple[str, str, int, str]] = []
        if first is not None and last is not None:
            runs = in_period(first, last)
            for cnc in sorted({cnc for r in runs for cnc in r.distribution.amounts}):
                mine = [r.distribution.amounts[cnc] for r in runs if cnc in r.distribution.amounts]
                cinemas.append((cnc, names().get(cnc, ""), len(mine), euros_fr(sum(mine))))
        return render_template(
            "money_statements.html",
            first=first,
            last=last,
            du=request.args.get("du", ""),
            au=request.args.get("au", ""),
            problem=problem if asked else None,
            cinemas=cinemas,
            period_fr=f"du {date_fr(first)} au {date_fr(last)}" if first and last else "",
        ), (400 if asked and problem else 200)

    @app.get("/releves/<cnc>")
    @page(FINANCE_READ)
    def statement_download(cnc: str) -> Any:
        first, last, problem = period()
        cinema = names().get(cnc)
        if first is None or last is None or cinema is None:
            message = problem or "Cinéma inconnu."
            return render_template("error.html", status=400, message=message), 400
        lines = tuple(
            line_of(r.campaign, r.distribution, Published(r.campaign.id, r.root, r.statements()), cnc)
            for r in in_period(first, last)
            if cnc in r.distribution.amounts
        )
        st = CinemaStatement(cnc, cinema, first, last, datetime.now(PARIS).date(), lines)
        if request.args.get("format") == "csv":
            return _attachment(render_csv(st), "text/csv", f"releve-{cnc}-{first}-{last}.csv")
        return _attachment(render_html(st), "text/html", f"releve-{cnc}-{first}-{last}.html")

    @app.post("/paiements")
    @page(FINANCE)
    def payout_file() -> Any:
        payout_id = request.form.get("payout_id", "").strip()
        raw_day = request.form.get("execution_date", "")
        values = {"payout_id": payout_id, "execution_date": raw_day}
        execution = _day(raw_day)
        if execution is None:
            return listing(
                400, payout_values=values, payout_error="Donnez la date d'exécution des virements."
            )
        if payouts is None:
            return listing(409, payout_values=values, payout_error=fr.REFUSALS_FR["payouts_not_configured"])
        try:
            paid = pay_cleared(Runs(cp.engine), payouts.bank, payouts.debtor(), payout_id, execution, _by())
        except ArtaudError as exc:
            return listing(exc.status, payout_values=values, payout_error=fr.refusal_fr(exc))
        return _attachment(paid.made.xml, "application/xml", f"virements-{payout_id}.xml")
