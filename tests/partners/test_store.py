"""Partner accounts, keys, exports and the audit log on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from artaud.partners.records import ExportRecord, PartnerError
from artaud.partners.store import PartnerStore


def test_accounts_keys_and_revocation(cp):
    store = PartnerStore(cp.engine)
    p = store.add("acme", "Acme Programmatique", min_audience=300, rate_per_minute=10, ttl_days=7)
    assert store.get("acme") == p and [x.slug for x in store.all()] == ["acme"]
    with pytest.raises(PartnerError, match="already exists"):
        store.add("acme", "Encore")
    with pytest.raises(PartnerError, match=r"slug: .*; name: required"):
        store.add("Bad Slug", " ")
    store.add_key("acme", "0badc0de", "h" * 64, ("art-et-essai", "film"), ("jsonl",))
    key = store.key("0badc0de")
    assert key is not None and key.segments == ("art-et-essai", "film") and key.revoked_at is None
    assert key.allows_segment("film/perfect-days~wim-wenders") and not key.allows_segment("acheteurs")
    with pytest.raises(PartnerError, match="formats"):
        store.add_key("acme", "0badc0df", "h" * 64, ("*",), ("xml",))
    with pytest.raises(PartnerError, match="no partner"):
        store.add_key("nobody", "0badc0e0", "h" * 64, ("*",), ("csv",))
    store.revoke_key("0badc0de")
    revoked = store.key("0badc0de")
    assert revoked is not None and revoked.revoked_at is not None and revoked.revoked_at.tzinfo is not None
    with pytest.raises(PartnerError, match="no active key"):
        store.revoke_key("0badc0de")
    store.set_status("acme", "suspended")
    assert store.get("acme").status == "suspended"  # type: ignore[union-attr]


def test_exports_and_audit(cp):
    store = PartnerStore(cp.engine)
    store.add("acme", "Acme")
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    for i, day in enumerate((0, 1)):
        store.add_export(
            ExportRecord(
                f"ex_{i}",
                "acme",
                "art-et-essai",
                "b1",
                None,
                100,
                100,
                0,
                now + timedelta(days=day),
                now + timedelta(days=30),
                "{}",
                "sig",
            )
        )
    last = store.last_export("acme", "art-et-essai")
    assert last is not None and last.id == "ex_1" and last.created_at.tzinfo is not None
    assert store.last_export("acme", "film") is None and store.export("nope") is None
    assert [e.id for e in store.live_exports("acme", now + timedelta(days=10))] == ["ex_0", "ex_1"]
    assert store.live_exports("acme", now + timedelta(days=31)) == []  # expired: no longer compared
    store.audit("acme", "0badc0de", "GET", "/v1/segments", 200)
    store.audit("", "", "GET", "/v1/segments", 401, "no_key")
    assert [(e["partner_slug"], e["status"]) for e in store.audit_entries(10)] == [("", 401), ("acme", 200)]
    assert [e["status"] for e in store.audit_entries(10, "acme")] == [200]


def test_sync_urls_are_replaced_cleared_and_left_out_while_suspended(cp):
    store = PartnerStore(cp.engine)
    store.add("demo-agency", "Demo Agency")
    store.add("other-agency", "Other Agency")
    with pytest.raises(PartnerError, match="no partner"):
        store.set_sync_url("nobody", "https://sync.nobody.fr/{xid}")
    assert store.sync_urls() == [] and store.sync_url("demo-agency") is None
    store.set_sync_url("demo-agency", "https://sync.demo-agency.fr/old/{xid}")
    store.set_sync_url("demo-agency", "https://sync.demo-agency.fr/match?xid={xid}")
    store.set_sync_url("other-agency", "https://m.other.fr/{xid}")
    assert store.sync_urls() == [
        ("demo-agency", "https://sync.demo-agency.fr/match?xid={xid}"),
        ("other-agency", "https://m.other.fr/{xid}"),
    ]
    store.set_status("other-agency", "suspended")
    assert [slug for slug, _ in store.sync_urls()] == ["demo-agency"]
    store.set_sync_url("demo-agency", None)
    assert store.sync_urls() == [] and store.sync_url("demo-agency") is None
