from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.collector.urls import clean_path, clean_url, host_of, redact_text

ALLOWED = frozenset({"film", "seance"})


def test_only_allow_listed_parameters_survive():
    u = clean_url(
        "https://Cinema.Example/films/x?utm_source=nl&film=la-chimere&gclid=abc&seance=12#top", ALLOWED
    )
    assert u is not None
    assert (u.host, u.path, u.params) == ("cinema.example", "/films/x", "film=la-chimere&seance=12")


def test_emails_and_tokens_in_paths_and_params_are_removed():
    u = clean_url(
        "https://c.example/desinscription/jean.dupont%40mail.fr/"
        "0123456789abcdef0123456789abcdef?film=a%40b.fr",
        ALLOWED,
    )
    assert u is not None and u.path == "/desinscription/:email/:token" and u.params == ""


def test_non_http_urls_are_refused():
    assert clean_url("javascript:alert(1)", ALLOWED) is None
    assert clean_url("/relative", ALLOWED) is None
    assert clean_url("http://[::1", ALLOWED) is None


def test_helpers():
    assert host_of("https://www.Example.org:8443/x") == "www.example.org"
    assert host_of("::::") == ""
    assert clean_path("") == "/"
    assert redact_text("Avant-première, contact: marie@example.fr") == "Avant-première, contact: [email]"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_clean_url_never_raises_and_never_keeps_a_query(text):
    u = clean_url(text, ALLOWED)
    if u is not None:
        assert "?" not in u.path and "#" not in u.path and "@" not in u.path
        for pair in filter(None, u.params.split("&")):
            assert pair.split("=", 1)[0] in ALLOWED
