"""The segment builder on both engines (chdb 26.x and the ClickHouse 18.16 server)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from artaud.segments.builder import SegmentBuilder
from artaud.segments.catalog import drop_old_snapshots, latest
from artaud.segments.definitions import InvalidSegments, Segment, load_segments
from artaud.segments.guards import GuardPolicy
from artaud.segments.release import NoisePolicy
from artaud.segments.rules import members_sql
from artaud.segments.visitor_table import collisions_sql, layout
from artaud.warehouse.migrate import migrate
from tests.segments.helpers import CINEMAS, TODAY, event

NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 18, tzinfo=UTC)
FILM = "perfect-days~wim-wenders"


def insert(wh, rows):
    wh.insert_events(rows, "seg-test")


EXACT = NoisePolicy(delta=0.5)  # no margin above k: these tests are about membership, not noise


def builder(wh, definitions=None, policy=None):
    return SegmentBuilder(
        wh,
        lambda: CINEMAS,
        definitions or load_segments(),
        policy or GuardPolicy(credible_days=1),
        clock=lambda: NOW,
        noise=EXACT,
        draw=lambda count: count,
    )


def members(wh, build_id, key):
    rows = wh.query(
        f"SELECT visitor FROM {wh.database}.segment_members WHERE build_id = '{build_id}' AND segment_key = '{key}'"
    )
    return {r[0] for r in rows}


@pytest.fixture
def wh(warehouse):
    migrate(warehouse)
    rows = []
    for i in range(150):  # the Art & Essai audience of the last 30 days, spread over 9 cinemas
        rows.append(event(f"p1.fan{i:03d}", 1 + i % 9, days_ago=i % 30))
    for i in range(120):  # film interest, 60 days ago: outside the 30-day audience
        rows.append(event(f"p1.film{i:03d}", 1 + i % 9, days_ago=60, name="view_item", film_ref=FILM))
    for i in range(5):
        rows.append(event(f"p1.rare{i}", 1 + i, days_ago=3, name="view_item", film_ref="un-film-rare"))
    for i in range(110):  # ticket buyers
        rows.append(event(f"p1.buy{i:03d}", 1 + i % 9, days_ago=10, name="purchase"))
    for i in range(120):  # regulars: 3 visits at 2 cinemas
        v = f"p1.reg{i:03d}"
        c = 1 + i % 9
        rows += [event(v, c, 5), event(v, c, 6), event(v, 1 + (c % 9), 7)]
    rows += [
        event("p1.twice", 1, 5),
        event("p1.twice", 1, 5, hour=13),
        event("p1.twice", 2, 6),
    ]  # 2 cinema-days
    rows.append(event("d.exempt", 1, 1, track="exempt"))
    rows.append(event("p1.robot", 1, 1, bot=1))
    rows.append(event("p1.suspended", 10, 1))  # a suspended cinema's visitor
    rows.append(event("p1.gone", 1, 2))
    rows += [
        event("p1.changed", 2, 9, purposes="measure,pool,partner:acme", hour=9),
        event("p1.changed", 2, 2, purposes="measure,pool", hour=10),
    ]
    insert(warehouse, rows)
    warehouse.insert_rows(
        "suppressions",
        ("visitor", "kind", "suppressed_at", "cinema_id"),
        [("p1.gone", "withdraw", datetime(2026, 11, 23, 10), 1)],
    )
    return warehouse


def test_default_segments_from_the_pooled_track_only(wh):
    steps = []
    report = builder(wh).build(progress=lambda done, total, what: steps.append((done, total, what)))
    by_key = {s.key: s for s in report.segments}
    audience = members(wh, report.build_id, "art-et-essai")
    assert {f"p1.fan{i:03d}" for i in range(150)} <= audience
    assert (
        not {"d.exempt", "p1.robot", "p1.suspended", "p1.gone"} & audience
    )  # exempt, bot, suspended, withdrawn
    assert not any(v.startswith("p1.film") for v in audience)  # 60 days ago
    assert by_key["art-et-essai"].published and by_key["art-et-essai"].cinemas == 9
    assert members(wh, report.build_id, f"film/{FILM}") == {f"p1.film{i:03d}" for i in range(120)}
    assert by_key[f"film/{FILM}"].published
    assert not by_key["film/un-film-rare"].published and by_key["film/un-film-rare"].refusal.startswith(
        "below_k"
    )
    assert len(members(wh, report.build_id, "acheteurs")) == 110 and by_key["acheteurs"].published
    regulars = members(wh, report.build_id, "habitues")
    assert regulars == {f"p1.reg{i:03d}" for i in range(120)}  # p1.twice: 2 visits (one cinema-day twice)
    assert by_key["habitues"].published
    assert {k for k in by_key if k.startswith("region/")} == {"region/FR-IDF"}
    assert {k for k in by_key if k.startswith("categorie/")} == {f"categorie/{c}" for c in "ABCDE"}
    jp = members(wh, report.build_id, "jeune-public")
    assert jp and all(v != "p1.suspended" for v in jp)
    assert [s[0] for s in steps] == list(range(len(steps))) and steps[-1][0] == steps[-1][1]
    assert 0 < abs(by_key["art-et-essai"].published_size - by_key["art-et-essai"].members) <= 20 or (
        by_key["art-et-essai"].published_size == by_key["art-et-essai"].members
    )


def test_each_visitor_s_latest_consent_and_suppressions(wh):
    report = builder(wh).build(only=["art-et-essai"])
    rows = dict(
        wh.query(
            f"SELECT visitor, purposes FROM {wh.database}.segment_visitors WHERE build_id = '{report.build_id}'"
        )
    )
    assert rows["p1.changed"] == "measure,pool"  # sharing with acme withdrawn later
    assert "p1.gone" not in rows and "d.exempt" not in rows


def test_guards_refuse_small_few_cinema_and_dominated_segments(wh):
    defs = (
        Segment("petit", 1, "Petit", lookback_days=30, cinema_categories=("E",)),  # cinema 9 only
        Segment("domine", 1, "Dominé", lookback_days=90, cinema_labels=("PR",)),
        Segment("large", 1, "Large", lookback_days=90),
    )
    report = builder(
        wh, defs, GuardPolicy(k=10, min_cinemas=3, max_cinema_share=0.5, credible_days=1)
    ).build()
    by_key = {s.key: s for s in report.segments}
    assert not by_key["petit"].published and "too_few_cinemas" in by_key["petit"].refusal
    assert "dominated" in by_key["domine"].refusal or "too_few_cinemas" in by_key["domine"].refusal
    assert by_key["large"].published and by_key["large"].refusal == ""
    recorded = wh.query(
        f"SELECT segment_key, published, refusal FROM {wh.database}.segment_builds WHERE build_id = '{report.build_id}'"
    )
    assert {(str(k), int(p)) for k, p, _ in recorded} == {(s.key, int(s.published)) for s in report.segments}


def test_a_dominant_cinema_is_refused(warehouse):
    migrate(warehouse)
    rows = [event(f"p1.big{i}", 1, 1) for i in range(80)]
    rows += [event(f"p1.small{i}", 2 + i % 3, 1) for i in range(30)]
    insert(warehouse, rows)
    report = builder(
        warehouse, (Segment("x", 1, "X"),), GuardPolicy(k=50, min_cinemas=3, credible_days=1)
    ).build()
    [seg] = report.segments
    assert not seg.published and seg.refusal.startswith("dominated: cinema 1 contributes 73%")


def test_a_changed_rule_needs_a_new_version(wh):
    seg = Segment("x", 1, "X", lookback_days=30)
    builder(wh, (seg,)).build()
    with pytest.raises(InvalidSegments, match="x: its rule changed since version 1 was built"):
        builder(wh, (replace(seg, lookback_days=60),)).build()
    builder(wh, (replace(seg, title="Nouveau titre"),)).build()  # wording only: same rule
    builder(wh, (replace(seg, lookback_days=60, version=2),)).build()
    with pytest.raises(InvalidSegments, match="nope: no such segment"):
        builder(wh, (seg,)).build(only=["nope"])


def test_old_snapshots_are_dropped_and_their_results_kept(wh):
    report = builder(wh).build(only=["art-et-essai"])
    assert drop_old_snapshots(wh, TODAY + timedelta(days=10), keep_days=35) == []
    dropped = drop_old_snapshots(wh, TODAY + timedelta(days=40), keep_days=35)
    assert sorted(dropped) == [f"segment_members:{TODAY}", f"segment_visitors:{TODAY}"]
    assert members(wh, report.build_id, "art-et-essai") == set()
    assert [e.key for e in latest(wh)] == ["art-et-essai"]


def _random_definitions(rng: random.Random, n: int) -> list[Segment]:
    names = ["page_view", "view_item", "select_item", "purchase"]
    out = []
    for i in range(n):
        out.append(
            Segment(
                f"r{i}",
                1,
                "Aléatoire",
                lookback_days=rng.choice([1, 7, 30, 90, 120]),
                events=tuple(rng.sample(names, rng.choice([0, 1, 2]))),
                min_visits=rng.choice([1, 1, 2, 3]),
                min_cinemas=rng.choice([1, 1, 2]),
                cinema_categories=tuple(rng.sample("ABCDE", rng.choice([0, 0, 2]))),
                cinema_labels=tuple(rng.sample(["RD", "JP", "PR"], rng.choice([0, 0, 1]))),
                regions=tuple(rng.sample(["FR-IDF", "FR-BRE", "FR-OCC"], rng.choice([0, 0, 1]))),
                films=tuple(rng.sample(["film-a", "film-b", FILM], rng.choice([0, 0, 1]))),
                per=rng.choice(["", "", "category"]),
            )
        )
    return out


def _mixed_events(wh, rng: random.Random) -> None:
    """900 events: 120 visitors, 0-130 days ago, several names, films, regions, bots. Visitors 0-59
    roam every cinema; visitors 60-119 keep to one (the builder's one-cinema statements)."""

    def cinema(v: int) -> int:
        return rng.randint(1, 10) if v < 60 else 1 + v % 10

    insert(
        wh,
        [
            event(
                f"p1.mix{v:03d}",
                cinema(v),
                days_ago=rng.randrange(131),
                name=rng.choice(["page_view", "view_item", "select_item", "purchase", "add_to_cart"]),
                film_ref=rng.choice(["", "film-a", "film-b", FILM]),
                region=rng.choice(["FR-IDF", "FR-BRE", "FR-OCC", ""]),
                bot=int(rng.random() < 0.05),
                hour=rng.randrange(24),
            )
            for v in (rng.randrange(120) for _ in range(900))
        ],
    )


def _member_rows(wh, build, order=sorted):
    return {
        (str(k), str(v), tuple(order(int(c) for c in cs)))
        for k, v, cs in wh.query(
            f"SELECT segment_key, visitor, cinemas FROM {wh.database}.segment_members WHERE build_id = '{build}'"
        )
    }


def test_a_build_finds_the_same_members_as_one_plain_query_per_definition(wh):
    """The builder's passes over its visitor table (events grouped by visitor once, packed with their
    flags; films and regions beside them as hashes; one-cinema visitors taken apart) against the
    plain one-query-per-definition SQL: the defaults and 60 random definitions, more distinct event
    conditions than one packed integer carries, with visit and cinema thresholds, per category, film
    and region."""
    rng = random.Random(20261124)
    _mixed_events(wh, rng)
    defs = [*load_segments()] + [
        replace(d, per=rng.choice(["", "", "category", "film", "region"]))
        for d in _random_definitions(rng, 60)
    ]
    assert len(layout(defs, CINEMAS).words) >= 2  # more distinct conditions than one packed integer
    report = builder(wh, defs).build()  # members are kept whether or not their segment is published
    db = wh.database
    for seg in defs:
        wh.execute(members_sql(db, "b-each", seg, CINEMAS, TODAY))
    built, each = _member_rows(wh, report.build_id, order=list), _member_rows(wh, "b-each")
    assert built == each and len(built) > 2000  # the builder's cinemas: distinct and in order
    sizes = {s.key: s.members for s in report.segments if s.members}
    assert sizes == Counter(k for k, _, _ in built)  # the guards' counts: one per member
    keys = {k for k, _, _ in built}
    assert {"art-et-essai", "habitues", "categorie/A", f"film/{FILM}", "film/film-a", "region/FR-BRE"} <= keys
    assert sum(1 for k, _, _ in built if k.startswith("r")) > 400  # the random rules select something
    strict = {d.id for d in defs if d.min_visits > 1 or d.min_cinemas > 1}
    assert any(k.split("/")[0] in strict for k in keys)  # the visit and cinema thresholds select some
    keeping_to_one = [cs for _, v, cs in built if v.startswith("p1.mix") and int(v[6:]) >= 60]
    assert len(keeping_to_one) > 300 and all(len(cs) == 1 for cs in keeping_to_one)


def test_two_builds_in_the_same_second_are_read_from_one_build_row(wh):
    """built_at has a one-second resolution: the catalog breaks ties by build id, so each segment's
    figures all come from the same build."""
    first = builder(wh).build(only=["art-et-essai"])
    insert(wh, [event(f"p1.late{i:03d}", 1 + i % 9, days_ago=1) for i in range(40)])
    second = builder(wh).build(only=["art-et-essai"])  # the same clock: the same built_at
    sizes = {r.build_id: {s.key: s.members for s in r.segments} for r in (first, second)}
    assert sizes[first.build_id]["art-et-essai"] + 40 == sizes[second.build_id]["art-et-essai"]
    entry = next(e for e in latest(wh) if e.key == "art-et-essai")
    assert entry.build_id == max(first.build_id, second.build_id)
    assert entry.members == sizes[entry.build_id]["art-et-essai"]


def test_values_of_one_dimension_sharing_a_hash_are_found(wh):
    """The split passes find each film or region by its 64-bit hash; the builder refuses to run on
    two values of one dimension with the same hash (`collisions_sql`), however unlikely."""
    wh.execute(
        "CREATE TEMPORARY TABLE seg_values ENGINE = Memory AS SELECT tupleElement(r, 1) AS dim, "
        "toUInt64(tupleElement(r, 2)) AS h, tupleElement(r, 3) AS value FROM system.one "
        "ARRAY JOIN [('film_ref', 7, 'film-a'), ('film_ref', 7, 'film-b'), ('region', 7, 'FR-IDF'), "
        "('film_ref', 8, 'film-c')] AS r"
    )
    try:
        [(dim, same)] = wh.query(collisions_sql("seg_values"))
        assert dim == "film_ref" and sorted(same) == ["film-a", "film-b"]
        wh.execute("DROP TEMPORARY TABLE seg_values")
        wh.execute(
            "CREATE TEMPORARY TABLE seg_values ENGINE = Memory AS SELECT 'film_ref' AS dim, "
            "cityHash64(v) AS h, v AS value FROM system.one ARRAY JOIN ['film-a', 'film-b'] AS v"
        )
        assert wh.query(collisions_sql("seg_values")) == []
    finally:
        wh.execute("DROP TEMPORARY TABLE IF EXISTS seg_values")


def test_during_a_rotation_a_person_counts_once_under_both_key_versions(wh):
    """A regular seen before a pooled-key rotation (p1.) and after it (p2.), linked by the collector:
    one member of the segment, under the newest pseudonym, with both cinemas (the rule needing two
    cinema-days only meets the person across the two versions)."""
    defs = (Segment("deux", 1, "Deux jours", lookback_days=30, min_visits=2),)
    insert(wh, [event("p1.before", 3, 10), event("p2.after", 4, 2)])
    before = builder(wh, defs, GuardPolicy(k=2, min_cinemas=1, max_cinema_share=1, credible_days=1)).build()
    assert not {"p1.before", "p2.after"} & members(wh, before.build_id, "deux")  # two people, one day each
    wh.insert_rows("visitor_links", ("visitor", "linked", "linked_on"), [("p2.after", "p1.before", TODAY)])
    later = SegmentBuilder(
        wh,
        lambda: CINEMAS,
        defs,
        GuardPolicy(k=2, min_cinemas=1, max_cinema_share=1, credible_days=1),
        clock=lambda: NOW + timedelta(seconds=1),
    ).build()
    got = members(wh, later.build_id, "deux")
    assert "p2.after" in got and "p1.before" not in got
    [(cinemas,)] = wh.query(
        f"SELECT cinemas FROM {wh.database}.segment_members WHERE build_id = '{later.build_id}' AND visitor = 'p2.after'"
    )
    assert sorted(cinemas) == [3, 4]


def test_of_two_builds_in_one_second_the_later_is_the_latest(wh):
    instants = iter(NOW.replace(microsecond=m) for m in range(1000, 21_000, 1000))
    for _ in range(10):  # the build id's random part once broke such ties either way
        b = SegmentBuilder(
            wh,
            lambda: CINEMAS,
            load_segments(),
            GuardPolicy(credible_days=1),
            clock=lambda: next(instants),
            noise=EXACT,
        )
        b.build(only=["art-et-essai"])
        second = b.build(only=["art-et-essai"])
        assert {e.key: e.build_id for e in latest(wh)}["art-et-essai"] == second.build_id


def test_builds_started_at_once_run_one_after_the_other(wh):
    """The nightly job and a build started from the console at the same moment: each would draw a
    noisy release of the same count; they run one after the other, whichever builder starts them."""
    import threading

    steps: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        builder(wh).build(only=["art-et-essai"], progress=lambda *_: steps.append(threading.get_ident()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, second = steps[0], next(s for s in steps if s != steps[0])
    assert len(set(steps)) == 2
    assert steps == [first] * steps.count(first) + [second] * steps.count(second)  # never interleaved
