"""The partner ID sync's core: which registered URLs are accepted, and what each partner is handed."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.collector.idsync import PLACEHOLDER, SyncPartner, SyncUrlError, check_sync_url, origin, targets
from artaud.collector.partner_pseudonyms import partner_pseudonym

KEYS = {"demo-agency": b"d" * 32, "other-agency": b"o" * 32}
ENTRIES = [
    (SyncPartner("other-agency", "https://match.other.fr/s?uid={xid}&src=scare"), KEYS["other-agency"]),
    (SyncPartner("demo-agency", "https://sync.demo-agency.fr/u/{xid}"), KEYS["demo-agency"]),
]
POOLED = "p1." + "ab" * 16


@pytest.mark.parametrize(
    "url",
    [
        "https://sync.demo-agency.fr/match?xid={xid}",
        "https://sync.demo-agency.fr:8443/u/{xid}/pixel.gif",
        "  https://sync.demo-agency.fr/m?a=1&xid={xid}  ",
        "http://localhost:8080/s?xid={xid}",
        "http://127.0.0.1/s?xid={xid}",
        "http://sync.demo-agency.example:9000/s?xid={xid}",
        "http://partner.test/s?xid={xid}",
    ],
)
def test_accepted_sync_urls(url):
    assert check_sync_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://sync.demo-agency.fr/match", "must contain {xid} exactly once"),
        ("https://sync.demo-agency.fr/{xid}?again={xid}", "must contain {xid} exactly once"),
        ("http://sync.demo-agency.fr/s?xid={xid}", "must use https"),
        ("ftp://sync.demo-agency.fr/{xid}", "must use https"),
        ("javascript:alert(1)//{xid}", "absolute https:// URL with a host"),
        ("/relative?xid={xid}", "absolute https:// URL with a host"),
        ("https://user:pw@sync.demo-agency.fr/s?xid={xid}", "no user name or password"),
        ("https://sync.demo-agency.fr/s?xid={xid}#top", "no #fragment"),
        ("https://{xid}.demo-agency.fr/s", "not the host"),
        ('https://sync.demo-agency.fr/s?xid={xid}"><script>', "no spaces, quotes"),
        ("https://sync.demo-agency.fr/s?a=b c&xid={xid}", "no spaces, quotes"),
        ("https://sync.demo-agency.fr/" + "a" * 600 + "?xid={xid}", "at most 512 characters"),
    ],
)
def test_refused_sync_urls_name_the_problem(url, problem):
    with pytest.raises(SyncUrlError, match="sync URL: .*" + problem.replace("{", r"\{").replace("}", r"\}")):
        check_sync_url(url)


def test_every_problem_is_named_at_once():
    with pytest.raises(SyncUrlError) as err:
        check_sync_url("http://user@sync.demo-agency.fr/s#x")
    text = str(err.value)
    assert "{xid}" in text and "https" in text and "password" in text and "fragment" in text


@settings(max_examples=500, deadline=None)
@given(
    st.text(max_size=80)
    | st.builds(lambda a, b: f"https://{a}/{b}{PLACEHOLDER}", st.text(max_size=20), st.text(max_size=20))
)
def test_fuzz_sync_urls_are_accepted_only_when_safe(url):
    try:
        checked = check_sync_url(url)
    except SyncUrlError:
        return
    parts = urlsplit(checked.replace(PLACEHOLDER, "x"))
    assert checked.count(PLACEHOLDER) == 1 and len(checked) <= 512
    assert parts.hostname and parts.scheme in ("https", "http") and not parts.fragment
    assert not any(c in checked for c in "<>\"' \\")
    if parts.scheme == "http":
        assert parts.hostname in ("localhost", "127.0.0.1", "::1") or parts.hostname.endswith(
            (".test", ".example", ".invalid", ".localhost")
        )


def test_each_consented_partner_gets_its_own_pseudonym_the_one_its_exports_carry():
    got = targets(frozenset({"demo-agency", "other-agency"}), POOLED, ENTRIES)
    assert [slug for slug, _ in got] == ["demo-agency", "other-agency"]
    demo = got[0][1].rsplit("/", 1)[1]
    other = urlsplit(got[1][1]).query.split("&")[0].split("=")[1]
    assert demo == partner_pseudonym(KEYS["demo-agency"], POOLED)
    assert demo == "x" + hmac.new(KEYS["demo-agency"], POOLED.encode(), hashlib.sha256).hexdigest()[:40]
    assert other == partner_pseudonym(KEYS["other-agency"], POOLED) and other != demo
    assert got[1][1].endswith("&src=scare") and POOLED not in got[0][1] + got[1][1]


def test_only_the_partners_the_consent_covers():
    assert [s for s, _ in targets(frozenset({"demo-agency"}), POOLED, ENTRIES)] == ["demo-agency"]
    assert targets(frozenset({"unregistered-agency"}), POOLED, ENTRIES) == []
    assert targets(frozenset(), POOLED, ENTRIES) == []


def test_origin_of_a_template_or_a_url():
    assert origin("https://sync.demo-agency.fr:8443/u/{xid}") == "https://sync.demo-agency.fr:8443"
    assert origin("http://localhost/s?xid=x123") == "http://localhost"
