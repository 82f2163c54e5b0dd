"""`artaud users` tokens from the command line: issued once, listed by prefix (never the secret),
one revoked by its prefix and written to the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from artaud import wiring
from artaud.admin.audit import AuditLog
from artaud.admin.console import accounts_of
from artaud.cli import main
from artaud.config.settings import load


def artaud(data_dir: Path, *args: str) -> int:
    return main(["--data-dir", str(data_dir), *args])


def set_up(data_dir: Path, link: str) -> None:
    """The person opens the setup link and chooses a password (as the page does)."""
    settings = load(overrides={"paths": {"data_dir": str(data_dir)}})
    cp = wiring.control(settings)
    try:
        accounts = accounts_of(cp.engine, wiring.keyring(settings), settings.admin)
        accounts.complete_setup(link.rsplit("/", 1)[1], "a long enough passphrase 42", "", datetime.now(UTC))
    finally:
        cp.close()


def test_a_token_is_listed_by_its_prefix_and_revoked_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("users", "add", "--login", "robot", "--name", "Robot", "--role", "auditor", "--by", "t")
    assert artaud(tmp_path, *add) == 0
    set_up(tmp_path, capsys.readouterr().out.strip().splitlines()[-1])
    tokens = []
    for _ in range(2):
        assert artaud(tmp_path, "users", "token", "robot", "--by", "t") == 0
        tokens.append(capsys.readouterr().out.strip())
    assert artaud(tmp_path, "users", "tokens", "robot") == 0
    listed = capsys.readouterr().out
    prefixes = [t.split("_")[1] for t in tokens]
    assert all(f"at_{p}_…" in listed for p in prefixes) and listed.count("live") == 2
    assert not any(t.split("_", 2)[2] in listed for t in tokens)  # never a secret
    assert artaud(tmp_path, "users", "revoke-token", prefixes[0], "--by", "anne") == 0
    assert "revoked" in capsys.readouterr().out
    assert artaud(tmp_path, "users", "tokens", "robot") == 0
    listed = capsys.readouterr().out
    assert listed.count("live") == 1 and listed.count("revoked") == 1
    assert artaud(tmp_path, "users", "revoke-token", prefixes[0], "--by", "anne") != 0  # already ended
    assert "no live token" in capsys.readouterr().err
    cp = wiring.control(load(overrides={"paths": {"data_dir": str(tmp_path)}}))
    try:
        entry = AuditLog(cp.engine).entries(1)[0]
    finally:
        cp.close()
    assert (entry.actor, entry.action) == ("cli:anne", "users revoke-token")
    assert prefixes[0] in entry.object and tokens[0].split("_", 2)[2] not in entry.object
