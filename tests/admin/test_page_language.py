"""No English code or internal word reaches a page: every page of the console (tests/admin/pages.py
finds them in the application), rendered with data present for every role allowed to see it, has
its visible text scanned for the product's own codes (the collector's drop reasons, the segment
guards' refusals, every ArtaudError code, the consent sources and purposes), for snake_case tokens
and for English words a page shows when a value was printed as is."""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from artaud.admin.cinema_health import EVENTS_FR
from artaud.admin.roles import EVERYONE
from artaud.collector.hit import DROP_REASONS, EVENT_NAMES
from artaud.config.keyring import KeyRing
from artaud.errors import ArtaudError
from artaud.partners.store import PartnerStore
from artaud.remuneration.policies import Mutualist, ProRata, ProRataBounded, Solidarity
from artaud.remuneration.preview import policy_from_options
from artaud.remuneration.runs import Runs
from tests.admin.helpers import Kit
from tests.admin.pages import CAMPAIGN, pages
from tests.admin.test_money_pages import add_campaign, freeze
from tests.runtime.test_errors import product_exceptions

ROOT = Path(__file__).resolve().parents[2]
POLICIES = (Mutualist, ProRata, ProRataBounded, Solidarity)
# read by people as they are written: attribute values (a button's `value` is its label)
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
# code, not words: a listing to copy (the installation code, a consent declaration) and inline
# <code> (a line the webmaster types, a segment's key, a login, a route in the audit log); a code
# printed where words are expected is still caught, outside <code>
SKIPPED = {"script", "style", "pre", "code", "template"}
SETTINGS = tomllib.loads((ROOT / "config" / "defaults.toml").read_text())
# identifiers people use as they are, each matched whole and removed before the scan
ALLOWED = re.compile(
    r"\bsk_[A-Za-z0-9_-]+"  # a site key (the tag's data-site)
    r"|\b[0-9]{7}\b"  # a CNC number
    r"|\b"
    + re.escape(CAMPAIGN)
    + r"\b"  # a campaign's id, chosen by the SCARE
    # a setting's name, as the administrator writes it in the configuration file
    + "".join(rf"|\b{re.escape(f'{s}.{k}')}\b" for s, table in SETTINGS.items() for k in table)
    # a policy's id in a cinema's statement: the verifiable document quotes what its proof hashes
    + "".join(rf"|\({re.escape(p.id)}, version" for p in POLICIES)
)
ENGLISH_WORDS = re.compile(
    r"\b(error|errors|failed|failure|not found|unknown|undefined|null|true|false|pending|"
    r"suspended|approved|frozen|invalid|expired)\b|\b(None|NaN|True|False)\b",
    re.IGNORECASE,
)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ROLE_LOGINS = {"admin": "admin", "operator": "ops", "finance": "finance", "auditor": "auditor"}


def product_codes() -> set[str]:
    """Every English code the product defines and could print by mistake."""
    codes = set(DROP_REASONS)
    guards = (ROOT / "segments" / "guards.py").read_text()
    codes |= set(re.findall(r'Refusal\(\s*"([a-z_]+)"', guards))
    for cls in product_exceptions().values():
        if issubclass(cls, ArtaudError):
            codes.add(cls.code)
    codes |= {"tcf", "tac", "klaro", "tag", "none", "invalid", "expired"}  # consent sources
    codes |= {"measure", "pool", "deny"}  # consent purposes as the tag sends them
    return codes


class Visible(HTMLParser):
    """What a person reads: text outside scripts and listings, and the attributes read aloud or shown
    (a button's value, a title, a placeholder)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping.append(tag)
        seen = dict(attrs)
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                name == "value" and (tag == "button" or seen.get("type") in ("submit", "button"))
            )
            if read and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return ALLOWED.sub(" ", " ".join(parser.parts))


def problems(text: str, codes: set[str]) -> list[str]:
    found = [f"code {w!r}" for w in sorted(set(re.findall(r"[A-Za-z_]+", text)) & codes)]
    found += [f"snake_case {w!r}" for w in sorted(set(SNAKE.findall(text)))]
    found += [f"English {m[0]!r}" for m in {m for m in ENGLISH_WORDS.finditer(text) for m in [m]}]
    return sorted(set(found))


@pytest.fixture
def full(kit: Kit, tmp_path: Path) -> Kit:
    """Every role, and data on every page: pooled events (the kit's), a campaign recorded, frozen,
    distributed and paid (as tests/admin/test_money_pages.py books one)."""
    for role, login in ROLE_LOGINS.items():
        if login != "ops":
            kit.account(login, role)
    kit.account("cinema", "cinema", "9990001")
    PartnerStore(kit.cp.engine).add("agence-x", "Agence X")
    KeyRing(tmp_path / "secrets").current("pooled-visitor")  # a key the system page can rotate
    campaign = add_campaign(kit)
    freeze(kit, campaign)
    runs = Runs(kit.cp.engine)
    runs.distribute(campaign, policy_from_options("pro_rata"), "Claire")
    runs.receive(campaign, 1200000, "VIR-1", "Claire")
    ops = kit.browser("ops")
    assert ops.post("/segments/build", data=kit.form(ops, "/segments")).status_code == 303
    for page in pages(kit.app):  # once, so that the audit log names every page when it is read
        ops.get(page.path)
    return kit


def test_every_event_of_the_tag_has_its_french_words() -> None:
    assert set(EVENTS_FR) == EVENT_NAMES


def test_the_scan_finds_what_it_looks_for() -> None:
    codes = product_codes()
    assert {"unknown_site", "below_k", "not_found", "invalid_fields"} <= codes
    html = (
        '<main><p>Refusé : below_k</p><button value="submit" title="Not found">x</button>'
        "<script>var none_of_this = null;</script><pre>sk_live_x</pre>"
        "<p><code>page_view</code> sk_Abc_1 9990001 payouts.debtor_iban</p></main>"
    )
    text = visible_text(html)
    assert "none_of_this" not in text and "sk_Abc_1" not in text and "page_view" not in text
    assert problems(text, codes) == ["English 'Not found'", "code 'below_k'", "snake_case 'below_k'"]


# pages being rewritten by others: strict, so each flips to a failure once its page is fixed


def scan(kit: Kit, rules: set[str] | None = None) -> dict[str, list[str]]:
    """Each page (or those of `rules`) as every role allowed to see it: what it shows that it should not."""
    codes = product_codes()
    clients = {}
    failures: dict[str, list[str]] = {}
    for page in pages(kit.app):
        if rules is not None and page.rule not in rules:
            continue
        for role in sorted(page.roles & EVERYONE):
            login = ROLE_LOGINS.get(role, role)
            if login not in clients:
                clients[login] = kit.browser(login)
            answer = clients[login].get(page.path)
            if answer.status_code in (302, 303) and role == "cinema":
                continue  # the cinema user's home is its cinema's page, walked as its own
            assert answer.status_code == 200, (role, page.path, answer.status_code)
            if answer.mimetype != "text/html":
                continue  # a download (a statement's JSON, the root), not a page
            found = problems(visible_text(answer.get_data(as_text=True)), codes)
            if found:
                failures.setdefault(page.rule, []).append(f"as {role}: {', '.join(found)}")
    return failures


def test_no_english_code_or_word_reaches_a_page(full: Kit) -> None:
    failures = scan(full)
    assert failures == {}, "\n".join(f"{rule}: {lines}" for rule, lines in failures.items())
