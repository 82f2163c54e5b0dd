"""A running console with something on every page, and its people signed in, in Chromium: for the
accessibility test (tests/admin/test_accessibility.py) and the screenshots of docs/console.md
(scripts/console_screenshots.py).

`populate` gives `artaud run` (on the demo cinemas) hits from the simulator, a segment build, an
agency and an approved campaign (through the CLI, as the SCARE would); `sign_in_everyone` makes an
account of each role (through its setup link, with its second factor where the role needs one) and
returns a signed-in browser context for each."""

from __future__ import annotations

import io
import json
import re
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pyotp

from artaud_devkit.simulator.run import SimConfig, simulate
from artaud_devkit.testing.app_process import ArtaudProcess

PASSWORD = secrets.token_urlsafe(18)  # the people of one run
CAMPAIGN = "2026-04-ete"
CINEMA = "9990001"  # a demo cinema (runtime/demo.py)
# login → (role, cinema)
PEOPLE = {
    "claire": ("admin", None),
    "olivier": ("operator", None),
    "fanny": ("finance", None),
    "aude": ("auditor", None),
    "melies": ("cinema", CINEMA),
}


def artaud(svc: ArtaudProcess, *args: str) -> str:
    """An `artaud` command on the service's data directory (its settings, its control plane)."""
    out = subprocess.run(
        [svc.python, "-m", "artaud.cli", *args],
        env=svc.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def populate(svc: ArtaudProcess, say: Callable[[str], None] = lambda _: None) -> None:
    say("hits from the simulator")
    out = io.StringIO()
    config = SimConfig(
        svc.url, svc.admin_url, admin_token=svc.admin_token, rate=60, duration=3, concurrency=2
    )
    if simulate(config, out=out) != 0:
        raise RuntimeError(out.getvalue())
    say("a segment build")
    request = urllib.request.Request(  # noqa: S310 - loopback only
        svc.admin_url + "/api/v1/segments/build",
        data=json.dumps({"only": []}).encode(),
        headers={"Authorization": f"Bearer {svc.admin_token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120):  # noqa: S310 - loopback only
        pass
    say("an agency and an approved campaign")
    artaud(svc, "partners", "add", "--slug", "agence-x", "--name", "Agence X")
    artaud(
        svc,
        "campaigns",
        "add",
        *("--id", CAMPAIGN, "--distributor", "Pyramide Distribution", "--siren", "732829320"),
        *("--film", "L'Été dernier", "--director", "Catherine Breillat", "--partner", "agence-x"),
        *("--start", "2026-04-01", "--end", "2026-04-30", "--payment-cents", "1000000"),
        *("--vat-rate", "0.2", "--fee-rate", "0.1"),
    )
    artaud(svc, "campaigns", "approve", CAMPAIGN, "--by", "Claire Martin")


def set_up(browser: Any, link: str) -> str | None:
    """Open a setup link, choose the password, enrol the second factor when asked (with the previous
    step's code, so that a sign-in right after may use the current one); its TOTP secret."""
    page = browser.new_page()
    page.goto(link)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    secret = None
    if page.locator("code.secret").count():
        secret = page.locator("code.secret").inner_text().strip()
        totp = pyotp.TOTP(secret)
        page.fill("input[name=code]", totp.at(time.time() - totp.interval))
    page.click("button[type=submit]")
    page.wait_for_url("**/login?setup=ok")
    page.close()
    return secret


def sign_in(context: Any, svc: ArtaudProcess, login: str, secret: str | None) -> Any:
    page = context.new_page()
    page.goto(f"{svc.admin_url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    if secret:
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/login" in page.url:
        raise RuntimeError(f"{login} could not sign in: {page.inner_text('main')[:200]}")
    return page


def sign_in_everyone(svc: ArtaudProcess, browser: Any, **options: Any) -> dict[str, Any]:
    """A signed-in browser context per role (admin, operator, finance, auditor, cinema), made with
    Playwright's `options` (e.g. bypass_csp to inject a test library)."""
    contexts = {}
    for login, (role, cinema) in PEOPLE.items():
        args = ["users", "add", "--login", login, "--name", login.title(), "--role", role]
        out = artaud(svc, *args, *(["--cinema", cinema] if cinema else []), "--by", "devkit")
        token = re.search(r"/setup/([A-Za-z0-9_-]+)", out)
        if token is None:
            raise RuntimeError(out)
        secret = set_up(browser, f"{svc.admin_url}/setup/{token[1]}")
        context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
        sign_in(context, svc, login, secret).close()
        contexts[role] = context
    return contexts
