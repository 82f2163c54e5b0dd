from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from artaud.config.keyring import MASTER_ENV, KeyRing, KeyringError


def test_key_is_generated_once_encrypted_and_stable(tmp_path):
    k1 = KeyRing(tmp_path, env={}).current("pooled")
    k2 = KeyRing(tmp_path, env={}).current("pooled")
    assert k1 == k2 and len(k1.secret) == 32 and k1.version == 1
    stored = (tmp_path / "keys.json").read_bytes()
    assert k1.secret not in stored and base64.b64encode(k1.secret) not in stored
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600


def test_a_wrong_master_key_cannot_read_keys(tmp_path):
    KeyRing(tmp_path, env={}).current("pooled")
    other = base64.b64encode(b"x" * 32).decode()
    with pytest.raises(KeyringError, match="wrong master key"):
        KeyRing(tmp_path, env={MASTER_ENV: other}).current("pooled")


def test_master_key_from_environment_is_validated(tmp_path):
    with pytest.raises(KeyringError, match="32 bytes"):
        KeyRing(tmp_path, env={MASTER_ENV: base64.b64encode(b"short").decode()})
    with pytest.raises(KeyringError, match="base64"):
        KeyRing(tmp_path, env={MASTER_ENV: "***"})
    ring = KeyRing(tmp_path, env={MASTER_ENV: base64.b64encode(b"m" * 32).decode()})
    ring.current("pooled")
    assert not (tmp_path / "master.key").exists()


def test_rotation_and_destruction(tmp_path):
    ring = KeyRing(tmp_path, env={})
    old = ring.current("pooled")
    new = ring.rotate("pooled", timedelta(days=30))
    assert new.version == 2 and ring.current("pooled") == new
    assert ring.get("pooled", 1) == old
    assert ring.destroy_retired(datetime.now(UTC) + timedelta(days=29)) == []
    assert ring.destroy_retired(datetime.now(UTC) + timedelta(days=31)) == [("pooled", 1)]
    with pytest.raises(KeyringError, match="destroyed"):
        ring.get("pooled", 1)
    data = json.loads((tmp_path / "keys.json").read_text())
    assert [k["ciphertext"] == "" for k in data["keys"]] == [True, False]
    assert [(m.version, m.destroyed) for m in ring.metas()] == [(1, True), (2, False)]


def test_current_keys_decrypt_only_when_a_version_changes(tmp_path, caplog):
    from artaud.config.keyring import CurrentKeys

    ring = KeyRing(tmp_path, env={})
    current = CurrentKeys(ring)
    with caplog.at_level("INFO", logger="artaud.keys"):
        first = current.secrets(["partner-a", "partner-b"])  # generated on first use
        caplog.clear()
        assert current.secrets(["partner-a", "partner-b"]) == first
        assert current.secrets(["partner-a"]) == {"partner-a": first["partner-a"]}
        assert caplog.records == []  # nothing decrypted again, nothing logged
        rotated = ring.rotate("partner-a", timedelta(days=1))
        again = current.secrets(["partner-a", "partner-b"])
    assert again == {"partner-a": rotated.secret, "partner-b": first["partner-b"]}
    assert rotated.secret != first["partner-a"] and ring.current("partner-a").version == 2
