"""The segment builder: one build snapshots, in ClickHouse, every pooled visitor's consent as it
stands and the members of every segment, then publishes the segments that pass the privacy guards.

A build is identified by `build_id`; its rows are never changed afterwards, so exports and deltas
refer to a fixed snapshot. Withdrawn and erased visitors (`suppressions`) are left out of each build.
"""

from __future__ import annotations

import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from artaud.collector.salts import local_day
from artaud.segments.definitions import InvalidSegments, Segment
from artaud.segments.guards import GuardPolicy, SegmentStats, refusals
from artaud.segments.release import WINDOW, NoisePolicy, Outcome, Release, decide, opendp_noise
from artaud.segments.rules import CinemaInfo, contributions_sql, partner_view_sql, worst_person_sql
from artaud.segments.visitor_table import (
    collisions_sql,
    layout,
    shared_pass_sqls,
    split_pass_sqls,
    table_sql,
    values_table_sql,
    visitors_sql,
)
from artaud.warehouse.backend import Warehouse, WarehouseError
from artaud.warehouse.sql import to_datetime

Progress = Callable[[int, int, str], None]  # (done, total, what)
ONE_BUILD = threading.Lock()  # every builder of this process: one build at a time
BUILD_COLUMNS = (
    "build_id",
    "built_at",
    "segment_id",
    "segment_version",
    "rule_hash",
    "segment_key",
    "members",
    "cinemas",
    "top_share",
    "published",
    "published_size",
    "refusal",
)


@dataclass(frozen=True)
class BuiltSegment:
    key: str
    segment_id: str
    members: int
    cinemas: int
    top_share: float
    published: bool
    published_size: int  # noisy count shown to partners; 0 when not published
    refusal: str


@dataclass(frozen=True)
class BuiltView:
    """A partner's view of a published segment: the members an export to it would hold."""

    key: str
    partner: str
    members: int  # exact: the SCARE's staff only
    published: bool
    published_size: int  # the size the partner is told; 0 when not published (not listed)
    refusal: str


@dataclass(frozen=True)
class BuildReport:
    build_id: str
    built_at: datetime
    segments: tuple[BuiltSegment, ...] = field(default_factory=tuple)
    views: tuple[BuiltView, ...] = field(default_factory=tuple)

    @property
    def published(self) -> list[BuiltSegment]:
        return [s for s in self.segments if s.published]


def new_build_id(now: datetime) -> str:
    # to the microsecond, so that of two builds in one second the later one sorts last (`latest`)
    return "b" + now.strftime("%Y%m%d%H%M%S%f") + secrets.token_hex(2)


class SegmentBuilder:
    def __init__(
        self,
        wh: Warehouse,
        cinemas: Callable[[], Sequence[CinemaInfo]],
        definitions: Sequence[Segment],
        policy: GuardPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        noise: NoisePolicy | None = None,
        draw: Callable[[int], int] | None = None,
        partners: Callable[[], Sequence[tuple[str, int]]] = tuple,
    ) -> None:
        self.wh = wh
        self.partners = partners  # the active partners: (slug, their destination's minimum audience)
        self.cinemas = cinemas
        self.definitions = tuple(definitions)
        self.policy = policy
        self.clock = clock
        self.noise = noise or NoisePolicy(epsilon=policy.epsilon)
        self._noise: Callable[[int], int] | None = draw  # tests give a known draw; else OpenDP's

    def check_versions(self) -> None:
        """A definition whose rule changed must carry a new version (its old builds stay comparable)."""
        db = self.wh.database
        rows = self.wh.query(
            f"SELECT DISTINCT segment_id, segment_version, rule_hash FROM {db}.segment_builds"
        )
        built = {(str(r[0]), int(r[1])): str(r[2]) for r in rows}
        problems = [
            f"{s.id}: its rule changed since version {s.version} was built; give it version {s.version + 1}"
            for s in self.definitions
            if built.get((s.id, s.version), s.rule_hash) != s.rule_hash
        ]
        if problems:
            raise InvalidSegments(problems)

    def build(self, only: Sequence[str] = (), progress: Progress | None = None) -> BuildReport:
        """Build `only` (every segment when empty). Builds of one process run one after the other,
        whoever starts them (the nightly job, the console, the command line through the service):
        two at once would each draw a noisy release of the same count."""
        with ONE_BUILD:
            return self._build(only, progress)

    def _build(self, only: Sequence[str], progress: Progress | None) -> BuildReport:
        chosen = [s for s in self.definitions if not only or s.id in only]
        unknown = sorted(set(only) - {s.id for s in self.definitions})
        if unknown:
            raise InvalidSegments([f"{u}: no such segment" for u in unknown])
        self.check_versions()
        instant = self.clock()
        now = instant.replace(microsecond=0)
        today: date = local_day(now)  # the cinemas' day, as event_date
        build_id = new_build_id(instant)
        db = self.wh.database
        cinemas = list(self.cinemas())
        lay = layout(chosen, cinemas)
        passes = lay.passes()
        steps = 2 + len(passes) + len(lay.splits) + 1
        say = progress or (lambda done, total, what: None)
        longest = max((s.lookback_days for s in chosen), default=1)
        table, values = f"segment_work_{build_id}", f"segment_values_{build_id}"  # this session's only
        say(0, steps, "pooled visitors, grouped once")
        [(links,)] = self.wh.query(f"SELECT count() FROM {db}.visitor_links")  # a rotation under way
        self.wh.execute(
            table_sql(
                table, db, lay, today, longest, linked=int(links) > 0, credible_days=self.policy.credible_days
            )
        )
        try:
            say(1, steps, "consent of every pooled visitor")
            self.wh.execute(visitors_sql(table, db, build_id, today))
            done = 2
            for w, targets in passes:
                say(done, steps, "segments " + ", ".join(dict.fromkeys(t.seg.id for t in targets)))
                for sql in shared_pass_sqls(table, db, build_id, lay, w, targets, today):
                    self.wh.execute(sql)
                done += 1
            if lay.splits:
                self.wh.execute(values_table_sql(values, db, lay, today, longest))
                for dim, same in self.wh.query(collisions_sql(values)):  # never seen; never guessed either
                    raise WarehouseError(
                        f"{dim}: {', '.join(same)} share a 64-bit hash; this build cannot tell them apart"
                    )
            for split in lay.splits:
                say(done, steps, f"segment {split.seg.id}")
                for sql in split_pass_sqls(table, values, db, build_id, lay, split, today):
                    self.wh.execute(sql)
                done += 1
        finally:
            for name in (table, values):
                self.wh.execute(f"DROP TEMPORARY TABLE IF EXISTS {name}")
        say(steps - 1, steps, "privacy guards and the published sizes")
        counts: dict[str, int] = defaultdict(int)
        contrib: dict[str, dict[int, float]] = defaultdict(dict)
        for key, cinema, share, firsts in self.wh.query(contributions_sql(db, build_id)):
            contrib[str(key)][int(cinema)] = float(share)
            counts[str(key)] += int(firsts)
        by_id = {s.id: s for s in chosen}
        for seg in chosen:  # a segment without members is recorded too (and refused: below k)
            if not seg.per:
                counts.setdefault(seg.id, 0)
        stats = {key: SegmentStats(key, counts[key], contrib.get(key, {})) for key in counts}
        reasons = {key: refusals(st, self.policy) for key, st in stats.items()}
        outcomes = {
            o.key: o
            for o in decide(
                exact=counts,
                eligible={key: all(r.code == "below_k" for r in rs) for key, rs in reasons.items()},
                history=self._releases(now),
                person_spent=self._person_spent(now),
                worst_person=lambda keys: self._worst_person(build_id, keys),
                policy=self.noise,
                k=self.policy.k,
                now=now,
                noise=self._draw,
            )
        }
        built = []
        for key in sorted(counts):
            seg, st, o = by_id[key.split("/", 1)[0]], stats[key], outcomes[key]
            total = sum(st.contributions.values())
            top = max(st.contributions.values(), default=0.0) / total if total else 0.0
            why = [str(r) for r in reasons[key]]
            if not o.published and not why:
                why.append(
                    f"below_threshold: the noisy size must reach {self.noise.threshold(self.policy.k)}"
                )
            built.append(
                BuiltSegment(
                    key=key,
                    segment_id=seg.id,
                    members=st.members,
                    cinemas=sum(1 for v in st.contributions.values() if v > 0),
                    top_share=round(top, 4),
                    published=o.published,
                    published_size=o.size,
                    refusal="; ".join(why) + ("; stale: privacy budget spent" if o.stale else ""),
                )
            )
        made = [o for o in outcomes.values() if o.release is not None]
        self._record_releases(
            build_id, now, made, lambda: self._worst_person(build_id, [o.key for o in made])
        )
        self._record(build_id, now, built, by_id)
        views = self._views(build_id, now, [b.key for b in built if b.published])
        say(steps, steps, f"done: {sum(b.published for b in built)} published of {len(built)}")
        return BuildReport(build_id, now, tuple(built), tuple(views))

    # -- each partner's view of the published segments ---------------------------------------------
    def _views(self, build_id: str, now: datetime, keys: list[str]) -> list[BuiltView]:
        """What each active partner may be told of each published segment: the members an export to
        it would hold (rules.exportable_sql), under the same guards and released the same way as a
        segment's size (key "<segment key>@<partner>": sticky, thresholded, within the budgets; this
        build's segment releases are already spent). A view not published is not listed."""
        partners = list(self.partners())
        if not partners or not keys:
            return []
        db = self.wh.database
        exact: dict[str, int] = {}
        contrib: dict[str, dict[int, float]] = {}
        of: dict[str, tuple[str, str, int]] = {}  # view key -> (segment key, partner, its minimum)
        for slug, minimum in partners:
            for key in keys:
                view = f"{key}@{slug}"
                exact[view], contrib[view], of[view] = 0, {}, (key, slug, minimum)
            for key, cinema, share, firsts in self.wh.query(partner_view_sql(db, build_id, slug, keys)):
                view = f"{key}@{slug}"
                contrib[view][int(cinema)] = float(share)
                exact[view] += int(firsts)
        reasons = {v: refusals(SegmentStats(v, exact[v], contrib[v]), self.policy, of[v][2]) for v in exact}

        def worst(views: list[str]) -> int:
            return self._worst(build_id, [], [(of[v][0], of[v][1]) for v in views])

        outcomes = decide(
            exact=exact,
            eligible={v: all(r.code == "below_k" for r in rs) for v, rs in reasons.items()},
            history=self._releases(now),
            person_spent=self._person_spent(now),
            worst_person=worst,
            policy=self.noise,
            k=self.policy.k,
            now=now,
            noise=self._draw,
        )
        out = []
        for o in outcomes:
            key, slug, minimum = of[o.key]
            floor = max(self.policy.k, minimum)  # the partner's own minimum binds its view too
            published = o.published and exact[o.key] >= floor and o.size >= self.noise.threshold(floor)
            why = [str(r) for r in reasons[o.key]]
            if not published and not why:
                why.append(f"below_threshold: the noisy size must reach {self.noise.threshold(floor)}")
            out.append(
                BuiltView(
                    key,
                    slug,
                    exact[o.key],
                    published,
                    o.size if published else 0,
                    "; ".join(why) + ("; stale: privacy budget spent" if o.stale else ""),
                )
            )
        made = [o for o in outcomes if o.release is not None]
        self._record_releases(build_id, now, made, lambda: worst([o.key for o in made]))
        at = now.replace(tzinfo=None)
        self.wh.insert_rows(
            "partner_views",
            (
                "build_id",
                "built_at",
                "segment_key",
                "partner_slug",
                "members",
                "published",
                "published_size",
                "refusal",
            ),
            [
                (build_id, at, v.key, v.partner, v.members, int(v.published), v.published_size, v.refusal)
                for v in out
            ],
        )
        return out

    # -- the differentially private releases (segments/release.py) ----------------------------------
    def _draw(self, count: int) -> int:
        if self._noise is None:
            self._noise = opendp_noise(self.noise.epsilon)
        return self._noise(count)

    def _releases(self, now: datetime) -> dict[str, list[Release]]:
        since = (now - WINDOW).replace(tzinfo=None)
        rows = self.wh.query(
            f"SELECT segment_key, exact, size, toString(released_at), epsilon FROM {self.wh.database}.segment_releases "
            f"WHERE released_at >= {to_datetime(since)} "
            "ORDER BY segment_key, released_at"
        )
        out: dict[str, list[Release]] = defaultdict(list)
        for key, exact, size, at, eps in rows:
            when = datetime.strptime(str(at), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            out[str(key)].append(Release(str(key), int(exact), int(size), when, float(eps)))
        return out

    def _person_spent(self, now: datetime) -> float:
        since = (now - WINDOW).replace(tzinfo=None)
        [(total,)] = self.wh.query(
            f"SELECT sum(person_epsilon) FROM {self.wh.database}.privacy_spend "
            f"WHERE spent_at >= {to_datetime(since)}"
        )
        return float(total or 0)

    def _worst_person(self, build_id: str, keys: list[str]) -> int:
        """How many of `keys` the member in the most of them is in (the worst-case person's count)."""
        return self._worst(build_id, keys, [])

    def _worst(self, build_id: str, keys: list[str], views: list[tuple[str, str]]) -> int:
        if not keys and not views:
            return 0
        [(worst,)] = self.wh.query(worst_person_sql(self.wh.database, build_id, keys, views))
        return int(worst or 0)

    def _record_releases(
        self, build_id: str, now: datetime, made: list[Outcome], worst: Callable[[], int]
    ) -> None:
        if not made:
            return
        at = now.replace(tzinfo=None)
        self.wh.insert_rows(
            "segment_releases",
            ("released_at", "build_id", "segment_key", "exact", "size", "epsilon"),
            [
                (at, build_id, o.key, o.release.exact, o.release.size, o.release.epsilon)
                for o in made
                if o.release
            ],
        )
        self.wh.insert_rows(
            "privacy_spend",
            ("spent_at", "build_id", "person_epsilon"),
            [(at, build_id, worst() * self.noise.epsilon)],
        )

    def _record(
        self, build_id: str, now: datetime, built: list[BuiltSegment], by_id: dict[str, Segment]
    ) -> None:
        at = now.replace(tzinfo=None)
        self.wh.insert_rows(
            "segment_builds",
            BUILD_COLUMNS,
            [
                (
                    build_id,
                    at,
                    b.segment_id,
                    by_id[b.segment_id].version,
                    by_id[b.segment_id].rule_hash,
                    b.key,
                    b.members,
                    b.cinemas,
                    b.top_share,
                    int(b.published),
                    b.published_size,
                    b.refusal,
                )
                for b in built
            ],
        )
