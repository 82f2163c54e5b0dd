"""The compliance file's content (IO-free), in French: the records of processing (GDPR art. 30) of
the two tracks, the CNIL exemption self-check of the exempt track, and the inputs of the pooled
track's DPIA, all computed from `Facts`. `document.py` renders it as HTML and PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from artaud.compliance import categories, endpoints
from artaud.compliance.checks import Check, exemption_checks
from artaud.compliance.facts import Facts

TO_FILL = "à renseigner (compliance.dpo_contact)"


@dataclass(frozen=True)
class Row:
    """A labelled value with where it comes from (a setting or a module)."""

    label: str
    value: str
    source: str = ""


@dataclass(frozen=True)
class Record:
    """One processing in the register (GDPR art. 30(1))."""

    title: str
    purposes: tuple[str, ...]
    legal_basis: str
    subjects: str
    data: tuple[Row, ...]  # each collected field: its category and minimisation rule
    recipients: tuple[str, ...]
    transfers: str
    retention: tuple[Row, ...]
    security: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    generated_on: date
    controller: str
    dpo_contact: str
    cinemas: int
    checks: tuple[Check, ...]
    records: tuple[Record, ...]
    never_kept: tuple[str, ...]
    flows: tuple[str, ...]
    guards: tuple[Row, ...]
    keys: tuple[Row, ...]
    access: tuple[Row, ...]

    @property
    def compliant(self) -> bool:
        return all(c.passed for c in self.checks)


def _fields(f: Facts, track: str) -> tuple[Row, ...]:
    rows = []
    for column, cat in categories.describe(f.event_fields):
        rule = cat.rule
        if column == "url_params":
            rule += " : " + (", ".join(f.allowed_url_params) or "aucun")
        if column == "region" and not f.regions_enabled:
            rule = "désactivée (collector.regions_file vide) : toujours vide"
        if column == "visitor":
            rule = (
                "hachage à clé du cinéma, du réseau /24 (/48) et du navigateur sous le sel du jour du "
                f"cinéma, détruit après {f.salt_retention_hours} h"
                if track == "exempt"
                else "HMAC-SHA256 de l'identifiant sous une clé versionnée ; l'identifiant brut n'est "
                "jamais gardé"
            )
        if track == "exempt" and column == "consent_id":
            rule = "toujours vide sur ce parcours"
        if track == "exempt" and column == "key_version":
            rule = "toujours 0 sur ce parcours"
        rows.append(Row(f"{column} — {cat.name}", rule, cat.where))
    return tuple(rows)


def _security(f: Facts) -> tuple[str, ...]:
    out = [
        "Minimisation au collecteur : adresse IP, user agent et identifiant brut jetés avant toute écriture",
        "Clés de pseudonymisation chiffrées au repos (AES-256-GCM) sous une clé maître "
        + ("fournie par l'environnement (ARTAUD_MASTER_KEY)" if f.master_key_from_env
           else "générée dans le répertoire de données (mode embarqué)"),
        f"Console : sur {f.console_host}, comptes à rôles, second facteur pour "
        f"{', '.join(f.totp_roles)}, un client bloqué sur un compte après {f.lockout_failures} échecs, le compte "
        f"lui-même après {f.account_lockout_failures} échecs tous clients confondus, session close après "
        f"{f.session_idle_minutes} min d'inactivité, cookies "
        + ("Secure" if f.secure_cookies else "sans Secure (admin.secure_cookies = false)"),
        f"API des partenaires sur {f.partners_api_host} : clés d'API stockées hachées, chaque appel journalisé, "
        "exports signés (Ed25519) et à durée limitée",
        "Fichiers d'argent et de conformité écrits en entier ou pas du tout, lisibles par leur seul propriétaire",
    ]  # fmt: skip
    return tuple(out)


def _transfers(f: Facts) -> str:
    away = endpoints.outside(f.endpoints, f.eu_hosts)
    if away:
        return "NON ÉTABLI : " + ", ".join(f"{e.host} ({e.setting})" for e in away)
    return "Aucun transfert hors de l'UE/EEE : " + (
        "; ".join(
            f"{e.setting} = {e.host} ({endpoints.where(e.host, f.eu_hosts)})" for e in f.endpoints if e.used
        )
        or "tout tourne sur la machine du SCARE"
    )


def _in_transit(f: Facts) -> tuple[Row, ...]:
    """Where events wait before the warehouse: the spool, drained continuously; in production Kafka,
    whose topics' retention artaud sets at every start (transport/topics.py)."""
    rows = [Row("Spool local du collecteur", "vidé en continu vers l'entrepôt ou Kafka", "spool.max_bytes")]
    if f.transport_mode == "kafka":
        rows.append(
            Row("Sujets Kafka (événements, lettres mortes)",
                f"{f.kafka_retention_hours} heures au plus (retention.ms, fixé à chaque démarrage)",
                "kafka.retention_hours")
        )  # fmt: skip
    return tuple(rows)


def _exempt(f: Facts) -> Record:
    return Record(
        title="Traitement 1 — mesure d'audience exemptée de consentement, pour chaque cinéma",
        purposes=(
            "Statistiques anonymes de fréquentation du site de chaque cinéma, pour ce seul cinéma",
        ),
        legal_basis="Intérêt légitime (art. 6.1.f RGPD) ; traceur exempté de consentement (art. 82 "
        "loi Informatique et Libertés, conditions de la CNIL vérifiées ci-dessous)",
        subjects="Visiteurs des sites et pages de billetterie des cinémas participants",
        data=_fields(f, "exempt"),
        recipients=("Le cinéma concerné (ses seuls chiffres)", "Le SCARE (exploitation du service)"),
        transfers=_transfers(f),
        retention=(
            Row("Événements", f"{f.event_retention_months} mois, par mois entiers", "privacy.event_retention_months"),
            Row("Sels du jour (lien entre visites d'un même jour)", f"{f.salt_retention_hours} h",
                "privacy.salt_retention_hours"),
            *_in_transit(f),
        ),
        security=_security(f),
    )  # fmt: skip


def _pooled(f: Facts) -> Record:
    recipients = tuple(
        f"{r.name} ({r.slug}, {r.status}) : exports signés valables {r.export_ttl_days} jours, "
        f"pseudonymes propres à ce partenaire"
        for r in f.recipients
    )
    return Record(
        title="Traitement 2 — audience mutualisée des cinémas, sur consentement",
        purposes=(
            "Constituer des segments d'audience mutualisés entre cinémas",
            "Les mettre à disposition des partenaires (agences) auxquels le visiteur a consenti",
            "Rémunérer les cinémas pour les campagnes qui les ont utilisés",
        ),
        legal_basis="Consentement (art. 6.1.a RGPD ; art. 82 loi Informatique et Libertés), avec preuve "
        f"conservée pour chaque événement ; finalités TCF {', '.join(map(str, f.tcf_pooled_purposes))}",
        subjects="Visiteurs ayant consenti à l'audience mutualisée",
        data=_fields(f, "pooled"),
        recipients=(*recipients,) if recipients else ("Aucun partenaire enregistré",),
        transfers=_transfers(f)
        + " ; les partenaires tirent leurs exports : leur établissement relève de leur contrat, "
        "le plan de contrôle ne l'enregistre pas",
        retention=(
            Row("Événements", f"{f.event_retention_months} mois, par mois entiers", "privacy.event_retention_months"),
            Row("Instantanés de construction", f"{f.snapshot_keep_days} jours", "segments.keep_days"),
            Row("Traces des exports reçus par un partenaire", f"{f.partner_window_days} jours",
                "partners.window_days"),
            Row("Clés de pseudonymisation retirées", f"détruites {f.key_grace_days} jours après leur rotation",
                "privacy.key_grace_days"),
            Row("Preuves de consentement (sans identifiant)",
                f"{f.consent_proof_months} mois, par mois entiers (tâche planifiée quotidienne)",
                "privacy.consent_proof_months"),
            Row("Journal d'audit de la console et journal des appels des partenaires",
                f"{f.audit_log_months} mois", "privacy.audit_log_months"),
            *_in_transit(f),
        ),
        security=_security(f),
    )  # fmt: skip


def _flows(f: Facts) -> tuple[str, ...]:
    transport = (
        "le spool local, vidé dans l'entrepôt par le superviseur"
        if f.transport_mode == "embedded"
        else "le spool local, transmis à Kafka puis chargé dans l'entrepôt par les ingesteurs"
    )
    return (
        "Navigateur → tag du cinéma (identifiant propre au site, créé seulement après consentement)",
        "Tag → collecteur : minimisation, décision de parcours, pseudonyme HMAC ; rien de brut n'est écrit",
        f"Collecteur → {transport}",
        f"Entrepôt ClickHouse ({f.warehouse_backend}) : événements, preuves de consentement, suppressions",
        f"Plan de contrôle ({f.control_backend}) : cinémas ({f.cinemas}), partenaires, métadonnées de clés",
        "Construction des segments (parcours mutualisé seul) → gardes → publication bruitée",
        "Exports : pseudonymes propres à chaque partenaire, signés, tirés par le partenaire via l'API",
        "Retraits et effacements : suppression immédiate, puis retraits dans le prochain delta du partenaire",
    )


def _guards(f: Facts) -> tuple[Row, ...]:
    return (
        Row("Seuil k (segment, export, cellule)", str(f.k), "segments.k"),
        Row("Nombre minimal de cinémas par segment", str(f.min_cinemas), "segments.min_cinemas"),
        Row("Part maximale d'un cinéma", f"{f.max_cinema_share:g}", "segments.max_cinema_share"),
        Row("Part minimale des autres cinémas", f"{f.min_cinema_share:g}", "segments.min_cinema_share"),
        Row("Membres crédibles : vus au moins", f"{f.credible_days} jours", "segments.credible_days"),
        Row("Bruit différentiellement privé : ε par publication", f"{f.noise_epsilon:g}", "segments.noise_epsilon"),
        Row("δ (publication d'un segment sous k)", f"{f.noise_delta:g}", "segments.noise_delta"),
        Row("Budget ε par segment sur un an", f"{f.epsilon_budget_segment:g}", "segments.epsilon_budget_segment"),
        Row("Budget ε par personne sur un an", f"{f.epsilon_budget_person:g}", "segments.epsilon_budget_person"),
        Row("Différenciation : fenêtre des exports déjà reçus", f"{f.partner_window_days} jours",
            "partners.window_days"),
        Row("Nouveaux identifiants par réseau et par heure", str(f.new_ids_per_network_hour) if f.new_ids_per_network_hour else "sans limite",
            "collector.new_ids_per_network_hour"),
        Row("Objections honorées", ", ".join(
            n for n, on in (("Global Privacy Control", f.honour_gpc), ("Do Not Track", f.honour_dnt)) if on
        ) or "aucune", "privacy.honour_gpc, privacy.honour_dnt"),
    )  # fmt: skip


def _keys(f: Facts) -> tuple[Row, ...]:
    return (
        Row("Pseudonyme mutualisé", f"HMAC-SHA256, rotation tous les {f.pooled_key_rotation_days} jours",
            "privacy.pooled_key_rotation_days"),
        Row("Pseudonymes propres à chaque partenaire", f"rotation tous les {f.partner_key_rotation_days} jours",
            "privacy.partner_key_rotation_days"),
        Row("Anciennes versions", f"détruites {f.key_grace_days} jours après la rotation (pseudonymes "
            "devenus non reliables)", "privacy.key_grace_days"),
        Row("Chiffrement au repos", "AES-256-GCM sous la clé maître", "config/keyring.py"),
        Row("Clé maître", "ARTAUD_MASTER_KEY (environnement)" if f.master_key_from_env
            else "fichier secrets/master.key du répertoire de données (mode embarqué)", "ARTAUD_MASTER_KEY"),
        Row("Sels du parcours exempté", f"un par cinéma et par jour, détruits après {f.salt_retention_hours} h",
            "privacy.salt_retention_hours"),
    )  # fmt: skip


def _access(f: Facts) -> tuple[Row, ...]:
    sees = {
        "admin": "tout, et gère les comptes",
        "operator": "exploitation : cinémas, constructions, effacements",
        "finance": "campagnes, registre, paiements",
        "auditor": "lecture : journal d'audit, registre",
        "cinema": "les chiffres de son seul cinéma",
    }
    rows = [
        Row(f"{label} ({role})", sees.get(role, "voir admin/roles.py"), "admin/roles.py")
        for role, label in f.roles
    ]
    rows.append(
        Row(
            "Partenaire",
            "ses propres exports (pseudonymes qui lui sont propres), tailles bruitées",
            "partners/api.py",
        )
    )
    return tuple(rows)  # fmt: skip


def build(f: Facts, today: date) -> Report:
    return Report(
        generated_on=today,
        controller=f.controller,
        dpo_contact=f.dpo_contact or TO_FILL,
        cinemas=f.cinemas,
        checks=tuple(exemption_checks(f)),
        records=(_exempt(f), _pooled(f)),
        never_kept=categories.NEVER_KEPT,
        flows=_flows(f),
        guards=_guards(f),
        keys=_keys(f),
        access=_access(f),
    )
