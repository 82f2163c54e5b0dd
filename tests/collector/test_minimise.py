"""What the edge keeps of a value, whatever field it arrives in (collector/minimise.py)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.collector import minimise
from artaud.collector.films import film_ref
from artaud.collector.hit import parse_event, show_start
from artaud.collector.urls import clean_url

ALLOWED = frozenset({"film", "seance"})


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Perfect Days", "Perfect Days"),
        ("L'Été dernier — VOST", "L'Été dernier — VOST"),
        ("Film someone@example.com", "Film [email]"),
        ("Avant-première 10.0.0.7", "Avant-première [ip]"),
        ("Séance 2001:db8::42", "Séance [ip]"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "[ua]"),
        ("Ciné-club Cj0KCQiA5rGuBhCnARIsAN11vgR", "Ciné-club [token]"),
        ("Film someone%40example.com", "[redacted]"),  # only a decoding shows the address
        ("Film someone%2540example.com", "[redacted]"),  # twice encoded
    ],
)
def test_free_text_keeps_no_person(raw, kept):
    assert minimise.text(raw) == kept


def test_the_requests_own_raw_values_leave_every_field():
    secrets = minimise.Secrets(("10.11.3.4", "Mozilla/5.0 (X11) CanaryUA", "fp-1234567890abcdef"))
    assert minimise.text("Titre FP-1234567890ABCDEF", secrets) == "[redacted]"
    assert minimise.token("fp-1234567890abcdef", secrets) == ""
    assert minimise.token("F77", secrets) == "F77"
    assert minimise.segment("page%2010.11.3.4", secrets) == ":redacted"
    assert minimise.Secrets(("", "ab")).values == ()  # nothing short enough to match everywhere


@pytest.mark.parametrize(
    "url",
    [
        "https://c.example/p/jean.dupont%40mail.fr?film=ok",
        "https://c.example/p/jean.dupont%2540mail.fr?film=ok",
        "https://c.example/p/x?film=jean%40mail.fr",
        "https://c.example/p/x?film=jean%2540mail.fr",
        "https://c.example/p/x?film=10.1.2.3",
    ],
)
def test_encoded_emails_and_addresses_leave_urls(url):
    u = clean_url(url, ALLOWED)
    assert u is not None and "@" not in u.path and "%40" not in u.path and "mail.fr" not in u.params
    assert "10.1.2.3" not in u.params


def test_a_film_reference_is_derived_from_the_minimised_title():
    ev = parse_event({"n": "view_item", "title": "Film someone@example.com", "dir": "Réal 10.0.0.9"})
    assert film_ref(minimise.text(ev.film_title), minimise.text(ev.film_director)) == "film-email~real-ip"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("2026-11-25T20:30", "2026-11-25T20:30"),
        ("2026-11-25 20:30:00", "2026-11-25T20:30:00"),
        ("2026-11-25T20:30:00.123+01:00", "2026-11-25T20:30:00+01:00"),
        ("2026-11-25T20:30Z", "2026-11-25T20:30Z"),
        ("someone@example.com", ""),
        ("2026-11-25", ""),
        ("25/11/2026 20h30", ""),
        ("2026-13-01T20:30", ""),
    ],
)
def test_a_seance_start_is_a_date_time_or_nothing(raw, kept):
    assert show_start(raw) == kept


def test_hosts_that_are_addresses_are_not_kept():
    assert minimise.host("mail.example") == "mail.example"
    assert minimise.host("198.51.100.7") == "" and minimise.host("[2001:db8::1]") == ""


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120), st.emails())
def test_fuzz_an_email_in_any_text_never_survives(prefix, email):
    for form in (email, quote(email, safe=""), quote(quote(email, safe=""), safe="")):
        kept = minimise.text(prefix + " " + form)
        assert email.lower() not in kept.lower() and form not in kept
