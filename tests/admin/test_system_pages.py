"""« Système » (admin/system_pages.py): the key ring's versions in French and never a key, a rotation
by the administrator alone through a confirmation step (the CLI's function, bank details
re-encrypted), audited; the scheduled jobs with their schedule, next run and last runs (a failure
stands out); the configuration, where a configured secret never appears."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from artaud.admin.system_fr import PlannedJob
from artaud.admin.system_pages import System
from artaud.admin.web import create_admin
from artaud.config.keyring import KeyRing
from artaud.config.settings import load
from artaud.controlplane.job_runs import JobRun, JobRuns
from artaud.jobs import console_system
from artaud.remuneration.bank import BankAccount
from artaud.remuneration.bank_store import BankStore
from tests.admin.helpers import Kit

IBAN = "FR7630006000011234567890189"


@pytest.fixture
def system(kit: Kit, tmp_path) -> Kit:
    kit.account("admin", "admin")
    kit.account("auditor", "auditor")
    KeyRing(tmp_path / "secrets").current("pooled-visitor")
    return kit


def html(client, path: str = "/systeme") -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.status_code
    return unescape(answer.get_data(as_text=True))


def rotate(kit: Kit, client, purpose: str, confirm: bool = True):
    form = kit.form(client, "/systeme")
    return client.post(
        f"/systeme/cles/{purpose}/rotation", data={**form, **({"confirmation": "oui"} if confirm else {})}
    )


def test_staff_read_the_keys_in_french_never_a_key(system: Kit, tmp_path) -> None:
    page = html(system.browser("auditor"))
    assert "Système" in page and "Pseudonymes de l'audience mutualisée" in page
    assert "Second facteur de la console (TOTP)" in page and "en service" in page
    assert "Prochaine rotation automatique" in page
    assert "Faire tourner" not in page  # the auditor reads, acts on nothing
    stored = json.loads((tmp_path / "secrets" / "keys.json").read_text())
    ring = KeyRing(tmp_path / "secrets")
    for k in stored["keys"]:
        secret = ring.get(k["purpose"], k["version"]).secret
        for shown in (k["ciphertext"], secret.hex(), base64.b64encode(secret).decode()):
            assert shown not in page
    assert "pooled-visitor" not in page.replace("/systeme/cles/pooled-visitor", "")  # no code name
    assert "Faire tourner" in html(system.browser("admin"))


def test_the_admin_rotates_after_confirming_and_the_audit_log_says_which(system: Kit, tmp_path) -> None:
    admin = system.browser("admin")
    confirm = html(admin, "/systeme/cles/pooled-visitor/rotation")
    assert "Confirmer la rotation" in confirm and "95 jours" in confirm
    assert rotate(system, admin, "pooled-visitor", confirm=False).status_code == 400
    assert [m.version for m in KeyRing(tmp_path / "secrets").metas() if m.purpose == "pooled-visitor"] == [1]
    answer = rotate(system, admin, "pooled-visitor")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/systeme?rotation=")
    metas = [m for m in KeyRing(tmp_path / "secrets").metas() if m.purpose == "pooled-visitor"]
    assert [(m.version, m.retire_after is not None) for m in metas] == [(1, True), (2, False)]
    retires = datetime.fromisoformat(metas[0].retire_after or "")
    assert timedelta(days=94) < retires - datetime.now(UTC) <= timedelta(days=95)  # privacy.key_grace_days
    page = html(admin, answer.headers["Location"])
    assert "a tourné" in page and "en fin de vie" in page
    entries = system.console.audit.entries()
    [done] = [e for e in entries if e.action.startswith("POST /systeme") and e.outcome == 303]
    assert done.actor == "admin" and json.loads(done.object)["purpose"] == "pooled-visitor"
    assert json.loads(done.object)["version"] == 2


@pytest.mark.parametrize("who", ["ops", "auditor"])
def test_only_the_admin_rotates(system: Kit, tmp_path, who: str) -> None:
    client = system.browser(who)
    assert client.get("/systeme/cles/pooled-visitor/rotation").status_code == 403
    assert rotate(system, client, "pooled-visitor").status_code == 403
    assert len([m for m in KeyRing(tmp_path / "secrets").metas() if m.purpose == "pooled-visitor"]) == 1


def test_keys_people_or_partners_hold_do_not_rotate_from_the_console(system: Kit) -> None:
    admin = system.browser("admin")
    answer = rotate(system, admin, "console-totp")
    assert answer.status_code == 409 and "ne tourne pas depuis la console" in answer.get_data(as_text=True)
    assert admin.get("/systeme/cles/nope/rotation").status_code == 404


def test_rotating_the_bank_details_key_reencrypts_them_at_once(system: Kit, tmp_path) -> None:
    ring = KeyRing(tmp_path / "secrets")
    BankStore(system.cp.engine, ring).set("9990001", BankAccount("Le Méliès", IBAN), "Anne")
    admin = system.browser("admin")
    assert "rechiffrées" in html(admin, "/systeme/cles/bank-details/rotation")
    assert rotate(system, admin, "bank-details").status_code == 303
    store = BankStore(system.cp.engine, KeyRing(tmp_path / "secrets"))
    assert store.versions_in_use() == {2} and store.get("9990001") == BankAccount("Le Méliès", IBAN)
    [done] = [e for e in system.console.audit.entries() if e.action.startswith("POST /systeme")]
    assert json.loads(done.object)["reencrypted"] == 1
    assert IBAN not in html(admin) and IBAN[-10:] not in html(admin)


def test_the_jobs_show_their_schedule_next_run_and_last_runs(system: Kit, tmp_path) -> None:
    start = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    runs = JobRuns(system.cp.engine)
    runs.add(
        JobRun("destroy-salts", start, start + timedelta(seconds=1.5), "ok", ("sel du 26/11/2026 détruit",))
    )
    runs.add(
        JobRun(
            "retention", start, start + timedelta(minutes=2, seconds=3), "error", (), "OSError: disque plein"
        )
    )
    runs.add(JobRun("rotate-keys", start, start, "ok", ()))
    base = console_system(load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path)}))
    later = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    plan = [
        PlannedJob("destroy-salts", timedelta(minutes=15), None, later),
        PlannedJob("retention", None, 3, later),
    ]
    system.app = create_admin(
        system.cp,
        system.wh,
        dict,
        system.console,
        system=System(base.settings, base.ring, base.rotate, lambda: plan),
    )
    page = html(system.browser("ops"))
    assert "Destruction des sels du suivi exempté" in page and "toutes les 15 minutes" in page
    assert "chaque jour à 03 h 00 (heure de Paris)" in page and "01/12/2026 03:00:00" in page
    assert "28/11/2026 03:00:00" in page and "1,5 s" in page and "2 min 03 s" in page
    assert "sel du 26/11/2026 détruit" in page and "rien à faire" in page
    assert 'class="system-failed"' in page and "échec" in page and "disque plein" in page
    assert "Rotation et destruction des clés" in page  # recorded, though not planned here


def test_without_a_scheduler_the_page_says_so(system: Kit) -> None:
    assert "Le planificateur ne tourne pas dans ce processus" in html(system.browser("ops"))


def test_a_configured_secret_never_appears(system: Kit, tmp_path) -> None:
    secrets = {
        "ARTAUD_PATHS__DATA_DIR": str(tmp_path),
        "ARTAUD_WAREHOUSE__PASSWORD": "Wh-Passw0rd-zz9",
        # a password with a space: SQLAlchemy takes it, the page must still mask it
        "ARTAUD_CONTROL__URL": "postgresql://artaud:Pg S3cret-xy7@db.internal:5432/artaud?sslpassword=Ssl-pw-4q",
        "ARTAUD_PAYOUTS__DEBTOR_IBAN": IBAN,
        "ARTAUD_ADMIN__ALLOWED_HOSTS": "console.scare.example",
        "ARTAUD_ADMIN__PUBLIC_URL": "https://console.scare.example",
        "ARTAUD_PRIVACY__EVENT_RETENTION_MONTHS": "13",
    }
    base = console_system(load(env={"ARTAUD_PATHS__DATA_DIR": str(tmp_path)}))
    system.app = create_admin(
        system.cp, system.wh, dict, system.console, system=System(load(env=secrets), base.ring, base.rotate)
    )
    page = html(system.browser("auditor"))
    for secret in ("Wh-Passw0rd-zz9", "Pg S3cret-xy7", "S3cret-xy7", "Ssl-pw-4q", IBAN, IBAN[4:-4]):
        assert secret not in page
    assert "•••••• (masqué)" in page and "db.internal" in page and "FR76 •••• " in page
    assert "Conservation des événements (mois)" in page and "<code>13</code>" in page
    assert "console.scare.example" in page and "Taille minimale d'un segment (k)" in page
    assert "Rotation de la clé mutualisée (jours)" in page and "Bruit par publication (ε)" in page
