"""Every route of the partners' API × every key scope (segments, formats) × owner, over the real
warehouse and control plane: the scope of a key holds on every call, not only when an export is made.
The routes come from the application itself, so a new route without its rule here fails the test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.partners.conftest import CAMPAIGN, TODAY, World

# who: (partner, segments the key may read, formats it may download)
KEYS = {
    "acme": ("acme", {"*"}, {"csv", "jsonl"}),
    "acme-buyers-only": ("acme", {"acheteurs"}, {"jsonl"}),
    "acme-csv-only": ("acme", {"*"}, {"csv"}),
    "other": ("other", {"*"}, {"csv", "jsonl"}),
}
PUBLIC = {"/v1/openapi.json", "/v1/signing-key"}


def allows(who: str, segment: str) -> bool:
    return "*" in KEYS[who][1] or segment in KEYS[who][1]


def reads(who: str, fmt: str) -> bool:
    """A key reads its formats; one page of JSON holds what JSON lines hold, so a key scoped to
    either reads both."""
    formats = KEYS[who][2]
    return fmt in formats or (fmt in {"json", "jsonl"} and bool({"json", "jsonl"} & formats))


@pytest.fixture
def exports(world: World) -> dict[str, tuple[str, str, str]]:
    """Exports made by each partner's keys: id -> (maker, partner, segment)."""
    made = {}
    for maker, segment in (
        ("acme", "art-et-essai"),
        ("acme-buyers-only", "acheteurs"),
        ("other", "art-et-essai"),
    ):
        r = world.client.post("/v1/exports", json={"segment": segment}, headers=world.auth(maker))
        assert r.status_code == 201, r.get_data(as_text=True)
        made[r.get_json()["export"]["export_id"]] = (maker, KEYS[maker][0], segment)
    return made


def calls(rule: str, exports: dict[str, tuple[str, str, str]]) -> list[tuple[str, str, Any, Any]]:
    """(method, path, body, rule of the expected status: who -> status) for one route template."""
    if rule in PUBLIC:
        return [("GET", rule, None, lambda who: 200)]
    if rule == "/v1/segments":
        return [("GET", rule, None, lambda who: 200)]
    if rule == "/v1/exports":
        return [
            ("POST", rule, {"segment": seg}, lambda who, seg=seg: 201 if allows(who, seg) else 403)
            for seg in ("art-et-essai", "acheteurs")
        ]
    if rule == "/v1/exports/<export_id>":
        return [
            (
                "GET",
                f"/v1/exports/{eid}",
                None,
                lambda who, p=p, s=s: 200 if KEYS[who][0] == p and allows(who, s) else 404,
            )
            for eid, (_, p, s) in exports.items()
        ]
    if rule == "/v1/deletions":  # the partner's duty to delete is partner-wide: any key, its formats
        return [
            ("GET", f"{rule}?format={fmt}", None, lambda who, fmt=fmt: 200 if reads(who, fmt) else 403)
            for fmt in ("jsonl", "json", "csv")
        ]
    if rule == "/v1/sync":  # the partner's own registration, whichever of its keys calls
        url = "https://sync.example/{xid}"
        # each key's PUT is checked against the other partner's registration as it stood before
        return [
            ("PUT", rule, {"url": url}, lambda who: 200),
            ("GET", rule, None, lambda who: 200),
            ("DELETE", rule, None, lambda who: 204),
        ]
    if rule == "/v1/exports/<export_id>/<kind>":
        out = []
        for eid, (_, p, s) in exports.items():
            for kind in ("members", "added", "removed"):
                for fmt in ("jsonl", "json", "csv"):

                    def expect(who: str, p: str = p, s: str = s, fmt: str = fmt) -> int:
                        if not reads(who, fmt):
                            return 403
                        return 200 if KEYS[who][0] == p and allows(who, s) else 404

                    out.append(("GET", f"/v1/exports/{eid}/{kind}?format={fmt}", None, expect))
        return out
    # acme's campaign: partner-wide like the sync (any acme key), "not found" for other; an export is
    # linked by a key that may see it, once (201, then 200)
    mine = lambda who: 200 if KEYS[who][0] == "acme" else 404  # noqa: E731
    if rule == "/v1/campaigns":
        return [("GET", rule, None, lambda who: 200)]
    if rule in ("/v1/campaigns/<campaign_id>", "/v1/campaigns/<campaign_id>/reports"):
        return [("GET", rule.replace("<campaign_id>", CAMPAIGN), None, mine)]
    if rule == "/v1/campaigns/<campaign_id>/reports/<day>":
        body = {"impressions": 10, "clicks": 1}
        return [("PUT", f"/v1/campaigns/{CAMPAIGN}/reports/{TODAY}", body, mine)]
    if rule == "/v1/campaigns/<campaign_id>/exports/<export_id>":
        out = []
        for eid, (_, p, s) in exports.items():
            linked: set[str] = set()

            def link(who: str, eid: str = eid, p: str = p, s: str = s, linked: set[str] = linked) -> int:
                if KEYS[who][0] != "acme" or p != "acme" or not allows(who, s):
                    return 404
                first = eid not in linked
                linked.add(eid)
                return 201 if first else 200

            out.append(("PUT", f"/v1/campaigns/{CAMPAIGN}/exports/{eid}", None, link))
        return out
    raise AssertionError(f"a route without its scope rule in this test: {rule}")


def test_every_route_every_scope_every_owner(world: World, exports) -> None:
    from flask import Flask

    app: Flask = world.client.application
    rules = sorted({r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"})
    checked = 0
    for rule in rules:
        for method, path, body, expect in calls(rule, exports):
            for who in KEYS:
                before = {slug: world.store.sync_url(slug) for slug in ("acme", "other")}
                r = world.client.open(path, method=method, json=body, headers=world.auth(who))
                assert r.status_code == expect(who), (who, method, path, r.get_data(as_text=True)[:200])
                checked += 1
                if r.status_code >= 400:
                    assert r.get_json()["error"] in {
                        "out_of_scope",
                        "unknown_export",
                        "format_out_of_scope",
                        "unknown_campaign",
                    }
                if path == "/v1/segments":
                    listed = {s["segment"].split("/", 1)[0] for s in r.get_json()}
                    assert all(allows(who, seg) for seg in listed), (who, listed)
                if path == "/v1/sync" and method == "PUT":  # its own partner's, no one else's
                    mine, theirs = KEYS[who][0], ({"acme", "other"} - {KEYS[who][0]}).pop()
                    assert world.store.sync_url(mine) == body["url"]
                    assert world.store.sync_url(theirs) == before[theirs]
    assert checked >= 4 * (2 + 1 + 2 + 3 + 3 + 3 * 3 * 3)
