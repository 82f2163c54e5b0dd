"""« Droits et consentement »: the consent proof behind events or a pooled pseudonym, read in French,
and the right to erasure: a request filed and carried out from the console (with a confirm step),
and the register of every request (console, command line, API) against its one-month deadline.

Those who run the service (admin, operator) look up and erase; the auditor reads. The JSON API of
the same two things lives here too (`artaud consent` and `artaud erase` go through it while the
service holds the embedded warehouse, runtime/remote.py). Every erasure goes through
warehouse/erasure.py `request_erasure`, the one function the command line calls as well."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, g, jsonify, redirect, render_template, request

from artaud.admin import rights_fr as fr
from artaud.admin.guard import api, page
from artaud.admin.roles import RUN
from artaud.controlplane.erasure_requests import (
    ErasureRequest,
    ErasureRequests,
    UnknownErasureRequest,
    visitor_digest,
)
from artaud.controlplane.store import ControlPlane
from artaud.warehouse.backend import Warehouse
from artaud.warehouse.erasure import BadPseudonym, check_pseudonym, request_erasure
from artaud.warehouse.proof import Proof, consent_behind

READ = RUN | {"auditor"}
MAX_EVENTS = 50
BAD_PSEUDONYM = (
    "Ce n'est pas un pseudonyme de l'audience mutualisée : il s'écrit « p », le numéro de version de "
    "la clé, un point, puis des chiffres et des lettres (par exemple p1.3f9a0c…)."
)
_SPLIT = re.compile(r"[\s,;]+")


def _event_ids(raw: str) -> list[str]:
    return [e for e in _SPLIT.split(raw.strip()) if e]


def register_rights_pages(app: Flask, cp: ControlPlane, wh: Warehouse, clock: Callable[[], datetime]) -> None:
    register = ErasureRequests(cp.engine)

    def cinemas() -> dict[int, tuple[str, str]]:
        return {c.id: (c.cnc_id, c.name) for c in cp.cinemas() if c.id is not None}

    def shown(proof: Proof, where: dict[int, tuple[str, str]]) -> dict[str, Any]:
        r = proof.record
        record = None
        if r is not None:
            source = str(r["source"])
            record = {
                "id": r["consent_id"],
                "source": fr.source_fr(source),
                "recorded_at": r["recorded_at"],
                "purposes": fr.purposes_fr(str(r["purposes"])),
                "policy": r["policy_version"],
                "tcf": fr.tcf_fr(str(r["signal"])) if source == "tcf" else [],
                # the tag's own list is said in French; a banner's state is shown as received
                "signal": "" if source in ("tcf", "tag") else str(r["signal"]),
                "signal_words": fr.purposes_fr(str(r["signal"])) if source == "tag" else [],
                "key_version": r["key_version"],
            }
        cnc, name = where.get(proof.cinema_id, ("—", "cinéma inconnu"))
        return {
            "event_id": proof.event_id,
            "received_at": proof.received_at,
            "cinema": f"{name} ({cnc})",
            "track": fr.track_fr(proof.track),
            "exempt": proof.track == "exempt",
            "objection": fr.objection_fr(proof.objection),
            "visitor": proof.visitor,
            "record": record,
        }

    def listed(requests: list[ErasureRequest], now: datetime) -> list[dict[str, Any]]:
        first: dict[str, ErasureRequest] = {}
        for r in sorted(requests, key=lambda r: (r.received_at, r.id)):
            first.setdefault(r.visitor_digest, r)
        return [
            {
                "r": r,
                "deadline": fr.deadline(r.received_at).strftime("%d/%m/%Y"),
                "overdue": fr.overdue(r.received_at, r.completed_at, now),
                "status": fr.status_fr(r.status),
                "channel": fr.channel_fr(r.channel),
                "by": r.requested_by.removeprefix("cli:") or "—",  # the channel says it was the CLI
                "done": fr.done_fr(r.done),
                "repeats": first[r.visitor_digest].id if first[r.visitor_digest].id != r.id else "",
            }
            for r in requests
        ]

    def rights_page(status: int = 200, **extra: Any) -> Any:
        now = clock()
        context: dict[str, Any] = {
            "requests": listed(register.all(), now),
            "may_erase": g.account.role in RUN,
            "lookup": {},
            "proofs": None,
            "lookup_error": "",
            "erase_error": "",
            "confirm": None,
            "done": None,
        } | extra
        return render_template("rights.html", **context), status

    @app.get("/droits")
    @page(READ)
    def rights() -> Any:
        done = None
        asked = request.args.get("demande", "")
        if asked:
            try:
                done = register.get(asked[:40])
            except UnknownErasureRequest:
                done = None
        return rights_page(done=done, done_status=fr.status_fr(done.status) if done else "")

    @app.post("/droits/consentement")
    @page(READ)
    def rights_lookup() -> Any:
        """A lookup is a POST so that a pseudonym never sits in a URL (history, logs)."""
        events = _event_ids(request.form.get("evenements", ""))
        visitor = request.form.get("pseudonyme", "").strip()
        lookup = {"evenements": " ".join(events[:MAX_EVENTS]), "pseudonyme": visitor[:100]}
        g.audit_object = {"events": len(events), "by": "pseudonym" if visitor else "event"}
        if not events and not visitor:
            return rights_page(
                400, lookup=lookup, lookup_error="Donnez un identifiant d'événement ou un pseudonyme."
            )
        if events and visitor:
            return rights_page(
                400,
                lookup=lookup,
                lookup_error="Cherchez soit par événements, soit par pseudonyme, pas les deux.",
            )
        if len(events) > MAX_EVENTS or any(len(e) > 100 for e in events):
            return rights_page(
                400,
                lookup=lookup,
                lookup_error=f"Au plus {MAX_EVENTS} identifiants d'événements, de 100 caractères chacun.",
            )
        if visitor:
            try:
                check_pseudonym(visitor)
            except BadPseudonym:
                return rights_page(400, lookup=lookup, lookup_error=BAD_PSEUDONYM)
        proofs = consent_behind(wh, event_ids=events, visitor=visitor)
        where = cinemas()
        return rights_page(lookup=lookup, proofs=[shown(p, where) for p in proofs])

    @app.post("/droits/effacement")
    @page(RUN)
    def rights_erase() -> Any:
        """Two steps: the form asks for a confirmation (with the earlier requests for the same
        person), the confirmation files and carries out the request."""
        visitor = request.form.get("pseudonyme", "").strip()
        g.audit_object = {"confirmed": request.form.get("confirme") == "oui"}
        try:
            check_pseudonym(visitor)
        except BadPseudonym:
            return rights_page(400, erase_error=BAD_PSEUDONYM, lookup={"efface": visitor[:100]})
        if request.form.get("confirme") != "oui":
            earlier = listed(register.for_visitor(visitor), clock())
            events = len(consent_behind(wh, visitor=visitor))
            return rights_page(confirm={"visitor": visitor, "earlier": earlier, "events": events})
        filed = request_erasure(register, wh, visitor, "console", g.account.login, clock())
        g.audit_object = {"request": filed.id, "status": filed.status}
        return redirect(f"/droits?demande={filed.id}#demandes", code=303)

    @app.get("/api/v1/consent")
    @api(READ)
    def consent() -> Any:
        events = request.args.getlist("event_id")
        visitor = request.args.get("visitor", "")
        # the audit log names the person by the register's digest, never by the pseudonym
        g.audit_object = {"event_id": events[:10], "visitor": visitor_digest(visitor)[:16] if visitor else ""}
        if not events and not visitor:
            return jsonify({"error": "give event_id (repeatable) or visitor"}), 400
        proofs = consent_behind(wh, event_ids=events, visitor=visitor)
        return jsonify([p.__dict__ for p in proofs])

    @app.post("/api/v1/erasures")
    @api(RUN)
    def erasure() -> Any:
        """File and carry out an erasure request; answers its id and status (`artaud erase` sends
        channel "cli")."""
        doc = request.get_json(silent=True)
        visitor = doc.get("visitor") if isinstance(doc, dict) else None
        channel = doc.get("channel", "api") if isinstance(doc, dict) else "api"
        if not isinstance(visitor, str) or channel not in ("api", "cli"):
            return jsonify({"error": 'send {"visitor": "<pooled pseudonym>"}'}), 400
        g.audit_object = {"visitor": visitor_digest(visitor)[:16]}
        # BadPseudonym → 400, a warehouse failure → 503 (the request is then marked failed)
        filed = request_erasure(register, wh, visitor, channel, g.account.login, clock())
        g.audit_object = {"request": filed.id, "status": filed.status}
        return jsonify(
            {
                "visitor": visitor,
                "suppressed": filed.status == "done",
                "request": filed.id,
                "status": filed.status,
                "received_at": filed.received_at.isoformat(),
                "completed_at": filed.completed_at.isoformat() if filed.completed_at else None,
            }
        ), 202
