from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from artaud.collector.geo import CidrTable, network_prefix
from artaud.collector.pseudonym import Pseudonymiser, keyed_hash
from artaud.collector.salts import SaltStore, local_day


def test_cidr_lookup():
    t = CidrTable([("10.11.0.0/16", "FR-IDF"), ("10.84.0.0/16", "FR-ARA"), ("2001:db8::/32", "FR-BRE")])
    assert t.region("10.11.200.1") == "FR-IDF"
    assert t.region("10.84.0.0") == "FR-ARA"
    assert t.region("10.12.0.1") == ""
    assert t.region("2001:db8::1") == "FR-BRE"
    assert t.region("not an ip") == ""


def test_network_prefix_is_coarse():
    assert network_prefix("192.0.2.77") == "192.0.2.0"
    assert network_prefix("2001:db8:1:2:3::9") == "2001:db8:1::"
    assert network_prefix("garbage") == ""


def test_salts_are_random_per_site_and_day_shared_by_processes_and_destroyed_after_48_hours(tmp_path):
    a, b = SaltStore(tmp_path), SaltStore(tmp_path)
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    today, tomorrow = local_day(now), local_day(now + timedelta(days=1))
    assert a.salt_for(today, 1) == b.salt_for(today, 1) != a.salt_for(tomorrow, 1)
    assert a.salt_for(today, 2) == b.salt_for(today, 2) not in (a.salt_for(today, 1), a.salt_for(tomorrow, 1))
    (tmp_path / "2026-11-20.salt").write_bytes(b"x" * 32)  # a day from before salts were per site
    assert a.destroy_expired(now + timedelta(hours=30)) == ["2026-11-20"]
    removed = a.destroy_expired(now + timedelta(hours=50))
    assert removed == [today.isoformat()]
    assert today.isoformat() not in a.days() and tomorrow.isoformat() in a.days()
    assert not (tmp_path / today.isoformat()).exists()
    fresh = a.salt_for(today, 1)  # asked again after destruction: a new secret, unlinkable to the old one
    assert len(fresh) == 32


def test_pseudonyms():
    p1, p2 = Pseudonymiser(b"k" * 32, 1), Pseudonymiser(b"j" * 32, 2)
    assert p1.pooled("abc") == p1.pooled("abc") != p2.pooled("abc")
    assert p1.pooled("abc").startswith("p1.") and len(p1.pooled("abc")) == 35
    assert keyed_hash(b"s" * 32, "a", "b") != keyed_hash(b"s" * 32, "a\x1fb")
    with pytest.raises(ValueError):
        Pseudonymiser(b"short", 1)


def test_the_keyed_hash_is_hmac_sha256_as_cryptography_computes_it():
    import secrets as s

    from cryptography.hazmat.primitives import hashes, hmac

    from artaud.collector.pseudonym import keyed_hash

    key = s.token_bytes(32)
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(b"\x00\x00\x00\x07visitor\x00\x00\x00\x05fp-01")
    assert keyed_hash(key, "visitor", "fp-01", length=64) == mac.finalize().hex()


def test_a_half_created_salt_file_is_replaced_not_a_failure_for_the_day(tmp_path):
    from artaud.collector.salts import SaltStore

    day = date(2026, 11, 29)
    (tmp_path / day.isoformat()).mkdir()
    (tmp_path / day.isoformat() / "7.salt").write_bytes(b"")  # an older version stopped by ENOSPC
    salt = SaltStore(tmp_path).salt_for(day, 7)
    assert len(salt) == 32 and SaltStore(tmp_path).salt_for(day, 7) == salt  # whole, and shared
    assert sorted(p.name for p in (tmp_path / day.isoformat()).iterdir()) == ["7.salt"]  # no temporary left


def test_a_disk_error_while_creating_a_salt_is_a_counted_503_and_passes_when_space_returns(
    tmp_path, monkeypatch
):
    import errno

    from werkzeug.test import Client

    import artaud.collector.salts as module
    from tests.collector.test_app import ORIGIN, UA
    from tests.conftest import SITE_KEY, make_app

    app = make_app(tmp_path)
    real = module.os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(module.os, "fsync", full)
    client = Client(app)
    doc = {"k": SITE_KEY, "e": [{"n": "page_view", "u": f"{ORIGIN}/", "i": "evt-000001"}]}
    headers = {"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain"}
    r = client.post("/c/e", data=json.dumps(doc), headers=headers, environ_base={"REMOTE_ADDR": "10.11.3.4"})
    assert r.status_code == 503 and r.headers["Retry-After"] and b"storage_unavailable" in r.data
    assert b'reason="storage_unavailable"' in app.metrics.exposition()
    assert not list((tmp_path / "salts").rglob("*.salt"))  # nothing half-made left behind
    monkeypatch.setattr(module.os, "fsync", real)
    again = client.post(
        "/c/e", data=json.dumps(doc), headers=headers, environ_base={"REMOTE_ADDR": "10.11.3.4"}
    )
    assert again.status_code == 204


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 7, 14, 20, 0, tzinfo=UTC),  # summer: Paris midnight is 22:00 UTC
        datetime(2026, 3, 28, 21, 0, tzinfo=UTC),  # the spring change (29 March, 01:00 UTC)
        datetime(2026, 10, 24, 20, 0, tzinfo=UTC),  # the autumn change (25 October, 01:00 UTC)
    ],
)
def test_one_device_is_one_visitor_a_day_across_paris_midnight_and_daylight_saving(tmp_path, start):
    """Events, salts and per-day counts share one day, the cinemas' (Europe/Paris): a device hitting
    every 10 minutes for 7 hours around midnight is one exempt visitor per event_date."""
    from werkzeug.test import Client

    from artaud.collector.sink import InMemorySink
    from tests.collector.test_app import ORIGIN, UA
    from tests.conftest import SITE_KEY, make_app

    sink = InMemorySink()
    seen: dict[str, set[str]] = {}
    for k in range(42):
        at = start + timedelta(minutes=10 * k)
        app = make_app(tmp_path, sink, clock=at.timestamp())  # one salt store: the processes share it
        doc = {"k": SITE_KEY, "e": [{"n": "page_view", "u": f"{ORIGIN}/", "i": f"evt-{k:06d}"}]}
        r = Client(app).post(
            "/c/e",
            data=json.dumps(doc),
            headers={"Origin": ORIGIN, "User-Agent": UA, "Content-Type": "text/plain"},
            environ_base={"REMOTE_ADDR": "10.11.3.4"},
        )
        assert r.status_code == 204
        event = next(e for e in map(json.loads, sink.records) if e.get("event_id") == f"evt-{k:06d}")
        assert event["event_date"] == local_day(at).isoformat(), at
        seen.setdefault(event["event_date"], set()).add(event["visitor"])
    assert len(seen) == 2 and all(len(v) == 1 for v in seen.values()), seen
    first, second = seen.values()
    assert first != second  # a new day, a new salt: not linkable
