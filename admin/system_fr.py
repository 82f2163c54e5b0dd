"""IO-free: the « Système » page's French. The key ring's purposes and versions, the scheduled jobs'
names and schedules, durations, and the configuration summary grouped by section with French labels,
where every secret (passwords, credentials in a URL, the SCARE's account) is masked before it
reaches a page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from artaud.config.keyring import KeyMeta
from artaud.config.rotation import RotationPolicy
from artaud.config.settings import Settings
from artaud.remuneration.bank import masked

HIDDEN = "•••••• (masqué)"

JOBS_FR = {
    "destroy-salts": "Destruction des sels du suivi exempté",
    "rotate-keys": "Rotation et destruction des clés",
    "retention": "Conservation des événements",
    "build-segments": "Construction des segments et purge des instantanés",
}
PURPOSES_FR = {
    "pooled-visitor": "Pseudonymes de l'audience mutualisée",
    "bank-details": "Coordonnées bancaires des cinémas",
    "console-totp": "Second facteur de la console (TOTP)",
    "console-secret": "Signature des sessions de la console",
    "export-signing": "Signature des exports des partenaires",
    "export-cursor": "Curseurs des exports des partenaires",
    "rights-ticket": "Tickets de la page « Vos données d'audience »",
}
# the purposes the console may rotate: the pseudonym keys (their rotation is the privacy model's) and
# the bank details (re-encrypted at once). The others (the console's own, the exports' signing and
# cursors) change what people or partners hold: `artaud keys rotate`, knowingly.
BANK_DETAILS = "bank-details"


def console_rotatable(purpose: str) -> bool:
    return purpose in ("pooled-visitor", BANK_DETAILS) or purpose.startswith("partner-")


def purpose_fr(purpose: str) -> str:
    if purpose.startswith("partner-"):
        return f"Pseudonymes du partenaire « {purpose.removeprefix('partner-')} »"
    return PURPOSES_FR.get(purpose, f"Clé « {purpose} »")


def job_fr(job: str) -> str:
    return JOBS_FR.get(job, job)


@dataclass(frozen=True)
class PlannedJob:
    """A job as the running scheduler has it: every `every`, or each day at `hour` (Paris)."""

    job: str
    every: timedelta | None
    hour: int | None
    next_run: datetime | None


def schedule_fr(p: PlannedJob) -> str:
    if p.every is not None:
        minutes = int(p.every.total_seconds() // 60)
        if minutes % 60 == 0:
            hours = minutes // 60
            return "toutes les heures" if hours == 1 else f"toutes les {hours} heures"
        return "toutes les minutes" if minutes == 1 else f"toutes les {minutes} minutes"
    if p.hour is not None:
        return f"chaque jour à {p.hour:02d} h 00 (heure de Paris)"
    return "selon un calendrier particulier"


def duration_fr(d: timedelta) -> str:
    seconds = max(d.total_seconds(), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


# -- keys ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Version:
    version: int
    created: datetime
    retires: datetime | None
    destroyed: bool
    active: bool

    @property
    def state(self) -> str:
        if self.destroyed:
            return "détruite"
        if self.active:
            return "en service"
        return "en fin de vie"


@dataclass(frozen=True)
class Purpose:
    purpose: str
    title: str
    rotatable: bool
    next_rotation: datetime | None  # the scheduled rotation of the newest version, if any
    versions: tuple[Version, ...]  # newest first


def purposes(metas: Iterable[KeyMeta], policy: RotationPolicy) -> list[Purpose]:
    by: dict[str, list[KeyMeta]] = {}
    for m in metas:
        by.setdefault(m.purpose, []).append(m)
    out = []
    for purpose, ms in sorted(by.items(), key=lambda kv: (purpose_fr(kv[0]).lower(), kv[0])):
        live = [m.version for m in ms if not m.destroyed]
        newest = max(live, default=None)
        versions = tuple(
            Version(
                m.version,
                datetime.fromisoformat(m.created_at),
                datetime.fromisoformat(m.retire_after) if m.retire_after else None,
                m.destroyed,
                m.version == newest,
            )
            for m in sorted(ms, key=lambda m: -m.version)
        )
        period = policy.period(purpose)
        current = next((v for v in versions if v.active), None)
        due = current.created + timedelta(days=period) if period and current else None
        out.append(Purpose(purpose, purpose_fr(purpose), console_rotatable(purpose), due, versions))
    return out


# -- configuration ------------------------------------------------------------------------------------
SECTIONS_FR = {
    "privacy": "Vie privée et conservation",
    "segments": "Segments et garde-fous",
    "admin": "Console",
    "collector": "Collecte",
    "consent": "Consentement",
    "partners": "Partenaires",
    "payouts": "Virements aux cinémas",
    "paths": "Fichiers",
    "control": "Plan de contrôle",
    "warehouse": "Entrepôt de données",
    "transport": "Acheminement",
    "kafka": "Kafka",
    "spool": "Tampon local",
    "compliance": "Conformité (registre, DPO)",
    "rights": "Page « Vos données d'audience »",
}
LABELS_FR = {
    "privacy.event_retention_months": "Conservation des événements (mois)",
    "privacy.salt_retention_hours": "Vie des sels du suivi exempté (heures)",
    "privacy.honour_gpc": "Respect de Global Privacy Control",
    "privacy.honour_dnt": "Respect de Do Not Track",
    "privacy.pooled_key_rotation_days": "Rotation de la clé mutualisée (jours)",
    "privacy.partner_key_rotation_days": "Rotation des clés des partenaires (jours)",
    "privacy.key_grace_days": "Délai avant destruction d'une ancienne clé (jours)",
    "privacy.consent_proof_months": "Conservation des preuves de consentement (mois)",
    "privacy.audit_log_months": "Conservation des journaux d'audit (mois)",
    "segments.definitions_file": "Fichier des définitions de segments",
    "segments.k": "Taille minimale d'un segment (k)",
    "segments.min_cinemas": "Nombre minimal de cinémas par segment",
    "segments.max_cinema_share": "Part maximale d'un cinéma dans un segment",
    "segments.min_cinema_share": "Part minimale des autres cinémas",
    "segments.credible_days": "Jours de présence pour compter un visiteur",
    "segments.noise_epsilon": "Bruit par publication (ε)",
    "segments.noise_delta": "Probabilité tolérée sous k (δ)",
    "segments.epsilon_budget_segment": "Budget ε annuel par segment",
    "segments.epsilon_budget_person": "Budget ε annuel par personne",
    "segments.build_hour": "Heure de la construction quotidienne (-1 : à la demande)",
    "segments.keep_days": "Conservation des instantanés de construction (jours)",
    "admin.host": "Adresse d'écoute",
    "admin.port": "Port",
    "admin.public_url": "Adresse publique",
    "admin.allowed_hosts": "Noms d'hôte acceptés",
    "admin.secure_cookies": "Cookies sécurisés",
    "admin.session_idle_minutes": "Fin de session après inactivité (minutes)",
    "admin.session_absolute_hours": "Durée maximale d'une session (heures)",
    "admin.setup_link_hours": "Validité d'un lien d'activation (heures)",
    "admin.lockout_failures": "Échecs avant verrouillage",
    "admin.lockout_minutes": "Durée du verrouillage (minutes)",
    "admin.trusted_proxy": "Mandataire TLS de confiance",
    "collector.public_url": "Adresse publique",
    "collector.host": "Adresse d'écoute",
    "collector.port": "Port",
    "collector.workers": "Processus de collecte",
    "collector.allowed_url_params": "Paramètres d'URL conservés",
    "collector.trusted_proxies": "Mandataires de confiance",
    "collector.new_ids_per_network_hour": "Nouveaux identifiants par réseau et par heure",
    "consent.tcf_pooled_purposes": "Finalités TCF de l'audience mutualisée",
    "consent.tcf_max_age_days": "Âge maximal d'une chaîne TCF (jours)",
    "consent.cmp_service": "Service déclaré aux outils de consentement",
    "partners.window_days": "Fenêtre de référence des exports (jours)",
    "partners.seller_domain": "Domaine vendeur (IAB)",
    "partners.port": "Port de l'API des partenaires",
    "payouts.debtor_name": "Titulaire du compte de la SCARE",
    "payouts.debtor_iban": "IBAN du compte de la SCARE",
    "payouts.debtor_bic": "BIC du compte de la SCARE",
    "paths.data_dir": "Répertoire des données",
    "control.url": "Base du plan de contrôle",
    "warehouse.backend": "Moteur",
    "warehouse.password": "Mot de passe",
    "warehouse.user": "Utilisateur",
    "transport.mode": "Mode",
}
_SECRET_NAME = re.compile(r"password|secret|token|passphrase|credential|_key$")
MASK = "••••••"  # what a password is shown as
_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@")
_NAMED_SECRET = re.compile(r"(?i)\b(password|passwd|pwd|secret|token|sslpassword)=[^&;\s]*")


@dataclass(frozen=True)
class Setting:
    label: str
    name: str
    value: str


def _value_fr(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return ", ".join(_value_fr(v) for v in value) if value else "(aucun)"
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, Path):
        return str(value)
    text = str(value)
    return text if text else "(vide)"


def shown(name: str, value: Any) -> str:
    """A setting's value as the page may show it: secrets masked (a set one says so), credentials in
    a URL masked, the SCARE's IBAN as on a RIB."""
    key = name.rsplit(".", 1)[-1]
    if _SECRET_NAME.search(key):
        return HIDDEN if value else "(vide)"
    if name == "payouts.debtor_iban":
        return masked(str(value)) if value else "(vide)"
    text = _URL_CREDENTIALS.sub(r"\1••••••@", _value_fr(value))
    if "://" in text:  # a password the pattern above cannot bound (a space, an @ inside it…)
        parts = urlsplit(text)
        try:
            password = parts.password
        except ValueError:
            password = None
        if password and password != MASK:
            host = parts.netloc.rsplit("@", 1)[-1]
            text = urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))
    return _NAMED_SECRET.sub(r"\1=••••••", text)


def settings_summary(settings: Settings) -> list[tuple[str, list[Setting]]]:
    """Every effective setting, by section (the ones a person looks for first), with its label."""
    data = settings.model_dump()
    order = list(SECTIONS_FR) + sorted(set(data) - set(SECTIONS_FR))
    out = []
    for section in order:
        values = data.get(section)
        if not isinstance(values, dict):
            continue
        names = [(f"{section}.{key}", str(key), v) for key, v in values.items()]
        rows = [Setting(LABELS_FR.get(name, ""), name, shown(name, v)) for name, _, v in names]
        out.append((SECTIONS_FR.get(section, f"Section « {section} »"), rows))
    return out
