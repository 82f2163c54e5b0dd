"""« Système »: the key ring (each purpose's versions, a rotation on demand for the administrators,
with a confirmation step), the scheduled jobs (their schedule, next run and last runs, failures
first to the eye) and the effective configuration, secrets masked (admin/system_fr.py). Every staff
role reads; only `admin` rotates, by the function `artaud keys rotate` calls (runtime/jobs.py
`rotate_key`, handed over in `System`), and the audit log says which purpose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, g, redirect, render_template, request

from artaud.admin import system_fr as fr
from artaud.admin.guard import page
from artaud.admin.roles import ADMIN, READ_STAFF
from artaud.config.keyring import KeyRing
from artaud.config.rotation import Rotated, RotationPolicy
from artaud.config.settings import Settings
from artaud.controlplane.job_runs import JobRuns
from artaud.controlplane.store import ControlPlane
from artaud.errors import Conflict, InvalidInput, NotFound


class UnknownPurpose(NotFound):
    code = "unknown_key_purpose"


class NotRotatableHere(Conflict):
    code = "key_not_rotatable_in_console"


class RotationUnconfirmed(InvalidInput):
    code = "rotation_unconfirmed"


@dataclass(frozen=True)
class System:
    """What the page needs from the process that serves it (runtime/jobs.py `console_system`)."""

    settings: Settings
    ring: KeyRing
    rotate: Callable[[str], Rotated]  # `artaud keys rotate`, with the configured grace
    planned: Callable[[], list[fr.PlannedJob]] = field(default=list)  # the running scheduler's jobs


def register_system_pages(app: Flask, cp: ControlPlane, system: System | None) -> None:
    runs = JobRuns(cp.engine)

    def need() -> System:
        if system is None:
            raise NotFound("La page Système n'est pas servie par ce processus.")
        return system

    def policy(s: System) -> RotationPolicy:
        p = s.settings.privacy
        return RotationPolicy(p.pooled_key_rotation_days, p.partner_key_rotation_days, p.key_grace_days)

    def rotatable(s: System, purpose: str) -> fr.Purpose:
        found = next((p for p in fr.purposes(s.ring.metas(), policy(s)) if p.purpose == purpose), None)
        if found is None:
            raise UnknownPurpose("Aucune clé de ce type dans le trousseau.")
        if not found.rotatable:
            raise NotRotatableHere(
                "Cette clé ne tourne pas depuis la console : la changer touche ce que des personnes ou "
                "des partenaires détiennent (commande artaud keys rotate, en connaissance de cause)."
            )
        return found

    @app.get("/systeme")
    @page(READ_STAFF)
    def system_page() -> str:
        s = need()
        planned = {p.job: p for p in s.planned()}
        names = list(planned) + [j for j in runs.jobs() if j not in planned]
        jobs = [
            {
                "title": fr.job_fr(name),
                "schedule": fr.schedule_fr(planned[name]) if name in planned else None,
                "next_run": planned[name].next_run if name in planned else None,
                "runs": runs.last(name, 5),
            }
            for name in names
        ]
        done = request.args.get("rotation", "")
        return render_template(
            "system.html",
            purposes=fr.purposes(s.ring.metas(), policy(s)),
            rotated=fr.purpose_fr(done) if done else "",
            jobs=jobs,
            scheduler=bool(planned),
            settings=fr.settings_summary(s.settings),
            grace=s.settings.privacy.key_grace_days,
            duration=fr.duration_fr,
        )

    @app.get("/systeme/cles/<purpose>/rotation")
    @page(ADMIN)
    def rotation_confirm(purpose: str) -> str:
        s = need()
        return render_template(
            "system_rotate.html",
            p=rotatable(s, purpose),
            grace=s.settings.privacy.key_grace_days,
            bank=purpose == fr.BANK_DETAILS,
        )

    @app.post("/systeme/cles/<purpose>/rotation")
    @page(ADMIN)
    def rotation_do(purpose: str) -> Any:
        s = need()
        g.audit_object = {"purpose": purpose[:64]}
        rotatable(s, purpose)
        if request.form.get("confirmation") != "oui":
            raise RotationUnconfirmed("Confirmez la rotation depuis sa page de confirmation.")
        done = s.rotate(purpose)
        g.audit_object = {"purpose": purpose[:64], "version": done.version, "reencrypted": done.reencrypted}
        return redirect(f"/systeme?rotation={purpose}#cles", code=303)
