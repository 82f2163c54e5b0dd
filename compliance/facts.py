"""What the compliance file is computed from (IO-free): one value gathered from the running
configuration and the code (`gather.py`), never restated by hand.

Each field says where it comes from; the checks (`checks.py`) and the report (`report.py`) read
nothing else, so a test builds a `Facts` with one field changed and sees its line turn red.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    """A network endpoint the service sends personal data to (`setting`: the key naming it)."""

    setting: str
    host: str
    used: bool  # False: configured but not used by this configuration (e.g. Kafka in embedded mode)


@dataclass(frozen=True)
class Recipient:
    """A registered partner (`artaud partners list`): a recipient of the pooled track's exports."""

    slug: str
    name: str
    status: str
    min_audience: int
    export_ttl_days: int


@dataclass(frozen=True)
class Facts:
    # the controller (settings [compliance])
    controller: str
    dpo_contact: str
    # what is collected: the events table's columns (warehouse/columns.py) and the consent records'
    event_fields: tuple[str, ...]
    consent_fields: tuple[str, ...]
    allowed_url_params: tuple[str, ...]  # collector.allowed_url_params
    regions_enabled: bool  # collector.regions_file != ""
    # the first-party identifier: its lifetime in days as the tag's source says it (None: not found),
    # and whether the built tag the collector serves carries the same lifetime
    id_lifetime_days: int | None
    id_lifetime_in_built_tag: bool
    # retention (settings [privacy], [segments], [partners])
    event_retention_months: int
    consent_proof_months: int
    audit_log_months: int
    salt_retention_hours: int
    snapshot_keep_days: int
    partner_window_days: int
    # the segment build reads the pooled track only (from the SQL segments/visitor_table.py writes)
    segments_read_pooled_only: bool
    # the exempt visitor's hash takes the cinema among its inputs, under the cinema's own salt of the
    # day (from the hash the collector computes, collector/pipeline.py)
    exempt_hash_per_cinema: bool
    # consent and objections
    honour_gpc: bool
    honour_dnt: bool
    tcf_pooled_purposes: tuple[int, ...]
    # keys
    pooled_key_rotation_days: int
    partner_key_rotation_days: int
    key_grace_days: int
    master_key_from_env: bool
    # guards (settings [segments], [collector])
    k: int
    min_cinemas: int
    max_cinema_share: float
    min_cinema_share: float
    credible_days: int
    noise_epsilon: float
    noise_delta: float
    epsilon_budget_segment: float
    epsilon_budget_person: float
    new_ids_per_network_hour: int
    # where data goes
    transport_mode: str
    kafka_retention_hours: int
    warehouse_backend: str
    control_backend: str  # "sqlite" or "postgresql"
    endpoints: tuple[Endpoint, ...]
    eu_hosts: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    cinemas: int
    # security (settings [admin], admin/roles.py)
    roles: tuple[tuple[str, str], ...]  # (role, French label)
    totp_roles: tuple[str, ...]
    console_host: str
    partners_api_host: str
    secure_cookies: bool
    session_idle_minutes: int
    lockout_failures: int
    account_lockout_failures: int
