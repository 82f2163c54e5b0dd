"""Accessibility: every page of the console (tests/admin/pages.py), as each staff role and a cinema
user sees it in Debian's Chromium against `artaud run` with data on every page, checked by axe-core
(the npm release pinned in tests/js/package.json); a violation of impact serious or critical fails,
with its rule, its element and its page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import chromium
from artaud_devkit.testing.console_people import CAMPAIGN, populate, sign_in_everyone
from tests.admin.pages import console_app, pages, samples

pytestmark = pytest.mark.slow
AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArtaudProcess]:
    p = ArtaudProcess(tmp_path_factory.mktemp("a11y") / "data").start()
    yield p
    p.stop()


def is_page(context: Any, url: str) -> bool:
    """An HTML page (not a download: a statement, a payout file)."""
    answer = context.request.get(url)
    disposition = answer.headers.get("content-disposition", "")
    return "text/html" in answer.headers.get("content-type", "") and "attachment" not in disposition


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{v['id']} ({v['impact']}) at {node['target']}: {v['help']}"
        for v in found
        if v["impact"] in SEVERE
        for node in v["nodes"]
    ]


def test_every_page_passes_axe_for_every_role(svc: ArtaudProcess) -> None:
    assert AXE.exists(), "run the test command (it installs tests/js with npm ci)"
    populate(svc)
    failures: list[str] = []
    with chromium() as browser:
        # the test injects axe as an inline script: the console's CSP would refuse it
        contexts = sign_in_everyone(svc, browser, bypass_csp=True)
        anonymous = browser.new_context(bypass_csp=True)
        seen = [(anonymous, "anonyme", "/login")]
        for page_ in pages(console_app(), samples(CAMPAIGN)):
            seen += [(contexts[r], r, page_.path) for r in sorted(page_.roles) if r in contexts]
        for context, who, path in seen:
            url = svc.admin_url + path
            if not is_page(context, url):
                continue
            page = context.new_page()
            answer = page.goto(url)
            # the campaign is not distributed here: its statement's route shows the "not found" page
            assert answer is not None and answer.status < 500, (who, path)
            failures += [f"{path} as {who}: {v}" for v in violations(page)]
            page.close()
    assert failures == [], "\n".join(failures)
