"""The legal limits on settings: the service refuses to start beyond them, and only the compliance
file reads such a configuration, to show its red line."""

from __future__ import annotations

import pytest

from artaud.config.settings import SettingsError, for_child, inherited, load

BEYOND = {"ARTAUD_PRIVACY__EVENT_RETENTION_MONTHS": "26", "ARTAUD_PRIVACY__SALT_RETENTION_HOURS": "72"}


def test_the_service_refuses_a_setting_beyond_a_legal_limit():
    with pytest.raises(SettingsError) as exc:
        load(env=BEYOND)
    assert "privacy.event_retention_months: Value error, at most 25" in str(exc.value)
    assert "privacy.salt_retention_hours: Value error, at most 48" in str(exc.value)


def test_the_compliance_file_reads_it_and_no_child_process_runs_with_it():
    settings = load(env=BEYOND, legal_limits=False)
    assert (settings.privacy.event_retention_months, settings.privacy.salt_retention_hours) == (26, 72)
    with pytest.raises(SettingsError):
        inherited(for_child(settings))


def test_hard_bounds_hold_even_with_the_legal_limits_lifted():
    with pytest.raises(SettingsError, match=r"privacy\.event_retention_months"):
        load(env={"ARTAUD_PRIVACY__EVENT_RETENTION_MONTHS": "121"}, legal_limits=False)


def test_eu_hosts_are_host_names_or_suffixes():
    assert load(env={"ARTAUD_COMPLIANCE__EU_HOSTS": ".scare.example,ch.ovh.example"}).compliance.eu_hosts == (
        ".scare.example",
        "ch.ovh.example",
    )
    with pytest.raises(SettingsError, match=r"compliance\.eu_hosts"):
        load(env={"ARTAUD_COMPLIANCE__EU_HOSTS": "https://x.example/"})
