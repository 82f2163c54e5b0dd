"""The console as an attacker and an auditor try it: forged Host (DNS rebinding), cross-site posts,
missing CSRF tokens, password guessing, a replayed TOTP code, stale sessions, a disabled account,
open redirects; and what every answer carries (security headers, no CORS), what the audit log keeps
(who, what, on what, never an address)."""

from __future__ import annotations

import contextlib

import pytest

from artaud.admin.guard import CSP
from tests.admin.helpers import PASSWORD, Kit, csrf_of


def test_a_forged_host_is_refused_everywhere(kit: Kit) -> None:
    client = kit.app.test_client()
    for path in ("/login", "/healthz", "/api/v1/sites", "/"):
        answer = client.get(path, headers={"Host": "attacker.example"})
        assert answer.status_code == 421, path
    assert client.get("/login", headers={"Host": "localhost"}).status_code == 200


def test_state_changes_need_the_forms_token_and_the_consoles_origin(kit: Kit) -> None:
    ops = kit.browser("ops")
    token = kit.form(ops, "/segments")
    assert ops.post("/segments/build").status_code == 400  # no token
    assert ops.post("/segments/build", data={"csrf_token": "forged"}).status_code == 400
    for origin in ("https://attacker.example", "null"):
        refused = ops.post("/segments/build", data=token, headers={"Origin": origin})
        assert refused.status_code == 403, origin
    refused = ops.post("/segments/build", data=token, headers={"Referer": "https://attacker.example/x"})
    assert refused.status_code == 403
    done = ops.post("/segments/build", data=token, headers={"Origin": "http://localhost"})
    assert done.status_code == 303
    # the API takes no cookie: a signed-in browser's ambient session does not reach it
    assert ops.post("/api/v1/segments/build", json={"only": []}).status_code == 401


def test_every_answer_carries_the_security_headers_and_no_cors(kit: Kit) -> None:
    ops = kit.browser("ops")
    for answer in (
        ops.get("/"),
        ops.get("/nowhere"),
        kit.app.test_client().get("/login"),
        kit.app.test_client().get("/api/v1/sites", headers={"Origin": "https://attacker.example"}),
        ops.get("/api/v1/stats", headers=kit.token("ops")),
    ):
        assert answer.headers["Content-Security-Policy"] == CSP
        assert "frame-ancestors 'none'" in CSP and "'unsafe-inline'" not in CSP
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in answer.headers
    assert kit.app.test_client().options("/api/v1/sites").status_code == 405
    assert ops.get("/").headers["Cache-Control"] == "no-store"
    page = ops.get("/").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_repeated_failures_lock_the_account_even_against_the_right_password(kit: Kit) -> None:
    client = kit.app.test_client()
    for _ in range(5):
        assert kit.login(client, "ops", "wrong password!").status_code == 401
    assert kit.login(client, "ops").status_code == 401  # locked: the right password too
    kit.clock.advance(minutes=15)
    assert kit.login(client, "ops").status_code == 303
    # a success resets the count: four more failures do not lock
    for _ in range(4):
        assert kit.login(client, "ops", "wrong password!").status_code == 401
    assert kit.login(client, "ops").status_code == 303


def test_knowing_a_login_does_not_lock_its_owner_out(kit: Kit) -> None:
    """Failures from one client lock that client out of that account, not the owner elsewhere."""
    guesser, owner = kit.app.test_client(), kit.app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):
        assert kit.login(guesser, "ops", "wrong password!").status_code == 401
    assert kit.login(guesser, "ops").status_code == 401  # this client: locked out of "ops"
    assert kit.login(owner, "ops").status_code == 303  # the owner, elsewhere: in
    entries = [e for e in kit.console.audit.entries(20) if e.action == "POST /login"]
    assert any("locked for this client" in e.object for e in entries)


def test_guessing_spread_over_many_clients_locks_the_account_itself(kit: Kit) -> None:
    failures = kit.accounts.lockout.failures
    for i in range(failures):
        client = kit.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.{i // 250}.{i % 250}"
        assert kit.login(client, "ops", "wrong password!").status_code == 401
    owner = kit.app.test_client()
    assert kit.login(owner, "ops").status_code == 401  # locked for everyone, the right password too
    kit.accounts.unlock("ops")  # `artaud users unlock`
    assert kit.login(owner, "ops").status_code == 303


def test_the_public_urls_scheme_is_pinned_for_state_changes(kit: Kit) -> None:
    """Behind TLS (`admin.public_url` https://…), a form posted from http:// on the same name is
    not the console's (a network attacker's page on plain http); loopback stays as it is."""
    kit.console.allowed_hosts = kit.console.allowed_hosts | {"console.example"}
    kit.console.public_scheme = "https"
    ops = kit.browser("ops")
    token = kit.form(ops, "/account")
    plain = ops.post("/account/totp", data=token, headers={"Origin": "http://console.example"})
    assert plain.status_code == 403
    tls = ops.post("/account/totp", data=token, headers={"Origin": "https://console.example"})
    assert tls.status_code == 200
    assert ops.post("/account/totp", data=token, headers={"Origin": "http://localhost"}).status_code == 200


def test_a_refused_token_is_written_down_by_its_prefix_never_its_secret(kit: Kit) -> None:
    headers = kit.token("ops")
    token = headers["Authorization"][7:]
    prefix = token.split("_")[1]
    ops = kit.accounts.by_login("ops")
    assert ops is not None
    assert [t.prefix for t in kit.console.tokens.of(ops.id)] == [prefix]
    assert kit.console.tokens.revoke(prefix, kit.clock()) == ops.id
    assert kit.console.tokens.revoke(prefix, kit.clock()) is None  # already ended
    client = kit.app.test_client()
    assert client.get("/api/v1/stats", headers=headers).status_code == 401
    refused = kit.console.audit.entries(5)[0]
    assert refused.outcome == 401 and refused.actor == "" and refused.action == "GET /api/v1/stats"
    assert prefix in refused.object and token.split("_", 2)[2] not in refused.object
    assert kit.console.tokens.of(ops.id)[0].revoked_at is not None
    # junk that is not a console token is answered 401 and not written down (no log flooding)
    before = len(kit.console.audit.entries(100))
    assert client.get("/api/v1/stats", headers={"Authorization": "Bearer junk"}).status_code == 401
    assert len(kit.console.audit.entries(100)) == before
    # nor are token-shaped guesses beyond ten a minute from one client
    for _ in range(30):
        assert client.get("/api/v1/stats", headers=headers).status_code == 401
    assert len(kit.console.audit.entries(100)) == before + 9  # ten a minute, one written above


def test_guessing_from_one_client_is_throttled(kit: Kit) -> None:
    client = kit.app.test_client()
    answers = [kit.login(client, f"guess{i}", "wrong password!").status_code for i in range(11)]
    assert answers[:10] == [401] * 10 and answers[10] == 429


def test_admin_needs_its_second_factor_and_a_code_is_accepted_once(kit: Kit) -> None:
    kit.account("chief", "admin")
    kit.clock.advance(seconds=31)
    client = kit.app.test_client()
    assert kit.login(client, "chief", code="").status_code == 401
    assert kit.login(client, "chief", code="123456").status_code == 401
    code = kit.code("chief")
    assert kit.login(client, "chief", code=code).status_code == 303
    assert kit.login(kit.app.test_client(), "chief", code=code).status_code == 401  # replayed


def test_sessions_end_when_idle_and_in_any_case(kit: Kit) -> None:
    ops = kit.browser("ops")
    kit.clock.advance(minutes=29)
    assert ops.get("/").status_code == 200
    kit.clock.advance(minutes=31)
    assert ops.get("/").status_code == 303  # idle for more than 30 minutes
    ops = kit.browser("ops")
    for _ in range(12 * 3):
        kit.clock.advance(minutes=20)
        if ops.get("/").status_code != 200:
            break
    assert ops.get("/").status_code == 303  # 12 hours at most, however busy


def test_sign_out_everywhere_and_disabling_end_every_session(kit: Kit) -> None:
    first, second = kit.browser("ops"), kit.browser("ops")
    assert second.post("/account/logout-everywhere", data=kit.form(second, "/account")).status_code == 303
    assert first.get("/").status_code == 303 and second.get("/").status_code == 303
    third = kit.browser("ops")
    token = kit.token("ops")
    kit.accounts.set_disabled("ops", True)
    assert third.get("/").status_code == 303
    assert kit.app.test_client().get("/api/v1/stats", headers=token).status_code == 401


def test_a_setup_link_serves_once_and_expires(kit: Kit) -> None:
    _, link = kit.accounts.add("new", "New Person", "operator", None, "tests", kit.clock())
    client = kit.app.test_client()
    page = client.get(f"/setup/{link}")
    assert page.status_code == 200 and "Bienvenue" in page.get_data(as_text=True)
    token = csrf_of(page.get_data(as_text=True))
    weak = client.post(f"/setup/{link}", data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert weak.status_code == 400 and "12 caractères" in weak.get_data(as_text=True)
    done = client.post(
        f"/setup/{link}", data={"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert done.status_code == 303
    assert client.get(f"/setup/{link}").status_code == 404  # once
    _, late = kit.accounts.add("late", "Late Person", "operator", None, "tests", kit.clock())
    kit.clock.advance(hours=24)
    assert client.get(f"/setup/{late}").status_code == 404


def test_after_sign_in_only_a_path_of_the_console(kit: Kit) -> None:
    client = kit.app.test_client()
    page = client.get("/login?next=//attacker.example/x").get_data(as_text=True)
    form = {"csrf_token": csrf_of(page), "login": "ops", "password": PASSWORD, "code": ""}
    for target, expected in (
        ("//attacker.example/x", "/"),
        ("https://attacker.example", "/"),
        ("/segments", "/segments"),
    ):
        kit.clock.advance(seconds=1)
        answer = kit.app.test_client()
        page = answer.get("/login").get_data(as_text=True)
        got = answer.post("/login", data={**form, "csrf_token": csrf_of(page), "next": target})
        assert got.status_code == 303 and got.headers["Location"] == expected, target
    anonymous = kit.app.test_client().get("/segments?x=1")
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/login?next=/segments?x=1"


def test_the_audit_log_names_who_did_what_never_an_address(kit: Kit) -> None:
    ops = kit.browser("ops")
    ops.get("/cinemas/9990001")
    kit.login(kit.app.test_client(), "ops", "wrong password!")
    kit.account("audit", "auditor")
    page = kit.browser("audit").get("/audit").get_data(as_text=True)
    entries = kit.console.audit.entries()
    seen = {(e.actor, e.action, e.object, e.outcome) for e in entries}
    assert ("ops", "GET /cinemas/<cnc>", '{"cnc": "9990001"}', 200) in seen
    assert ("ops", "POST /login", "refused: bad credentials", 401) in seen
    assert "GET /cinemas/&lt;cnc&gt;" in page or "GET /cinemas/<cnc>" in page
    assert not any("127.0.0.1" in f"{e.actor}{e.action}{e.object}" for e in entries)


@pytest.mark.parametrize("secure", [True, False])
def test_the_session_cookie_is_httponly_strict_and_secure_by_default(kit: Kit, secure: bool) -> None:
    kit.console.secure_cookies = secure
    client = kit.app.test_client()
    answer = kit.login(client, "ops") if not secure else None
    if secure:  # a Secure cookie: the browser sends it over https (or to localhost)
        client = kit.app.test_client()
        page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        form = {"csrf_token": csrf_of(page), "login": "ops", "password": PASSWORD, "code": "", "next": "/"}
        answer = client.post(
            "/login", data=form, base_url="https://localhost", headers={"Referer": "https://localhost/login"}
        )
    assert answer is not None and answer.status_code == 303, answer.get_data(as_text=True)[:300]
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert cookie.startswith("__Host-artaud-session=") == secure and ("Secure" in cookie) == secure


def test_a_setup_token_opened_while_signed_in_is_not_written_to_the_audit_log(kit: Kit) -> None:
    _, link = kit.accounts.add("third", "Third Person", "operator", None, "tests", kit.clock())
    ops = kit.browser("ops")
    assert ops.get(f"/setup/{link}").status_code == 200
    assert not any(link in f"{e.action}{e.object}" for e in kit.console.audit.entries())


def test_guesses_sent_in_parallel_are_all_counted(kit: Kit) -> None:
    """24 wrong passwords at once (Argon2 lets threads overlap): the account ends locked, and the
    right password is then refused."""
    import threading

    from artaud.admin.accounts import Refused
    from artaud.admin.lockout import LockoutPolicy

    kit.accounts.lockout = LockoutPolicy(5, 15)  # the account-wide lock, at 5 failures in a row
    barrier = threading.Barrier(8)

    def guess() -> None:
        barrier.wait()
        for _ in range(3):
            with contextlib.suppress(Refused):
                kit.accounts.authenticate("ops", "wrong password!", "", kit.clock())

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with pytest.raises(Refused, match="locked"):
        kit.accounts.authenticate("ops", PASSWORD, "", kit.clock())
    kit.accounts.unlock("ops")
    assert kit.accounts.authenticate("ops", PASSWORD, "", kit.clock()).login == "ops"


def test_one_totp_code_signs_in_once_even_in_parallel(kit: Kit) -> None:
    import threading

    from artaud.admin.accounts import Refused

    kit.account("chief", "admin")
    kit.clock.advance(seconds=31)
    code = kit.code("chief")
    wins: list[str] = []
    barrier = threading.Barrier(6)

    def sign_in() -> None:
        barrier.wait()
        try:
            kit.accounts.authenticate("chief", PASSWORD, code, kit.clock())
            wins.append("in")
        except Refused:
            pass

    threads = [threading.Thread(target=sign_in) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins == ["in"]


def test_errors_speak_the_callers_language_and_nothing_is_cached(kit: Kit) -> None:
    client = kit.app.test_client()
    api = client.get("/api/v1/nowhere", headers=kit.token("ops"))
    assert api.status_code == 404 and api.get_json()["code"] == "not_found"
    page = kit.browser("ops").get("/nowhere")
    assert page.status_code == 404 and "Page introuvable" in page.get_data(as_text=True)
    _, link = kit.accounts.add("chief2", "Chief", "admin", None, "tests", kit.clock())
    setup = client.get(f"/setup/{link}")  # shows the TOTP secret to an anonymous visitor
    assert setup.headers["Cache-Control"] == "no-store"
    assert client.get("/static/console.css").headers.get("Cache-Control") != "no-store"


def test_signing_in_starts_a_new_session_and_ends_the_one_it_came_with(kit: Kit) -> None:
    client = kit.browser("ops")
    before = client.get_cookie(kit.console.cookie).value
    kit.clock.advance(seconds=1)
    assert kit.login(client, "ops").status_code == 303
    after = client.get_cookie(kit.console.cookie).value
    assert after != before
    stale = kit.app.test_client()
    stale.set_cookie(kit.console.cookie, before)
    assert stale.get("/").status_code == 303
