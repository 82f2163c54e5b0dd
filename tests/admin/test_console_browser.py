"""The console in Debian's Chromium against `artaud run`, as its people use it: the first admin's
setup link (password and second factor), sign-in with and without a code, simulated hits in a
cinema's page, a cinema user held to its cinema; and as an attacker tries it: a cross-site form post,
a request without the CSRF token, a forged Host, password guessing until the lockout."""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from artaud_devkit.simulator.run import SimConfig, simulate
from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import PageServer, chromium
from tests.integration.client import cli

pytestmark = pytest.mark.slow
PASSWORD = "un mot de passe assez long"
JS = Path(__file__).resolve().parents[1] / "js"


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArtaudProcess]:
    p = ArtaudProcess(tmp_path_factory.mktemp("console") / "data").start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def setup_link(svc: ArtaudProcess, *args: str) -> str:
    out = cli(svc.data_dir, "users", "add", *args, "--by", "tests")
    token = re.search(r"/setup/([A-Za-z0-9_-]+)", out)
    assert token, out
    return f"{svc.admin_url}/setup/{token[1]}"


def set_up(browser: Any, link: str) -> str | None:
    """Open the link, choose the password (and enrol the second factor when asked); its TOTP secret."""
    page = browser.new_page()
    page.goto(link)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    secret = None
    if page.locator("code.secret").count():
        secret = page.locator("code.secret").inner_text().strip()
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url("**/login?setup=ok")
    page.close()
    return secret


def next_code(secret: str) -> str:
    """A code of a step after the one the setup page used (a code is accepted once)."""
    import time

    totp = pyotp.TOTP(secret)
    used = int(time.time()) // totp.interval
    while int(time.time()) // totp.interval == used:
        time.sleep(0.5)
    return totp.now()


def sign_in(context: Any, svc: ArtaudProcess, login: str, code: str = "", password: str = PASSWORD) -> Any:
    page = context.new_page()
    page.goto(f"{svc.admin_url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    if code:
        page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_first_admin_then_staff_and_a_cinema_user_in_a_real_browser(svc: ArtaudProcess, browser: Any) -> None:
    secret = set_up(
        browser, setup_link(svc, "--login", "claire", "--name", "Claire Martin", "--role", "admin")
    )
    assert secret, "an admin enrols a second factor on the setup page"
    admin = browser.new_context()
    refused = sign_in(admin, svc, "claire")  # no code: refused, with one message for every refusal
    assert "incorrect" in refused.inner_text("main") and "/login" in refused.url
    page = sign_in(admin, svc, "claire", next_code(secret))
    assert page.url == f"{svc.admin_url}/" and "Cinémas participants" in page.inner_text("main")

    # the dashboard draws its charts (uPlot, served by the console, under its CSP)
    page.goto(f"{svc.admin_url}/dashboard")
    page.wait_for_selector("figure.chart.drawn canvas")
    assert page.locator("figure.chart.drawn").count() == 3 and "100" in page.inner_text(".kpi")

    # hits from the simulator appear in a cinema's page
    out = io.StringIO()
    config = SimConfig(
        svc.url, svc.admin_url, admin_token=svc.admin_token, rate=60, duration=2, concurrency=2
    )
    assert simulate(config, out=out) == 0, out.getvalue()
    page.goto(f"{svc.admin_url}/cinemas/9990001")
    assert page.locator("table tbody tr").count() > 1 and "Aucun évènement" not in page.inner_text("tbody")

    # an operator without a second factor
    assert (
        set_up(browser, setup_link(svc, "--login", "olivier", "--name", "Olivier", "--role", "operator"))
        is None
    )
    ops = browser.new_context()
    page = sign_in(ops, svc, "olivier")
    assert "Cinémas participants" in page.inner_text("main")

    # the operator adds a cinema (a wrong field first), finds it, suspends it; its page draws its chart
    page.click("text=Ajouter un cinéma")
    page.fill("input[name=cnc_id]", "75A")
    page.fill("input[name=name]", "Le Champo")
    page.select_option("select[name=category]", "A")
    page.check("input[name=labels][value=RD]")
    page.click("text=Ajouter le cinéma")
    assert "1 à 7 chiffres" in page.inner_text("#err-cnc_id")
    page.fill("input[name=cnc_id]", "750012")
    page.click("text=Ajouter le cinéma")
    page.wait_for_url("**/cinemas/0750012?fait=ajoute")
    assert "Cinéma ajouté" in page.inner_text("main")
    page.wait_for_selector("figure.chart.drawn canvas")
    page.click("text=Suspendre la collecte")
    page.wait_for_url("**/cinemas/0750012?fait=suspendu")
    assert "Collecte suspendue" in page.inner_text("main")
    page.goto(f"{svc.admin_url}/?q=champo&statut=suspended")
    assert "Le Champo" in page.inner_text("tbody") and "Le Méliès" not in page.inner_text("tbody")

    # a cinema user: its own cinema only
    set_up(
        browser,
        setup_link(svc, "--login", "zola", "--name", "Le Zola", "--role", "cinema", "--cinema", "9990002"),
    )
    cinema = browser.new_context()
    page = sign_in(cinema, svc, "zola")
    assert page.url == f"{svc.admin_url}/cinemas/9990002" and "Le Zola" in page.inner_text("h1")
    answer = page.goto(f"{svc.admin_url}/cinemas/9990001")
    assert answer is not None and answer.status == 404 and "Le Méliès" not in page.content()
    for path in ("/", "/segments", "/audit"):
        shown = page.goto(f"{svc.admin_url}{path}")
        assert shown is not None and (shown.status in (403, 404) or page.url.endswith("/cinemas/9990002"))
    # its own statistics from its menu (charts drawn under the CSP), never another cinema's
    page.click("header nav a:text('Statistiques')")
    page.wait_for_selector("figure.chart.drawn canvas")
    assert page.url == f"{svc.admin_url}/cinemas/9990002/statistiques"
    assert (
        "Tunnel de billetterie" in page.inner_text("main") and page.locator("figure.chart.drawn").count() == 2
    )
    answer = page.goto(f"{svc.admin_url}/cinemas/9990001/statistiques")
    assert answer is not None and answer.status == 404 and "Le Méliès" not in page.content()

    # the audit log names them, for the admin
    page = admin.new_page()
    page.goto(f"{svc.admin_url}/audit")
    log = page.inner_text("table")
    assert "claire" in log and "zola" in log and "GET /cinemas/<cnc>" in log

    # the money pages: the campaign form's problems in French, each next to its field
    page.goto(f"{svc.admin_url}/campagnes")
    assert "Campagnes et rémunération" in page.inner_text("h1")
    for field, value in {
        "id": "Pas Bon!",
        "distributor": "Le Pacte",
        "siren": "123",
        "film_title": "Anatomie",
    }.items():
        page.fill(f"#f-{field}", value)
    page.fill("#f-start", "2026-05-10")
    page.fill("#f-end", "2026-05-01")
    page.fill("#f-payment", "douze euros")
    page.click("form[action='/campagnes'] button[type=submit]")
    page.wait_for_selector("#e-siren")
    assert "SIREN invalide" in page.inner_text("#e-siren") and "précède" in page.inner_text("#e-end")
    for context in (admin, ops, cinema):
        context.close()


def test_cross_site_posts_missing_tokens_forged_hosts_and_guessing_are_refused(
    svc: ArtaudProcess, browser: Any
) -> None:
    set_up(browser, setup_link(svc, "--login", "pierre", "--name", "Pierre", "--role", "operator"))
    context = browser.new_context()
    page = sign_in(context, svc, "pierre")
    assert "Cinémas participants" in page.inner_text("main")

    # a page of another site posts a form to the console in the signed-in browser
    evil = PageServer(JS / "node_modules").start()
    try:
        evil.add(
            "/win.html",
            f'<form id="f" method="post" action="{svc.admin_url}/segments/build"></form>'
            '<script>document.getElementById("f").submit()</script>',
        )
        attack = context.new_page()
        attack.goto(evil.url("evil.example", "/win.html"))
        attack.wait_for_url(f"{svc.admin_url}/segments/build")
        assert "autre site" in attack.content()  # refused: 403 before anything is built
    finally:
        evil.close()

    # the console's own page, without the form's token
    status = page.evaluate("fetch('/segments/build', {method: 'POST'}).then(r => r.status)")
    assert status == 400

    # another Host (DNS rebinding): refused
    request = urllib.request.Request(f"{svc.admin_url}/login", headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 421

    # guessing: locked after five failures, even against the right password
    guesser = browser.new_context()
    for _ in range(5):
        sign_in(guesser, svc, "pierre", password="pas le bon mot de passe")
    locked = sign_in(guesser, svc, "pierre")
    assert "/login" in locked.url and "verrouillé" in locked.inner_text("main")
    context.close()
    guesser.close()
