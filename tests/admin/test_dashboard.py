"""The dashboard: its figures (IO-free), the page over a real warehouse, every drop reason in French."""

from __future__ import annotations

from datetime import date

from artaud.admin import dashboard
from artaud.admin.dashboard import Day
from artaud.collector.hit import DROP_REASONS
from tests.admin.helpers import Kit

EXPOSITION = """# HELP artaud_hits_dropped_total Refused hits
# TYPE artaud_hits_dropped_total counter
artaud_hits_dropped_total{cinema="9990001",reason="origin_mismatch"} 3.0
artaud_hits_dropped_total{cinema="9990002",reason="origin_mismatch"} 2.0
artaud_hits_dropped_total{cinema="unknown",reason="unknown_site"} 7.0
artaud_hits_dropped_total{cinema="9990001",reason="too_slow"} 0.0
"""


def test_every_drop_reason_has_its_french_words() -> None:
    assert set(dashboard.REASONS_FR) == set(DROP_REASONS)


def test_drops_are_summed_over_cinemas_in_french_most_first() -> None:
    assert dashboard.drops(EXPOSITION) == [("clé de site inconnue", 7), ("domaine non déclaré", 5)]
    assert dashboard.drops("") == []


def test_series_are_days_at_midnight_in_paris_with_the_consent_rate() -> None:
    s = dashboard.series([Day(date(2026, 3, 29), 10, 4, 3), Day(date(2026, 3, 30), 0, 0, 0)])
    assert s.x[1] - s.x[0] == 23 * 3600  # the night of the change to summer time
    assert s.consent_rate == [40.0, None] and s.hits == [10, 0]


def test_the_page_shows_the_target_the_charts_and_no_english_code(kit: Kit) -> None:
    page = kit.browser("ops").get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 / 100" in html and 'class="chart"' in html and "uPlot.iife.min.js" in html
    assert "Taux de consentement" in html and "origin_mismatch" not in html
