"""The facts of the running configuration (the one module of the package with IO): the settings,
the control plane (cinemas; partners as the pooled track's recipients), and the code itself (the
events table's columns, the tag's identifier lifetime, the SQL the segment build reads, the exempt
hash the collector computes). No warehouse is needed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import make_url

from artaud.admin.roles import ROLES, TOTP_REQUIRED
from artaud.collector.pseudonym import exempt_visitor
from artaud.compliance import endpoints, tag_source
from artaud.compliance.facts import Endpoint, Facts, Recipient
from artaud.config.keyring import MASTER_ENV
from artaud.config.settings import Settings
from artaud.controlplane.store import ControlPlane
from artaud.partners.store import PartnerStore
from artaud.segments.definitions import load_segments
from artaud.segments.visitor_table import layout, table_sql
from artaud.warehouse.columns import COLUMNS, CONSENT_COLUMNS


def _tag_lifetime() -> tuple[int | None, bool]:
    static = resources.files("artaud.collector").joinpath("static")
    days = tag_source.lifetime_days(static.joinpath("tag.src.js").read_text(encoding="utf-8"))
    built = static.joinpath("tag.js").read_text(encoding="utf-8")
    return days, days is not None and tag_source.built_carries(built, days)


def _segments_read_pooled_only(settings: Settings) -> bool:
    """Whether the build's one read of the events (the visitor table every segment, export and
    contribution comes from) is limited to the pooled track."""
    path = settings.segments.definitions_file
    segs = load_segments(Path(path) if path else None)
    sql = table_sql("compliance_probe", "db", layout(segs, []), date.today(), 30)
    return "track = 'pooled'" in sql


def _exempt_hash_per_cinema() -> bool:
    """The collector's own exempt hash, for one network and browser at two cinemas under one salt
    and at one cinema under two salts: four different visitors, or the hash links sites or days."""
    salt_a, salt_b = b"a" * 32, b"b" * 32
    seen = {
        exempt_visitor(salt, cinema, "192.0.2.0/24", "Mozilla/5.0")
        for salt in (salt_a, salt_b)
        for cinema in (1, 2)
    }
    return len(seen) == 4


def _endpoints(settings: Settings) -> tuple[Endpoint, ...]:
    out = [Endpoint("warehouse.host", settings.warehouse.host, settings.warehouse.backend == "server")]
    out += [
        Endpoint("kafka.bootstrap_servers", host, settings.transport.mode == "kafka")
        for host in endpoints.hosts_of(settings.kafka.bootstrap_servers)
    ]
    url = make_url(settings.control_url)
    if url.get_backend_name() != "sqlite":
        out.append(Endpoint("control.url", url.host or "localhost", True))
    return tuple(out)


def gather(settings: Settings, cp: ControlPlane, env: Mapping[str, str] | None = None) -> Facts:
    env = os.environ if env is None else env
    days, built = _tag_lifetime()
    p, s, c, a = settings.privacy, settings.segments, settings.collector, settings.admin
    partners = PartnerStore(cp.engine).all()
    return Facts(
        controller=settings.compliance.controller,
        dpo_contact=settings.compliance.dpo_contact,
        event_fields=COLUMNS,
        consent_fields=CONSENT_COLUMNS,
        allowed_url_params=c.allowed_url_params,
        regions_enabled=bool(c.regions_file),
        id_lifetime_days=days,
        id_lifetime_in_built_tag=built,
        event_retention_months=p.event_retention_months,
        consent_proof_months=p.consent_proof_months,
        audit_log_months=p.audit_log_months,
        salt_retention_hours=p.salt_retention_hours,
        snapshot_keep_days=s.keep_days,
        partner_window_days=settings.partners.window_days,
        segments_read_pooled_only=_segments_read_pooled_only(settings),
        exempt_hash_per_cinema=_exempt_hash_per_cinema(),
        honour_gpc=p.honour_gpc,
        honour_dnt=p.honour_dnt,
        tcf_pooled_purposes=settings.consent.tcf_pooled_purposes,
        pooled_key_rotation_days=p.pooled_key_rotation_days,
        partner_key_rotation_days=p.partner_key_rotation_days,
        key_grace_days=p.key_grace_days,
        master_key_from_env=bool(env.get(MASTER_ENV)),
        k=s.k,
        min_cinemas=s.min_cinemas,
        max_cinema_share=s.max_cinema_share,
        min_cinema_share=s.min_cinema_share,
        credible_days=s.credible_days,
        noise_epsilon=s.noise_epsilon,
        noise_delta=s.noise_delta,
        epsilon_budget_segment=s.epsilon_budget_segment,
        epsilon_budget_person=s.epsilon_budget_person,
        new_ids_per_network_hour=c.new_ids_per_network_hour,
        transport_mode=settings.transport.mode,
        kafka_retention_hours=settings.kafka.retention_hours,
        warehouse_backend=settings.warehouse.backend,
        control_backend=make_url(settings.control_url).get_backend_name(),
        endpoints=_endpoints(settings),
        eu_hosts=settings.compliance.eu_hosts,
        recipients=tuple(
            Recipient(x.slug, x.name, x.status, x.min_audience, x.export_ttl_days) for x in partners
        ),
        cinemas=cp.count_cinemas(),
        roles=tuple(ROLES.items()),
        totp_roles=tuple(sorted(TOTP_REQUIRED)),
        console_host=a.host,
        partners_api_host=settings.partners.host,
        secure_cookies=a.secure_cookies,
        session_idle_minutes=a.session_idle_minutes,
        lockout_failures=a.lockout_failures,
        account_lockout_failures=a.account_lockout_failures,
    )
