"""Docs stay true: every setting is documented, and the README's commands exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from artaud.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_and_every_documented_setting_exists():
    defaults = tomllib.loads((ROOT / "config" / "defaults.toml").read_text())
    keys = {f"{section}.{key}" for section, table in defaults.items() for key in table}
    doc = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", doc, flags=re.M))
    assert keys - documented == set(), "undocumented settings"
    assert documented - keys == set(), "documented settings that do not exist"


def test_readme_commands_exist():
    readme = (ROOT / "README.md").read_text()
    for script in re.findall(r"bash (scripts/[\w.-]+\.sh)", readme):
        assert (ROOT / script).exists(), script
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci and "bash scripts/test.sh" in readme
    sub = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command in re.findall(r"`artaud ([\w-]+)", readme):
        assert command in sub, command


def test_every_refusal_reason_is_documented():
    from artaud.collector.hit import DROP_REASONS

    doc = (ROOT / "docs" / "collector.md").read_text()
    for reason in DROP_REASONS:
        assert f"| `{reason}` |" in doc, reason


def test_webmaster_docs_in_french_and_english_carry_the_same_tested_code():
    from tests.doc_blocks import blocks

    fr, en = blocks("webmasters.fr.md"), blocks("webmasters.md")
    assert set(fr) == {
        "snippet",
        "gtm",
        "tarteaucitron",
        "klaro",
        "page-tarteaucitron",
        "page-klaro",
        "rights",
    }
    assert fr == en


def test_the_documented_snippets_are_the_ones_the_console_prints():
    from artaud.collector.snippet import gtm_snippet, rights_snippet, snippet
    from tests.doc_blocks import block

    assert block("snippet") == snippet("https://collecte.scare.example", "sk_VotreCleDeSite")
    assert block("gtm") == gtm_snippet("https://collecte.scare.example", "sk_VotreCleDeSite")
    assert block("rights") == rights_snippet("https://collecte.scare.example", "sk_VotreCleDeSite")


def test_the_example_pages_carry_the_documented_declarations_and_snippet():
    """The complete pages are what the browser tests load: they must hold the very declaration and
    snippet blocks the docs explain, in the documented order."""
    from tests.doc_blocks import block

    tac, klaro = block("page-tarteaucitron"), block("page-klaro")
    snippet = block("snippet")
    # tarteaucitron.js, its init, the service declaration, then the tag
    assert (
        tac.index("tarteaucitron.js") < tac.index("tarteaucitron.init(") < tac.index(block("tarteaucitron"))
    )
    assert tac.index(block("tarteaucitron")) < tac.index(snippet)
    # Klaro's configuration (with the services), its script, then the tag
    assert klaro.index(block("klaro")) < klaro.index("klaro.js") < klaro.index(snippet)


def test_the_code_the_segments_doc_names_exists():
    """docs/segments.md explains the build by naming its functions and constants: each must exist."""
    from artaud.segments import rules, visitor_table

    doc = (ROOT / "docs" / "segments.md").read_text()
    named = set(re.findall(r"`(?:rules\.)?([a-z_]+_sqls?|[A-Z_]{4,})`", doc))
    assert {"table_sql", "shared_pass_sqls", "split_pass_sqls", "members_sql", "VISITOR_KEY"} <= named
    for name in named:
        assert hasattr(visitor_table, name) or hasattr(rules, name), name


def test_every_test_the_docs_cite_exists():
    """The privacy model and the threat model point each rule at a test: a renamed or deleted test
    breaks the doc, not silently."""
    cited = 0
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for path, name in re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", doc.read_text()):
            source = ROOT / path
            assert source.exists(), f"{doc.name}: {path}"
            assert re.search(rf"^def {name}\(", source.read_text(), flags=re.M), f"{doc.name}: {path}::{name}"
            cited += 1
    assert cited >= 40
    model = (ROOT / "docs" / "privacy-model.md").read_text()
    for row in re.findall(r"^\| (?!Rule|---)(.+) \| (.*) \|$", model, flags=re.M):
        assert "tests/" in row[1], f"privacy-model.md: a rule without its test: {row[0]}"


def test_the_documented_banner_declarations_are_the_ones_the_console_prints():
    from artaud.collector.snippet import klaro_services, tarteaucitron_service
    from tests.doc_blocks import block

    assert block("tarteaucitron") == tarteaucitron_service()
    assert block("klaro") == klaro_services((("demo-agency", "Demo Agency"),))


def test_the_console_screenshots_are_there_and_each_is_shown():
    """docs/console.md shows each screenshot scripts/console_screenshots.py took, and only those."""
    doc = (ROOT / "docs" / "console.md").read_text()
    shown = set(re.findall(r"!\[[^\]]*\]\((console/[\w.-]+\.png)\)", doc))
    taken = {f"console/{p.name}" for p in (ROOT / "docs" / "console").glob("*.png")}
    assert shown and shown - taken == set(), "images the doc shows that do not exist"
    assert taken - shown == set(), "screenshots the doc does not show"
