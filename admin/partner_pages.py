"""The « Partenaires » pages: the agencies' accounts (every staff role reads; admin and operator
change), each with its API keys, its ID sync URL, the exports it received and the audit of its
calls. The pages call the rules `artaud partners` calls (PartnerStore.add, partners/manage.py).

A new key's secret is shown once, on the page the POST that made it answers (not cached, never in
the session, the audit log or a log line): only its hash is stored, so no page can show it again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, redirect, render_template, request

from artaud.admin import partner_fr as fr
from artaud.admin.guard import page
from artaud.admin.roles import READ_STAFF, RUN
from artaud.collector.idsync import SyncUrlError
from artaud.controlplane.store import ControlPlane
from artaud.partners.manage import issue_key, register_sync, set_suspended
from artaud.partners.records import FORMATS, SLUG, InvalidPartner, Partner
from artaud.partners.store import PartnerStore
from artaud.segments.builder import SegmentBuilder
from artaud.segments.definitions import load_segments

PARIS = ZoneInfo("Europe/Paris")
DAYS = 30  # the calls-per-day chart
SHOWN = 100  # the last calls and exports a page lists
DONE_FR = {
    "ajoute": "Partenaire ajouté. Émettez-lui une clé d'accès ci-dessous.",
    "suspendu": "Partenaire suspendu : ses clés sont refusées et la synchronisation est arrêtée.",
    "active": "Partenaire réactivé : ses clés actives sont de nouveau acceptées.",
    "revoquee": "Clé révoquée : elle est refusée dès maintenant.",
    "synchro": "Adresse de synchronisation enregistrée.",
    "sans-synchro": "Adresse de synchronisation retirée : la synchronisation est arrêtée.",
}
ACCOUNT_DEFAULTS = {
    "slug": "",
    "name": "",
    "min_audience": "0",
    "rate_per_minute": "60",
    "export_ttl_days": "30",
}


def _integer(raw: str) -> int:
    """A whole number as typed (spaces allowed); -1, refused by every rule, when it is not one."""
    text = raw.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    return int(text) if text.isdigit() and len(text) <= 9 else -1


def register_partner_pages(app: Flask, cp: ControlPlane, segments: SegmentBuilder | None = None) -> None:
    store = PartnerStore(cp.engine)
    definitions = segments.definitions if segments is not None else load_segments()
    titles = {s.id: s.title for s in definitions}

    def known(slug: str) -> Partner | None:
        return store.get(slug) if SLUG.match(slug) else None

    def missing() -> Any:
        return render_template("error.html", status=404, message="Partenaire inconnu."), 404

    def list_page(
        values: Mapping[str, str], errors: dict[str, str], message: str = "", code: int = 200
    ) -> Any:
        now = datetime.now(UTC)
        last = store.last_calls()
        rows = []
        for p in store.all():
            keys = store.keys(p.slug)
            rows.append(
                {
                    "p": p,
                    "status": fr.STATUSES_FR.get(p.status, p.status),
                    "scopes": fr.scopes_fr(keys, titles, now),
                    "live": sum(1 for k in keys if fr.live(k, now)),
                    "sync": store.sync_url(p.slug) is not None,
                    "last": last.get(p.slug),
                }
            )
        return render_template(
            "partners.html",
            rows=rows,
            v=values,
            errors=errors,
            message=message,
            fields=fr.FIELDS_FR,
            can_run=g.account.role in RUN,
        ), code

    @app.get("/partenaires")
    @page(READ_STAFF)
    def partners_page() -> Any:
        return list_page(ACCOUNT_DEFAULTS, {})

    @app.post("/partenaires")
    @page(RUN)
    def partner_add() -> Any:
        values = {k: request.form.get(k, "")[:300].strip() for k in ACCOUNT_DEFAULTS}
        g.audit_object = {"partenaire": values["slug"][:64]}
        try:
            made = store.add(
                values["slug"],
                values["name"],
                _integer(values["min_audience"]),
                _integer(values["rate_per_minute"]),
                _integer(values["export_ttl_days"]),
            )
        except InvalidPartner as exc:
            taken = "already exists" in exc.problems.get("slug", "")
            message = "Le partenaire n'a pas été ajouté : " + (
                "cet identifiant est déjà pris." if taken else "corrigez les champs signalés."
            )
            return list_page(values, fr.problems_fr(exc.problems), message, 409 if taken else 400)
        return redirect(f"/partenaires/{made.slug}?fait=ajoute", code=303)

    def detail(
        partner: Partner,
        *,
        done: str = "",
        errors: Mapping[str, str] | None = None,
        message: str = "",
        issued: Any = None,
        sync_value: str | None = None,
        key_form: Mapping[str, Any] | None = None,
        code: int = 200,
    ) -> Any:
        now = datetime.now(UTC)
        today = now.astimezone(PARIS).date()
        keys = sorted(store.keys(partner.slug), key=lambda k: k.created_at, reverse=True)
        registered = store.sync_registration(partner.slug)
        exports = list(reversed(store.exports_since(partner.slug, now - timedelta(days=3650))))[:SHOWN]
        calls = store.calls_since(
            partner.slug, datetime.combine(today, datetime.min.time(), PARIS) - timedelta(days=DAYS)
        )
        return render_template(
            "partner.html",
            p=partner,
            status=fr.STATUSES_FR.get(partner.status, partner.status),
            done=done,
            errors=errors or {},
            message=message,
            issued=issued,
            keys=[
                {
                    "k": k,
                    "state": fr.key_state_fr(k, now),
                    "live": fr.live(k, now),
                    "segments": fr.segments_fr(k.segments, titles),
                    "formats": fr.formats_fr(k.formats),
                }
                for k in keys
            ],
            registered=registered,
            sync_value=sync_value if sync_value is not None else (registered[0] if registered else ""),
            exports=[
                {
                    "e": e,
                    "segment": fr.segment_key_fr(e.segment_key, titles),
                    "state": fr.export_state_fr(e, now),
                }
                for e in exports
            ],
            pulls=fr.pulls_per_day(calls, today, DAYS),
            audit=[
                {**entry, "answer": fr.answer_fr(int(str(entry["status"])))}
                for entry in store.audit_entries(SHOWN, partner.slug)
            ],
            shown=SHOWN,
            titles=titles,
            formats=fr.FORMATS_FR,
            all_formats=sorted(FORMATS),
            key_form=key_form or {"segments": [fr.ALL], "formats": sorted(FORMATS), "expires": ""},
            fields=fr.FIELDS_FR,
            can_run=g.account.role in RUN,
        ), code

    @app.get("/partenaires/<slug>")
    @page(READ_STAFF)
    def partner_page(slug: str) -> Any:
        partner = known(slug)
        if partner is None:
            return missing()
        return detail(partner, done=DONE_FR.get(request.args.get("fait", ""), ""))

    @app.post("/partenaires/<slug>/statut")
    @page(RUN)
    def partner_status(slug: str) -> Any:
        wanted = request.form.get("statut", "")
        if wanted not in fr.STATUSES_FR:
            return render_template("error.html", status=400, message="Statut inconnu."), 400
        if known(slug) is None:
            return missing()
        g.audit_object = {"partenaire": slug, "statut": wanted}
        set_suspended(store, slug, wanted == "suspended")
        return redirect(
            f"/partenaires/{slug}?fait={'suspendu' if wanted == 'suspended' else 'active'}", code=303
        )

    @app.post("/partenaires/<slug>/cles")
    @page(RUN)
    def partner_key(slug: str) -> Any:
        partner = known(slug)
        if partner is None:
            return missing()
        chosen = [s for s in request.form.getlist("segments") if s == fr.ALL or s in titles]
        formats = [f for f in request.form.getlist("formats") if f in FORMATS]
        expires = request.form.get("expires", "")[:20].strip()
        try:
            issued = issue_key(store, slug, ",".join(chosen), ",".join(formats), expires or None)
        except InvalidPartner as exc:
            g.audit_object = {"partenaire": slug}
            form = {"segments": chosen, "formats": formats, "expires": expires}
            message = "La clé n'a pas été émise : corrigez les champs signalés."
            return detail(
                partner, errors=fr.problems_fr(exc.problems), message=message, key_form=form, code=400
            )
        # the prefix names the key; its secret goes to this one answer and nowhere else
        g.audit_object = {"partenaire": slug, "clé": issued.key.prefix}
        answer, _ = detail(
            partner,
            issued={
                "prefix": issued.key.prefix,
                "token": issued.key.token,
                "segments": fr.segments_fr(issued.segments, titles),
                "formats": fr.formats_fr(issued.formats),
                "expires_at": issued.expires_at,
            },
        )
        return answer, 201, {"Cache-Control": "no-store", "Pragma": "no-cache"}

    @app.post("/partenaires/<slug>/cles/<prefix>/revocation")
    @page(RUN)
    def partner_revoke(slug: str, prefix: str) -> Any:
        key = store.key(prefix) if len(prefix) == 8 else None
        if known(slug) is None or key is None or key.partner_slug != slug:
            return render_template("error.html", status=404, message="Clé inconnue."), 404
        g.audit_object = {"partenaire": slug, "clé": prefix}
        if key.revoked_at is None:
            store.revoke_key(prefix)
        return redirect(f"/partenaires/{slug}?fait=revoquee", code=303)

    @app.post("/partenaires/<slug>/synchronisation")
    @page(RUN)
    def partner_sync(slug: str) -> Any:
        partner = known(slug)
        if partner is None:
            return missing()
        remove = request.form.get("action") == "retirer"
        url = request.form.get("url", "")[:1000]
        g.audit_object = {"partenaire": slug, "synchronisation": "retirée" if remove else "enregistrée"}
        try:
            register_sync(store, slug, None if remove else url)
        except SyncUrlError as exc:
            g.audit_object["synchronisation"] = "refusée"
            return detail(
                partner,
                errors={"url": fr.sync_problems_fr(exc.reasons)},
                message="L'adresse de synchronisation n'a pas été enregistrée : corrigez-la.",
                sync_value=url,
                code=400,
            )
        return redirect(f"/partenaires/{slug}?fait={'sans-synchro' if remove else 'synchro'}", code=303)
