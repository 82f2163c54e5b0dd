"""The collector's settings, as the hit pipeline and its adapter read them, built from `[collector]`,
`[privacy]` and `[consent]` of the configuration: every default is said once, in defaults.toml, so
this record has none (`CollectorConfig.of(load(env={}))` is the defaults)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from artaud.config.settings import Settings
from artaud.consent.decision import Policy
from artaud.consent.tcf_policy import TcfPolicy


@dataclass(frozen=True)
class CollectorConfig:
    max_body_bytes: int
    max_events_per_batch: int
    allowed_url_params: frozenset[str]
    trusted_proxies: frozenset[str]
    policy: Policy
    tag_wait_ms: int
    new_ids_per_network_hour: int
    rights_url: str  # the page « Vos données d'audience » (`[rights]`)
    rights_ticket_minutes: int
    rights_per_minute: int

    @classmethod
    def of(cls, settings: Settings, **changes: Any) -> CollectorConfig:
        """The collector's part of `settings`, with `changes` (tests and benchmarks)."""
        c, consent, privacy, rights = settings.collector, settings.consent, settings.privacy, settings.rights
        config = cls(
            max_body_bytes=c.max_body_bytes,
            max_events_per_batch=c.max_events_per_batch,
            allowed_url_params=frozenset(c.allowed_url_params),
            trusted_proxies=frozenset(c.trusted_proxies),
            policy=Policy(
                honour_gpc=privacy.honour_gpc,
                honour_dnt=privacy.honour_dnt,
                cmp_service=consent.cmp_service,
                tcf=TcfPolicy(
                    pooled_purposes=consent.tcf_pooled_purposes,
                    scare_vendor_id=consent.tcf_scare_vendor_id,
                    partner_vendor_ids=consent.partner_vendor_ids(),
                    max_age_days=consent.tcf_max_age_days,
                ),
            ),
            tag_wait_ms=consent.tag_wait_ms,
            new_ids_per_network_hour=c.new_ids_per_network_hour,
            rights_url=rights.public_url,
            rights_ticket_minutes=rights.ticket_minutes,
            rights_per_minute=rights.requests_per_minute,
        )
        return dataclasses.replace(config, **changes)
