"""« Segments » in Debian's Chromium against `artaud run`: an operator builds now, the page follows
the build's progress (static/segments.js polling under the CSP) and shows its outcome in French."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import chromium
from tests.admin.test_console_browser import set_up, setup_link, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArtaudProcess]:
    p = ArtaudProcess(tmp_path_factory.mktemp("segments") / "data").start()
    yield p
    p.stop()


def test_an_operator_builds_now_and_follows_the_progress(svc: ArtaudProcess) -> None:
    with chromium() as browser:
        set_up(browser, setup_link(svc, "--login", "olivier", "--name", "Olivier", "--role", "operator"))
        context = browser.new_context()
        errors: list[str] = []
        page = sign_in(context, svc, "olivier")
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{svc.admin_url}/segments")
        assert "Définitions" in page.inner_text("main") and "k = " in page.inner_text("main")
        page.click("#build-now")
        page.wait_for_url("**/segments#construction")
        page.wait_for_selector("#build-outcome:not([hidden])", timeout=300_000)
        outcome = page.inner_text("#build-outcome")
        assert outcome.startswith("Construction terminée"), outcome
        if page.locator("figure.chart").count():  # the sizes, when a build published any
            page.wait_for_selector("figure.chart.drawn canvas")
        else:
            assert "Aucun segment publié ces 90 derniers jours." in page.inner_text("main")
        assert "Résultat des garde-fous" in page.inner_text("main")
        assert not errors, errors  # no CSP refusal, no script error
        context.close()
