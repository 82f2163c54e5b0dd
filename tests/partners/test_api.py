"""The partners' API end to end over a real warehouse and control plane: who may read what, what an
export holds, its signature, its deltas, and its expiry."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.partners.manifest import verify
from artaud.segments.guards import GuardPolicy
from artaud.warehouse.erasure import erase
from tests.partners.conftest import NOW, add_consenting, later

ACME_ONLY = {f"p1.v{i:04d}" for i in range(0, 210)}  # consent covers acme
OTHER_ONLY = {f"p1.v{i:04d}" for i in [*range(0, 120), *range(210, 270)]}


def create(world, who, segment="art-et-essai"):
    return world.client.post("/v1/exports", json={"segment": segment}, headers=world.auth(who))


def lines(response):
    """The pseudonyms of a list answer, JSON page (the default) or JSON lines."""
    text = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        return [row["pseudonym"] for row in json.loads(text)["items"]]
    return [json.loads(line)["pseudonym"] for line in text.splitlines() if line]


def all_members(world, who, export_id, kind="members", limit=1_000_000):
    r = world.client.get(f"/v1/exports/{export_id}/{kind}?limit={limit}", headers=world.auth(who))
    assert r.status_code == 200, r.get_data(as_text=True)
    return lines(r)


# -- authorization matrix ---------------------------------------------------------------------------
WHO = ["acme", "other", "revoked", "none", "forged", "acme-buyers-only"]


def test_authorization_matrix_over_every_endpoint(world):
    acme_export = create(world, "acme").get_json()["export"]["export_id"]
    buyers_export = create(world, "acme-buyers-only", "acheteurs").get_json()["export"]["export_id"]
    endpoints = [
        ("GET", "/v1/segments", None),
        ("POST", "/v1/exports", {"segment": "art-et-essai"}),
        ("GET", f"/v1/exports/{acme_export}", None),
        ("GET", f"/v1/exports/{acme_export}/members", None),
        ("GET", f"/v1/exports/{acme_export}/added", None),
        ("GET", f"/v1/exports/{acme_export}/removed", None),
        ("GET", f"/v1/exports/{buyers_export}/members?format=csv", None),
    ]
    expected = {
        # no cross-partner read: another partner's export is "not found"
        "other": [200, 201, 404, 404, 404, 404, 404],
        "revoked": [401] * 7,
        "none": [401] * 7,
        "forged": [401] * 7,
        # wrong scope: this key may export only "acheteurs", and only as JSON lines; another key's
        # export of another segment is "not found" to it, even of the same partner
        "acme-buyers-only": [200, 403, 404, 404, 404, 404, 403],
        "acme": [200, 201, 200, 200, 200, 200, 200],
    }
    for who, statuses in expected.items():
        got = []
        for method, path, body in endpoints:
            r = world.client.open(path, method=method, json=body, headers=world.auth(who))
            got.append(r.status_code)
            if r.status_code >= 400:
                assert set(r.get_json()) == {"error", "message"}
        # "acme" runs last: its second export differs from the first by nothing, which is allowed
        assert got == statuses, who
    for who in ("revoked", "none", "forged"):
        r = world.client.get("/v1/segments", headers=world.auth(who))
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    scoped = world.client.get("/v1/segments", headers=world.auth("acme-buyers-only")).get_json()
    assert [s["segment"] for s in scoped] == ["acheteurs"]


def test_every_call_is_audited_refused_or_not(world):
    export = create(world, "acme").get_json()["export"]["export_id"]
    world.client.get(f"/v1/exports/{export}", headers=world.auth("acme"))
    world.client.get("/v1/segments", headers=world.auth("revoked"))
    world.client.get("/v1/segments")
    world.client.get("/v1/someone@example.org/../x?q=canary")
    entries = world.store.audit_entries(10)
    assert [(e["partner_slug"], e["path"], e["status"], e["detail"]) for e in reversed(entries)] == [
        ("acme", "/v1/exports", 201, ""),
        ("acme", "/v1/exports/<export_id>", 200, ""),  # the route, never the path as sent
        ("acme", "/v1/segments", 401, "revoked_key"),
        ("", "/v1/segments", 401, "no_key"),
        ("", "(no route)", 401, "no_key"),
    ]
    assert all(len(e["key_prefix"]) in (0, 8) for e in entries)
    assert export not in str(entries) and "someone" not in str(entries)


def test_anonymous_callers_cannot_grow_the_audit_log_without_bound(world):
    from artaud.partners.api import ANONYMOUS_AUDIT_PER_MINUTE

    before = len(world.store.audit_entries(100_000))
    for i in range(ANONYMOUS_AUDIT_PER_MINUTE * 3):
        assert world.client.get(f"/v1/nothing-{i}").status_code == 401
    rows = world.store.audit_entries(100_000)[: len(world.store.audit_entries(100_000)) - before]
    assert ANONYMOUS_AUDIT_PER_MINUTE <= len(rows) <= ANONYMOUS_AUDIT_PER_MINUTE + 2
    assert {r["path"] for r in rows} == {"(no route)"}


def test_a_suspended_partner_is_refused(world):
    world.store.set_status("other", "suspended")
    r = world.client.get("/v1/segments", headers=world.auth("other"))
    assert r.status_code == 403 and r.get_json()["error"] == "partner_suspended"


def test_rate_limited_calls_get_429_with_retry_after(warehouse, tmp_path):
    from artaud.segments.guards import GuardPolicy
    from tests.partners.conftest import make_world

    w = make_world(warehouse, tmp_path, GuardPolicy(k=50, credible_days=1), rate=3)
    codes = [w.client.get("/v1/segments", headers=w.auth("acme")).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = w.client.get("/v1/segments", headers=w.auth("acme"))
    assert int(r.headers["Retry-After"]) >= 1 and r.get_json()["error"] == "rate_limited"
    assert w.client.get("/v1/segments", headers=w.auth("other")).status_code == 200  # per key


# -- what an export holds ---------------------------------------------------------------------------
def test_exports_hold_only_visitors_whose_consent_covers_that_partner(world):
    for who, consenting in (("acme", ACME_ONLY), ("other", OTHER_ONLY)):
        r = create(world, who)
        assert r.status_code == 201, r.get_data(as_text=True)
        manifest = r.get_json()["export"]
        got = set(all_members(world, who, manifest["export_id"]))
        key = world.partner_keys[who]
        assert got == {partner_pseudonym(key, v) for v in consenting}
        assert manifest["members"] == len(consenting)
        assert not any(v.startswith("p1.") for v in got)  # never a pooled pseudonym


def test_two_partners_exports_of_one_segment_share_no_pseudonym(world):
    a = create(world, "acme").get_json()["export"]["export_id"]
    b = create(world, "other").get_json()["export"]["export_id"]
    assert not set(all_members(world, "acme", a)) & set(all_members(world, "other", b))


def test_the_signature_verifies_with_the_published_key_and_fails_after_any_change(world):
    signed = create(world, "acme").get_json()
    key = world.client.get("/v1/signing-key").get_json()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    manifest, signature = signed["export"], signed["signature"]
    assert verify(manifest, signature, public)
    members = all_members(world, "acme", manifest["export_id"])
    assert (
        hashlib.sha256("".join(p + "\n" for p in members).encode()).hexdigest() == manifest["members_sha256"]
    )
    for field, value in [
        ("members", manifest["members"] + 1),
        ("segment", "acheteurs"),
        ("expires_at", "2099-01-01"),
    ]:
        assert not verify({**manifest, field: value}, signature, public), field
    assert not verify(manifest, base64.b64encode(b"\0" * 64).decode(), public)
    again = world.client.get(f"/v1/exports/{manifest['export_id']}", headers=world.auth("acme")).get_json()
    assert again == signed


def test_paging_with_cursors_covers_the_export_once(world):
    export_id = create(world, "acme").get_json()["export"]["export_id"]
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/v1/exports/{export_id}/members?limit=37&format=csv" + (f"&cursor={cursor}" if cursor else "")
        r = world.client.get(url, headers=world.auth("acme"))
        body = r.get_data(as_text=True).splitlines()
        assert body[0] == "pseudonym"
        seen += body[1:]
        pages += 1
        cursor = r.headers.get("X-Next-Cursor")
        if not cursor:
            break
        assert 'rel="next"' in r.headers["Link"]
    assert pages == -(-len(ACME_ONLY) // 37) and len(seen) == len(set(seen)) == len(ACME_ONLY)
    assert seen == all_members(world, "acme", export_id)


@pytest.mark.parametrize("cursor", ["nope", "A" * 60, ""])
def test_forged_cursors_are_refused(world, cursor):
    export_id = create(world, "acme").get_json()["export"]["export_id"]
    r = world.client.get(f"/v1/exports/{export_id}/members?cursor={cursor}x", headers=world.auth("acme"))
    assert r.status_code == 400 and r.get_json()["error"] == "bad_cursor"


def test_a_cursor_of_one_export_does_not_open_another(world):
    a = create(world, "acme").get_json()["export"]["export_id"]
    b = create(world, "acme", "acheteurs").get_json()["export"]["export_id"]
    r = world.client.get(f"/v1/exports/{a}/members?limit=10", headers=world.auth("acme"))
    cursor = r.headers["X-Next-Cursor"]
    assert (
        world.client.get(f"/v1/exports/{b}/members?cursor={cursor}", headers=world.auth("acme")).status_code
        == 400
    )


# -- deltas and expiry ------------------------------------------------------------------------------
def test_withdrawn_visitors_are_removals_in_the_next_delta(world):
    first = create(world, "acme").get_json()["export"]
    assert (first["added"], first["removed"], first["previous_export_id"]) == (len(ACME_ONLY), 0, None)
    gone = sorted(ACME_ONLY)[:60]  # withdrawals (at least k = 50, or the delta would single people out)
    world.withdraw(gone)
    later(world, 1)
    world.builder.build()
    second = create(world, "acme").get_json()["export"]
    assert (second["added"], second["removed"], second["previous_export_id"]) == (0, 60, first["export_id"])
    key = world.partner_keys["acme"]
    removed = set(all_members(world, "acme", second["export_id"], "removed"))
    assert removed == {partner_pseudonym(key, v) for v in gone}
    assert all_members(world, "acme", second["export_id"], "added") == []
    assert removed.isdisjoint(all_members(world, "acme", second["export_id"]))


def test_withdrawals_always_reach_the_partner_even_fewer_than_k(world):
    """Removals never unlock anything and are never held back: three withdrawals are three removals
    in the next delta, where the old guard refused the whole export as differencing."""
    first = create(world, "acme").get_json()["export"]
    gone = sorted(ACME_ONLY)[:3]
    world.withdraw(gone)
    world.builder.build()
    second = create(world, "acme").get_json()["export"]
    assert (second["added"], second["removed"], second["previous_export_id"]) == (0, 3, first["export_id"])
    key = world.partner_keys["acme"]
    assert set(all_members(world, "acme", second["export_id"], "removed")) == {
        partner_pseudonym(key, v) for v in gone
    }


def test_a_refused_export_does_not_hold_a_deletion_back(world):
    """Three people withdraw while five new ones arrive: the export is refused (five additions are
    fewer than k), yet the three pseudonyms are in the partner's deletions, with no cause."""
    create(world, "acme")
    gone = sorted(ACME_ONLY)[:3]
    world.withdraw(gone)
    add_consenting(world, [f"p1.late{i:03d}" for i in range(5)])
    r = create(world, "acme")
    assert r.status_code == 409 and r.get_json()["error"] == "differencing"
    key = world.partner_keys["acme"]
    expected = sorted(partner_pseudonym(key, v) for v in gone)
    page = world.client.get("/v1/deletions", headers=world.auth("acme")).get_json()
    assert page == {"items": [{"pseudonym": p} for p in expected], "next_cursor": None}
    got = world.client.get("/v1/deletions?format=jsonl", headers=world.auth("acme"))
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in got.get_data(as_text=True).splitlines()] == [
        {"pseudonym": p} for p in expected
    ]
    csv = world.client.get("/v1/deletions?format=csv", headers=world.auth("acme")).get_data(as_text=True)
    assert csv.splitlines() == ["pseudonym", *expected]
    other = world.client.get("/v1/deletions", headers=world.auth("other"))
    assert not set(expected) & set(lines(other))
    assert (
        world.client.get("/v1/deletions?format=csv", headers=world.auth("acme-buyers-only")).status_code
        == 403
    )


def test_a_small_addition_to_what_the_partner_received_is_refused_without_a_figure(world):
    create(world, "acme")
    add_consenting(world, [f"p1.new{i:03d}" for i in range(3)])
    r = create(world, "acme")
    assert r.status_code == 409 and r.get_json()["error"] == "differencing"
    assert not any(ch.isdigit() for ch in r.get_json()["message"])  # never the exact difference
    add_consenting(world, [f"p1.more{i:03d}" for i in range(60)])
    assert create(world, "acme").status_code == 201  # 63 new: at least k = 50


def test_expired_exports_are_refused(world):
    export_id = create(world, "acme").get_json()["export"]["export_id"]
    later(world, 31)
    for path in ("", "/members"):
        r = world.client.get(f"/v1/exports/{export_id}{path}", headers=world.auth("acme"))
        assert r.status_code == 410 and r.get_json()["error"] == "expired"


# -- guards on exports ------------------------------------------------------------------------------
def export_for_new_partner(world, slug: str, name: str, **account) -> object:
    """A new partner account with a key for every segment, asking for an art-et-essai export."""
    from artaud.partners.keys import new_key

    world.store.add(slug, name, **account)
    k = new_key()
    world.store.add_key(slug, k.prefix, k.secret_hash, ("*",), ("jsonl",))
    world.partner_keys[slug] = slug[0].encode() * 32
    return world.client.post(
        "/v1/exports", json={"segment": "art-et-essai"}, headers={"Authorization": f"Bearer {k.token}"}
    )


def test_a_destination_minimum_above_the_consented_audience_is_refused(world):
    r = export_for_new_partner(world, "big", "Grande Plateforme", min_audience=1000)
    assert r.status_code == 409 and r.get_json()["error"] == "below_k"
    assert not any(ch.isdigit() for ch in r.get_json()["message"])  # neither k nor the size


def test_an_export_whose_consenting_members_are_few_cinemas_is_refused_without_a_figure(world):
    """The segment passes its guards, but the members consenting to this partner come from two
    cinemas, 45 from cinema 1 and 15 from cinema 2: the export is refused; the partner learns which
    rule, not the shares (the SCARE's console shows those)."""
    from tests.segments.helpers import event

    solo = [
        event(f"p1.solo{i:03d}", 1 if i < 45 else 2, days_ago=i % 20, purposes="measure,pool,partner:solo")
        for i in range(60)
    ]
    world.wh.insert_events(solo, "solo-test")
    world.clock.now += timedelta(seconds=1)  # a later build than the fixture's
    world.builder.build()
    r = export_for_new_partner(world, "solo", "Agence Solo")
    assert r.status_code == 409 and r.get_json()["error"] == "too_few_cinemas"
    assert not any(ch.isdigit() for ch in r.get_json()["message"])
    assert create(world, "acme").status_code == 201  # the segment itself is fine for other partners


@pytest.mark.parametrize(
    ("segment", "status", "error"), [("nope", 404, "unknown_segment"), ("", 400, "bad_request")]
)
def test_unknown_segments(world, segment, status, error):
    r = create(world, "acme", segment)
    assert r.status_code == status and r.get_json()["error"] == error


def test_segments_carry_seller_defined_audience_descriptors(world):
    segs = {s["segment"]: s for s in world.client.get("/v1/segments", headers=world.auth("acme")).get_json()}
    assert segs["art-et-essai"]["sda_user_data"] == [
        {"name": "scare-cinemas.fr", "ext": {"segtax": 4}, "segment": [{"id": "477"}]}
    ]
    assert segs["acheteurs"]["iab_audience_taxonomy"] == [787] and segs["art-et-essai"]["size_is_noisy"]


def test_a_partners_live_lists_of_different_segments_overlap_by_none_or_at_least_k(world):
    """Five consenting visitors outside Île-de-France: art-et-essai holds them, idf does not. With
    the art-et-essai list live, the idf list would single them out (art-et-essai minus idf): refused.
    Withdrawn people never make such a difference: the partner deletes them anyway."""
    add_consenting(world, [f"p1.far{i:03d}" for i in range(5)], region="FR-BRE")
    assert create(world, "acme").status_code == 201  # art-et-essai
    r = create(world, "acme", "idf")
    assert r.status_code == 409 and r.get_json()["error"] == "overlap"
    assert create(world, "other", "idf").status_code == 201  # another partner holds no such list
    world.withdraw([f"p1.far{i:03d}" for i in range(5)])
    world.builder.build()
    assert create(world, "acme", "idf").status_code == 201  # they are leaving every list anyway


def test_erased_visitors_are_removals_in_the_next_delta(world):
    first = create(world, "acme").get_json()["export"]
    erased = sorted(ACME_ONLY)[-60:]
    for v in erased:
        erase(world.wh, v, NOW)
    world.builder.build()
    second = create(world, "acme").get_json()["export"]
    assert (second["removed"], second["previous_export_id"]) == (60, first["export_id"])
    key = world.partner_keys["acme"]
    assert set(all_members(world, "acme", second["export_id"], "removed")) == {
        partner_pseudonym(key, v) for v in erased
    }


def test_an_unavailable_warehouse_is_a_clear_503_not_a_stack_trace(world, monkeypatch):
    from artaud.warehouse.backend import WarehouseError

    def down(*_args, **_kwargs):
        raise WarehouseError("ClickHouse server 127.0.0.1:9000 unreachable")

    monkeypatch.setattr(world.wh, "query", down)
    r = world.client.get("/v1/segments", headers=world.auth("acme"))
    assert (
        r.status_code == 503 and r.get_json()["error"] == "unavailable" and r.headers["Retry-After"] == "30"
    )
    assert "unreachable" not in r.get_data(as_text=True)


# -- lists that cannot be linked ----------------------------------------------------------------------
def test_two_partners_lists_of_one_segment_do_not_line_up_by_position(world):
    """Each list is sorted by its partner's own pseudonym: pairing two partners' lists by position
    (what sorting by the pooled pseudonym allowed, 949 of 949) matches no more than chance."""
    a = all_members(world, "acme", create(world, "acme").get_json()["export"]["export_id"])
    b = all_members(world, "other", create(world, "other").get_json()["export"]["export_id"])
    assert a == sorted(a) and b == sorted(b)
    by_acme = {partner_pseudonym(world.partner_keys["acme"], v): v for v in ACME_ONLY}
    by_other = {partner_pseudonym(world.partner_keys["other"], v): v for v in OTHER_ONLY}
    same_person = sum(by_acme[x] == by_other[y] for x, y in zip(a, b, strict=False))
    assert same_person <= 5, same_person  # 120 people are in both lists: chance pairs a handful


def test_a_partner_key_rotation_withdraws_the_old_lists_and_the_next_delta_drops_them(world):
    from artaud.partners.manifest import verify

    first = create(world, "acme").get_json()
    old_list = all_members(world, "acme", first["export"]["export_id"])
    world.rotate("acme")
    # withdrawn at once, before any new export: served again it would pair nothing, but it is no
    # longer the partner's list (their pseudonyms changed)
    r = world.client.get(f"/v1/exports/{first['export']['export_id']}", headers=world.auth("acme"))
    assert r.status_code == 410 and r.get_json()["error"] == "withdrawn"
    later(world, 1)
    second = create(world, "acme").get_json()["export"]
    assert second["replaces_previous"] and second["partner_key_version"] == 2
    # every old pseudonym is a removal, every member an addition
    assert set(all_members(world, "acme", second["export_id"], "removed")) == set(old_list)
    new_list = all_members(world, "acme", second["export_id"])
    assert set(all_members(world, "acme", second["export_id"], "added")) == set(new_list)
    assert set(new_list).isdisjoint(old_list) and len(new_list) == len(old_list)
    # the old export is withdrawn, and its manifest still verifies as it was signed
    r = world.client.get(f"/v1/exports/{first['export']['export_id']}/members", headers=world.auth("acme"))
    assert r.status_code == 410 and r.get_json()["error"] == "withdrawn"
    assert verify(first["export"], first["signature"], world.signing.public_key())


def test_export_records_are_kept_for_the_window_and_no_export_outlives_them(world):
    from datetime import datetime, timedelta

    from artaud.segments.catalog import drop_old_snapshots
    from tests.segments.helpers import TODAY

    world.service.window = timedelta(days=20)  # shorter than the partner's 30-day export life
    body = create(world, "acme").get_json()["export"]
    life = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["created_at"])
    assert life == timedelta(days=20)
    db = world.wh.database

    def kept() -> int:
        [(n,)] = world.wh.query(f"SELECT count() FROM {db}.export_lists")
        return int(n)

    assert kept() > 0
    assert not [d for d in drop_old_snapshots(world.wh, TODAY + timedelta(days=20), 400, 20) if "export" in d]
    assert kept() > 0
    dropped = drop_old_snapshots(world.wh, TODAY + timedelta(days=21), 400, 20)
    assert f"export_lists:{TODAY}" in dropped and kept() == 0


def test_only_credible_members_are_exported(warehouse, tmp_path):
    """Seen on one day only, a member may be a crafted identifier: it is never exported, and every
    guard counts exactly the people a list holds."""
    from tests.partners.conftest import make_world
    from tests.segments.helpers import event

    world = make_world(
        warehouse, tmp_path, GuardPolicy(k=50, min_cinemas=3, max_cinema_share=0.5, credible_days=2)
    )
    twice = [f"p1.twice{i:03d}" for i in range(80)]
    world.wh.insert_events(
        [
            event(v, 1 + i % 9, days_ago=d, purposes="measure,pool,partner:acme")
            for i, v in enumerate(twice)
            for d in (1, 2)
        ],
        "credible",
    )
    world.clock.now += timedelta(seconds=1)
    world.builder.build()
    r = create(world, "acme")
    assert r.status_code == 201, r.get_json()
    key = world.partner_keys["acme"]
    assert set(all_members(world, "acme", r.get_json()["export"]["export_id"])) == {
        partner_pseudonym(key, v) for v in twice
    }


def test_an_expired_key_is_refused_and_says_so(world):
    from datetime import UTC, datetime

    from artaud.partners.keys import new_key

    k = new_key()
    soon = datetime.now(UTC) + timedelta(days=2)
    world.store.add_key("acme", k.prefix, k.secret_hash, ("*",), ("json",), expires_at=soon)
    auth = {"Authorization": f"Bearer {k.token}"}
    world.clock.now = soon - timedelta(minutes=1)
    assert world.client.get("/v1/segments", headers=auth).status_code == 200
    world.clock.now = soon
    r = world.client.get("/v1/segments", headers=auth)
    assert r.status_code == 401 and r.get_json()["error"] == "expired_key"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_keyed_answer_carries_the_rate_limit_fields(world):
    export = create(world, "acme").get_json()["export"]["export_id"]
    for path in ("/v1/segments", f"/v1/exports/{export}", f"/v1/exports/{export}/members", "/v1/nothing"):
        r = world.client.get(path, headers=world.auth("acme"))
        assert r.headers["RateLimit-Policy"] == '"default";q=10000;w=60', path
        assert r.headers["RateLimit"].startswith('"default";r='), path
