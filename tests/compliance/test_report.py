"""The report's content (IO-free) and its HTML: the three parts, from the facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from artaud.compliance.document import render_html
from artaud.compliance.facts import Recipient
from artaud.compliance.report import build
from tests.compliance.helpers import default_facts

DAY = date(2026, 11, 29)


def test_the_records_describe_every_collected_field_and_name_the_partners():
    facts = replace(default_facts(), recipients=(Recipient("demo-agency", "Demo Agency", "active", 0, 30),))
    report = build(facts, DAY)
    exempt, pooled = report.records
    assert "exemptée" in exempt.title and "consentement" in pooled.title
    assert [row.label.split(" — ")[0] for row in pooled.data] == list(facts.event_fields)
    assert any("Demo Agency (demo-agency" in r for r in pooled.recipients)
    assert exempt.recipients and not any("Demo Agency" in r for r in exempt.recipients)
    params = next(row for row in exempt.data if row.label.startswith("url_params"))
    assert all(p in params.value for p in facts.allowed_url_params)
    assert any(
        row.source == "privacy.event_retention_months" and "25 mois" in row.value for row in exempt.retention
    )
    assert report.compliant and report.dpo_contact.startswith("à renseigner")
    visitor = {
        rec.title: row.value for rec in report.records for row in rec.data if row.label.startswith("visitor")
    }
    assert "détruit après 48 h" in visitor[exempt.title] and "HMAC-SHA256" in visitor[pooled.title]


def test_the_dpia_inputs_carry_the_guards_and_keys_as_set():
    report = build(replace(default_facts(), k=250, pooled_key_rotation_days=180), DAY)
    assert any(row.source == "segments.k" and row.value == "250" for row in report.guards)
    assert any(
        row.source == "privacy.pooled_key_rotation_days" and "180 jours" in row.value for row in report.keys
    )
    assert any("cinéma" in row.label for row in report.access)


def test_the_html_shows_a_broken_condition_in_red():
    html = render_html(build(replace(default_facts(), event_retention_months=26), DAY))
    for section in (
        "Auto-contrôle de l'exemption",
        "Registre des activités de traitement",
        "analyse d'impact",
    ):
        assert section in html
    assert '<tr class="fail" id="check-retention">' in html
    assert "1 condition(s) non remplie(s)" in html and "29 novembre 2026" in html
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org", "")


def test_kafka_retention_is_the_setting_artaud_puts_on_the_topics():
    def rows(facts):
        return [
            row
            for rec in build(facts, DAY).records
            for row in rec.retention
            if row.source == "kafka.retention_hours"
        ]

    assert rows(default_facts()) == []
    kafka = rows(replace(default_facts(), transport_mode="kafka", kafka_retention_hours=72))
    assert len(kafka) == 2 and all(row.value.startswith("72 heures au plus") for row in kafka)
