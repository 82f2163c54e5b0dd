"""No exact figure of the audience reaches a partner (partners/disclosure.py).

Every partner-facing answer of a session that meets every refusal (not published, below k, too few
cinemas, differencing, overlap, expired, out of scope, bad input, 404, 405, 406) is recorded, bodies
and headers; then every exact figure the SCARE holds for that session (each build's member and
cinema counts, each partner's exact view, and every figure a refusal's staff detail names) is looked
for in them. The only counts a partner gets are the noisy listed sizes (each checked against the
release behind it) and the counts of the lists it received (each checked against the lines served).
Figures below 10 are not looked for: versions and small constants would match them by chance."""

from __future__ import annotations

import json
import re
from typing import Any

from artaud.partners.exports import ExportRefused
from artaud.partners.keys import new_key
from artaud.segments.catalog import latest
from tests.partners.conftest import World, add_consenting, later
from tests.segments.helpers import event

WORD_NUMBER = re.compile(r"(?<![\w.:+-])\d+(?![\w.:-])")  # a figure standing alone, not in an id or a date
# fields whose integers are not audience figures, or are checked separately below
NOT_FIGURES = {"version", "segment_version", "format_version", "partner_key_version", "segtax"}
LIST_COUNTS = {"members", "added", "removed"}
# headers whose figures are the call's own: the body's length, the key's quota and its wait
FRAMING = {"Content-Length", "RateLimit", "RateLimit-Policy", "Retry-After"}


class Recorder:
    def __init__(self, world: World) -> None:
        self.world = world
        self.answers: list[tuple[str, int, dict[str, str], bytes]] = []

    def call(self, method: str, path: str, who: str, body: Any = None, **headers: str) -> Any:
        r = self.world.client.open(
            path, method=method, json=body, headers={**self.world.auth(who), **headers}
        )
        self.answers.append((f"{method} {path} as {who}", r.status_code, dict(r.headers), r.get_data()))
        if path == "/v1/segments" and r.status_code == 200:
            released = self.released(who.removesuffix("-buyers-only").removesuffix("-csv-only"))
            for row in r.get_json():  # the listed size is the partner's released view, nothing else
                assert row["size"] == released[row["segment"]], (who, row)
        return r

    def released(self, slug: str) -> dict[str, int]:
        """The size of each segment key's latest view of this partner, when published."""
        last = "(built_at, build_id)"
        rows = self.world.wh.query(
            f"SELECT segment_key, argMax(published_size, {last}), argMax(published, {last}) "
            f"FROM {self.world.wh.database}.partner_views WHERE partner_slug = '{slug}' GROUP BY segment_key"
        )
        return {str(k): int(n) for k, n, published in rows if int(published)}


def figures_in(text: str) -> set[int]:
    return {int(n) for n in WORD_NUMBER.findall(text) if int(n) >= 10}


def leaves(doc: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(doc, dict):
        return [leaf for k, v in doc.items() for leaf in leaves(v, k)]
    if isinstance(doc, list):
        return [leaf for v in doc for leaf in leaves(v, path)]
    return [(path, doc)]


def test_the_scanner_finds_a_figure_where_one_is_left() -> None:
    assert figures_in("below_k: 86 members, fewer than k = 100") == {86, 100}
    assert figures_in("39 member(s) differ") == {39}
    assert figures_in('{"export_id":"ex_20261129_0a1b2c","created_at":"2026-11-29T18:00:00+00:00"}') == set()


def test_no_exact_figure_in_any_partner_facing_answer(world: World, monkeypatch) -> None:
    rec = Recorder(world)
    details: list[str] = []
    create = world.service.create

    def recording_create(*args: Any, **kwargs: Any) -> Any:
        try:
            return create(*args, **kwargs)
        except ExportRefused as exc:
            details.append(exc.detail)
            raise

    monkeypatch.setattr(world.service, "create", recording_create)

    def new_partner(slug: str, **account: Any) -> None:
        world.store.add(slug, slug.title(), rate_per_minute=10_000, **account)
        k = new_key()
        world.store.add_key(slug, k.prefix, k.secret_hash, ("*",), ("json", "jsonl", "csv"))
        world.keys[slug] = k.token
        world.partner_keys[slug] = slug[0].encode() * 32

    # a partner whose consenting members come from two cinemas, one with a minimum above its audience
    world.wh.insert_events(
        [
            event(
                f"p1.solo{i:03d}", 1 if i < 45 else 2, days_ago=i % 20, purposes="measure,pool,partner:solo"
            )
            for i in range(60)
        ],
        "solo",
    )
    new_partner("solo")
    new_partner("big", min_audience=1000)
    # overlap: five consenting to acme outside Île-de-France, in art-et-essai and not in idf
    add_consenting(world, [f"p1.far{i:03d}" for i in range(5)], region="FR-BRE")

    everyone = ["acme", "other", "acme-buyers-only", "acme-csv-only", "solo", "big", "revoked", "none"]
    keys = [e.key for e in latest(world.wh)]
    made: dict[str, list[str]] = {}
    for who in everyone:
        rec.call("GET", "/v1/segments", who)
        for key in [*keys, "nope"]:
            r = rec.call("POST", "/v1/exports", who, {"segment": key})
            if r.status_code == 201:
                made.setdefault(who, []).append(r.get_json()["export"]["export_id"])
    for who, ids in made.items():
        for export_id in ids:
            rec.call("GET", f"/v1/exports/{export_id}", who)
            for kind in ("members", "added", "removed"):
                for fmt in ("json", "jsonl", "csv"):
                    rec.call("GET", f"/v1/exports/{export_id}/{kind}?format={fmt}&limit=1000000", who)
    # differencing: three withdraw, five newcomers
    world.withdraw([f"p1.v{i:04d}" for i in range(3)])
    add_consenting(world, [f"p1.late{i:03d}" for i in range(5)])
    for who in ("acme", "other"):
        for key in keys:
            rec.call("POST", "/v1/exports", who, {"segment": key})
        for fmt in ("json", "jsonl", "csv"):
            rec.call("GET", f"/v1/deletions?format={fmt}", who)
    # the caller's own mistakes, and time
    rec.call("GET", "/v1/segments", "acme", None, Accept="image/png")
    rec.call("GET", f"/v1/exports/{made['acme'][0]}/members", "acme", None, Accept="image/png")
    rec.call("DELETE", "/v1/segments", "acme")
    rec.call("GET", "/v1/nothing", "acme")
    rec.call("GET", f"/v1/exports/{made['acme'][0]}/members?limit=0", "acme")
    rec.call("PUT", "/v1/sync", "acme", {"url": "http://tracker.com/{xid}"})
    rec.call("GET", "/v1/sync", "acme")
    later(world, 40)
    rec.call("GET", f"/v1/exports/{made['acme'][0]}", "acme")

    codes = {json.loads(b)["error"] for _, s, _, b in rec.answers if s >= 400 and b.startswith(b"{")}
    met = {"below_k", "too_few_cinemas", "differencing", "overlap", "expired", "unknown_segment"}
    met |= {"out_of_scope", "bad_sync_url", "not_acceptable", "method_not_allowed", "no_key", "revoked_key"}
    assert met <= codes, met - codes
    assert details, "the refusals carry their exact figures for the staff"

    # what the SCARE knows exactly
    db = world.wh.database
    secret: set[int] = set()
    for members, cinemas, refusal in world.wh.query(
        f"SELECT members, cinemas, refusal FROM {db}.segment_builds"
    ):
        secret |= {int(members), int(cinemas)} | figures_in(str(refusal))
    for members, refusal in world.wh.query(f"SELECT members, refusal FROM {db}.partner_views"):
        secret |= {int(members)} | figures_in(str(refusal))
    for detail in details:
        secret |= figures_in(detail)
    secret = {n for n in secret if n >= 10}
    assert secret and len(rec.answers) > 100

    leaks = []
    for what, status, headers, body in rec.answers:
        for name, value in headers.items():
            if name in FRAMING:
                continue
            leaks += [(what, f"header {name}", n) for n in figures_in(value) & secret]
        if not body.startswith((b"{", b"[")) or headers.get("Content-Type", "").startswith(
            "application/x-ndjson"
        ):
            leaks += [(what, "body", n) for n in figures_in(body.decode()) & secret]
            continue
        doc = json.loads(body)
        for field, value in leaves(doc):
            if field in NOT_FIGURES or (field == "size" and what.startswith("GET /v1/segments")):
                continue  # the listed size was checked against its release when it was answered
            if field in LIST_COUNTS and isinstance(value, int):
                continue  # checked below against the lines served
            if isinstance(value, bool):
                continue
            if isinstance(value, int) and value in secret and field != "iab_audience_taxonomy":
                leaks.append((what, field, value))
            if isinstance(value, str):
                leaks += [(what, field, n) for n in figures_in(value) & secret]
    assert leaks == [], leaks[:20]

    # the counts of a manifest are the lines of its lists
    for who, ids in made.items():
        for export_id in ids:
            manifest = world.client.get(f"/v1/exports/{export_id}", headers=world.auth(who)).get_json()
            if manifest.get("error") == "expired":
                continue
            for kind in LIST_COUNTS:
                r = world.client.get(f"/v1/exports/{export_id}/{kind}?limit=1000000", headers=world.auth(who))
                assert len(r.get_json()["items"]) == manifest["export"][kind]
