"""Typed settings: embedded defaults, an optional TOML file, then environment overrides.

Validation happens once at start; a wrong value fails with the key and the reason. Every default is
said once, in defaults.toml: the model below gives types and bounds, never a value.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from artaud.errors import InvalidInput

ENV_PREFIX = "ARTAUD_"
# a child process (a collector worker) runs with its supervisor's validated settings, handed over whole
INHERITED_ENV = "ARTAUD_SETTINGS_JSON"
# The limits of the privacy model and of the CNIL's exemption on settings: the service refuses to
# start beyond them. `artaud compliance check` loads the configuration with them lifted
# (`load(legal_limits=False)`, up to each field's hard bound) so that a setting beyond one shows as
# its red line, which is what an operator's CI wants to read (docs/compliance.md).
LEGAL_LIMITS: dict[str, int] = {
    "privacy.event_retention_months": 25,  # the CNIL's exemption: data kept at most 25 months
    "privacy.salt_retention_hours": 48,  # the privacy model: the exempt track's salts within 48 hours
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Section):
    data_dir: Path


class Control(_Section):
    url: str


class Collector(_Section):
    host: str
    port: int = Field(ge=0, le=65535)
    workers: int = Field(ge=1, le=64)
    public_url: str
    max_body_bytes: int = Field(ge=256, le=1_048_576)
    max_events_per_batch: int = Field(ge=1, le=1000)
    allowed_url_params: tuple[str, ...]
    trusted_proxies: tuple[str, ...]
    regions_file: str
    ua_cache_size: int = Field(ge=100)
    site_refresh_seconds: float = Field(gt=0)
    metrics_host: str
    metrics_port: int = Field(ge=0, le=65535)
    new_ids_per_network_hour: int = Field(ge=0, le=1_000_000)
    header_timeout_ms: int = Field(ge=100, le=60_000)
    body_timeout_ms: int = Field(ge=100, le=60_000)
    worker_stall_seconds: int = Field(ge=2, le=3600)
    max_requests_per_worker: int = Field(ge=8, le=65_536)

    @field_validator("public_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")


class Spool(_Section):
    max_bytes: int = Field(ge=1_048_576)
    segment_bytes: int = Field(ge=4096)
    fsync_interval_ms: int = Field(ge=1, le=5000)
    reserve_bytes: int = Field(ge=65_536)

    @model_validator(mode="after")
    def _segments_fit(self) -> Spool:
        # a spool smaller than a few segments fills before its first segment is sealed and drained
        if self.max_bytes < 4 * self.segment_bytes:
            raise ValueError("spool.max_bytes must hold at least 4 segments (4 × spool.segment_bytes)")
        return self


class Consent(_Section):
    tcf_pooled_purposes: tuple[int, ...]
    tcf_scare_vendor_id: int = Field(ge=0, le=65535)
    tcf_partner_vendors: tuple[str, ...]
    tcf_max_age_days: int = Field(ge=1, le=400)
    cmp_service: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")
    tag_wait_ms: int = Field(ge=0, le=5000)

    @field_validator("tcf_pooled_purposes")
    @classmethod
    def _purposes(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v or any(not 1 <= p <= 24 for p in v):
            raise ValueError("purposes are TCF purpose ids between 1 and 24, at least one")
        return v

    @field_validator("tcf_partner_vendors")
    @classmethod
    def _partners(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for item in v:
            slug, _, vid = item.partition(":")
            if not slug or not vid.isdigit() or not 1 <= int(vid) <= 65535:
                raise ValueError(f"{item!r}: expected 'partner-slug:vendor-id'")
        return v

    def partner_vendor_ids(self) -> dict[str, int]:
        return {item.split(":")[0]: int(item.split(":")[1]) for item in self.tcf_partner_vendors}


class Transport(_Section):
    mode: Literal["embedded", "kafka"]


class Kafka(_Section):
    bootstrap_servers: str = Field(min_length=1)
    topic: str = Field(pattern=r"^[A-Za-z0-9._-]{1,200}$")
    dead_letter_topic: str = Field(pattern=r"^[A-Za-z0-9._-]{1,200}$")
    group_id: str = Field(min_length=1)
    partitions: int = Field(ge=1, le=1000)
    replication_factor: int = Field(ge=1, le=10)
    # at most 30 days: an erasure is promised within a month (transport/topics.py)
    retention_hours: int = Field(ge=1, le=30 * 24)
    max_block_ms: int = Field(ge=10, le=60_000)
    request_timeout_ms: int = Field(ge=100, le=300_000)
    linger_ms: int = Field(ge=0, le=1000)
    max_poison_ratio: float = Field(gt=0, le=1)
    poison_window: int = Field(ge=1, le=100_000)
    metrics_port: int = Field(ge=0, le=65535)


class Warehouse(_Section):
    backend: Literal["chdb", "server"]
    host: str
    port: int = Field(ge=1, le=65535)
    database: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    user: str
    password: str
    batch_rows: int = Field(ge=1, le=1_000_000)
    batch_seconds: float = Field(gt=0, le=60)


def _within_legal_limit(section: str, value: int, info: ValidationInfo) -> int:
    limit = LEGAL_LIMITS[f"{section}.{info.field_name}"]
    lifted = isinstance(info.context, Mapping) and info.context.get("legal_limits") is False
    if value > limit and not lifted:
        raise ValueError(
            f"at most {limit}: beyond it the service breaks its privacy model (docs/compliance.md)"
        )
    return value


class Privacy(_Section):
    # hard bounds (a typo's); the legal limits (LEGAL_LIMITS) are checked below
    event_retention_months: int = Field(ge=1, le=120)
    salt_retention_hours: int = Field(ge=24, le=24 * 30)
    # consent proofs outlive the events they prove (checked below), for the limitation period
    consent_proof_months: int = Field(ge=1, le=240)
    # the console's audit log and the partners' call log
    audit_log_months: int = Field(ge=1, le=120)
    honour_gpc: bool
    honour_dnt: bool
    pooled_key_rotation_days: int = Field(ge=7, le=3650)
    partner_key_rotation_days: int = Field(ge=7, le=3650)
    key_grace_days: int = Field(ge=1, le=400)

    @field_validator("event_retention_months", "salt_retention_hours")
    @classmethod
    def _legal(cls, v: int, info: ValidationInfo) -> int:
        return _within_legal_limit("privacy", v, info)

    @model_validator(mode="after")
    def _proofs_outlive_events(self) -> Privacy:
        if self.consent_proof_months < self.event_retention_months:
            raise ValueError(
                "consent_proof_months must be at least event_retention_months: "
                "a pooled event is never kept without the proof of its consent"
            )
        return self


class Segments(_Section):
    definitions_file: str
    k: int = Field(ge=2, le=1_000_000)
    min_cinemas: int = Field(ge=1, le=1000)
    max_cinema_share: float = Field(gt=0, le=1)
    min_cinema_share: float = Field(ge=0, lt=1)
    credible_days: int = Field(ge=1, le=366)
    noise_epsilon: float = Field(gt=0, le=100)
    noise_delta: float = Field(gt=0, le=0.5)
    epsilon_budget_segment: float = Field(gt=0, le=100_000)
    epsilon_budget_person: float = Field(gt=0, le=100_000)
    build_hour: int = Field(ge=-1, le=23)
    keep_days: int = Field(ge=1, le=760)


class Partners(_Section):
    host: str = Field(min_length=1)
    port: int = Field(ge=0, le=65535)
    # the seller's domain in IAB Seller Defined Audiences descriptors ("": none are given)
    seller_domain: str = Field(
        max_length=253, pattern=r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
    )
    # artaud's vendor-specific taxonomy number, as registered with the IAB Tech Lab (0: none yet)
    segtax: int = Field(ge=0, le=100_000)
    window_days: int = Field(ge=1, le=366)


class Rights(_Section):
    host: str = Field(min_length=1)
    port: int = Field(ge=0, le=65535)
    public_url: str
    ticket_minutes: int = Field(ge=1, le=60)
    requests_per_minute: int = Field(ge=1, le=10_000)
    trusted_proxy: str = Field(max_length=64)

    @field_validator("public_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")


class Payouts(_Section):
    # checked as an account (IBAN checksum, SEPA country, BIC) when a payout file is made
    # (runtime/cli_payouts.py): the settings layer does not know banks
    debtor_name: str = Field(max_length=200)
    debtor_iban: str = Field(max_length=64)
    debtor_bic: str = Field(max_length=20)


class Compliance(_Section):
    controller: str = Field(min_length=1, max_length=200)
    dpo_contact: str = Field(max_length=200)
    # host names, or suffixes starting with ".", declared hosted in the EU/EEA
    eu_hosts: tuple[str, ...]

    @field_validator("eu_hosts")
    @classmethod
    def _hosts(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for host in v:
            if not re.fullmatch(r"\.?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?", host):
                raise ValueError(f"{host!r}: a lower-case host name or a suffix starting with '.'")
        return tuple(v)


class Admin(_Section):
    host: str
    port: int = Field(ge=0, le=65535)
    # the console's own address as people type it (setup links); "" : http://host:port
    public_url: str = Field(max_length=300)
    # Host header values accepted besides the bound address (DNS rebinding is refused)
    allowed_hosts: list[str]
    secure_cookies: bool
    session_idle_minutes: int = Field(ge=1, le=24 * 60)
    session_absolute_hours: int = Field(ge=1, le=24 * 7)
    setup_link_hours: int = Field(ge=1, le=24 * 7)
    lockout_failures: int = Field(ge=1, le=100)
    account_lockout_failures: int = Field(ge=1, le=10_000)
    lockout_minutes: int = Field(ge=1, le=24 * 60)
    # the TLS reverse proxy's address ("" : none), whose X-Forwarded-For/-Proto are believed
    trusted_proxy: str = Field(max_length=64)


class Settings(_Section):
    paths: Paths
    control: Control
    collector: Collector
    spool: Spool
    consent: Consent
    transport: Transport
    kafka: Kafka
    warehouse: Warehouse
    privacy: Privacy
    segments: Segments
    partners: Partners
    rights: Rights
    payouts: Payouts
    compliance: Compliance
    admin: Admin

    @model_validator(mode="after")
    def _window_covers_partner_keys(self) -> Settings:
        # a removal queued for a partner is kept window_days; the partner's key must have rotated by
        # then (its next export replacing every old list), or the removal would be lost undelivered
        if self.partners.window_days < self.privacy.partner_key_rotation_days:
            raise ValueError(
                "partners.window_days must be at least privacy.partner_key_rotation_days "
                f"({self.partners.window_days} < {self.privacy.partner_key_rotation_days})"
            )
        return self

    @property
    def data_dir(self) -> Path:
        return self.paths.data_dir

    @property
    def control_url(self) -> str:
        return self.control.url or f"sqlite:///{self.data_dir / 'control.sqlite'}"


class SettingsError(InvalidInput):
    """Raised with one line per wrong key."""

    code = "invalid_settings"


def _defaults() -> dict[str, Any]:
    text = resources.files("artaud.config").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _merge(base: dict[str, Any], over: Mapping[str, Any], where: str) -> None:
    for key, value in over.items():
        if key not in base:
            raise SettingsError(f"{where}{key}: unknown setting")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise SettingsError(f"{where}{key}: must be a table")
            _merge(base[key], value, f"{where}{key}.")
        else:
            base[key] = value


def _env_value(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        return raw
    if isinstance(default, list):
        raw = raw.strip()
        if raw.startswith("["):
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                return raw
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def load(
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    legal_limits: bool = True,
) -> Settings:
    """Build settings; `env` defaults to the process environment. `legal_limits=False` (only for
    `artaud compliance check`, which reports them) accepts settings beyond LEGAL_LIMITS."""
    env = os.environ if env is None else env
    data = _defaults()
    file = env.get(ENV_PREFIX + "CONFIG")
    if file:
        path = Path(file)
        try:
            _merge(data, tomllib.loads(path.read_text(encoding="utf-8")), "")
        except OSError as exc:
            raise SettingsError(f"ARTAUD_CONFIG: cannot read {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"ARTAUD_CONFIG: {path} is not valid TOML: {exc}") from exc
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG" or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if section not in data or key not in data[section]:
            raise SettingsError(f"{name}: unknown setting {section}.{key}")
        data[section][key] = _env_value(raw, data[section][key])
    if overrides:
        _merge(data, overrides, "")
    try:
        return Settings.model_validate(data, context={"legal_limits": legal_limits})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            if not key:  # a rule between settings names its keys itself
                lines.append(str(err["msg"]).removeprefix("Value error, "))
                continue
            lines.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None


def for_child(settings: Settings) -> dict[str, str]:
    """The environment entry that hands these settings, as validated, to a child process (its data
    directory made absolute, whatever the child's working directory)."""
    data = settings.model_dump(mode="json")
    data["paths"]["data_dir"] = str(settings.data_dir.resolve())
    return {INHERITED_ENV: json.dumps(data)}


def inherited(env: Mapping[str, str] | None = None) -> Settings:
    """A child process's settings: its supervisor's (`for_child`), else loaded as usual."""
    env = os.environ if env is None else env
    handed = env.get(INHERITED_ENV)
    if handed is None:
        return load(env)
    try:
        return Settings.model_validate_json(handed)
    except ValidationError as exc:
        raise SettingsError(
            f"{INHERITED_ENV}: not the settings of this version: {exc.error_count()} errors"
        ) from None
