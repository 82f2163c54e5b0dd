"""The collector's settings come from the configuration alone: defaults.toml says every default once."""

from __future__ import annotations

import dataclasses

from artaud.collector.config import CollectorConfig
from artaud.config.settings import load
from artaud.consent.decision import Policy


def test_the_collectors_settings_have_no_default_of_their_own():
    fields = dataclasses.fields(CollectorConfig)
    assert fields and all(
        f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for f in fields
    )


def test_settings_reach_the_collector_and_changes_apply_on_top():
    s = load(
        env={"ARTAUD_COLLECTOR__ALLOWED_URL_PARAMS": "film,seance", "ARTAUD_PRIVACY__HONOUR_DNT": "false"}
    )
    cfg = CollectorConfig.of(s, max_body_bytes=4096)
    assert cfg.allowed_url_params == {"film", "seance"}
    assert cfg.policy.honour_dnt is False and cfg.max_body_bytes == 4096
    assert cfg.max_events_per_batch == s.collector.max_events_per_batch


def test_the_consent_cores_own_defaults_are_the_configurations():
    """Unit tests of the IO-free consent decision build `Policy()` without settings: its defaults
    must be what defaults.toml gives, or those tests would prove another product."""
    assert CollectorConfig.of(load(env={})).policy == Policy()
