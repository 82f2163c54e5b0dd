"""The segment builder: one build snapshots, in ClickHouse, every pooled visitor's consent as it
stands and the members of every segment, then publishes the segments that pass the privacy guards.

A build is identified by `build_id`; its rows are never changed afterwards, so exports and deltas
refer to a fixed snapshot. Withdrawn and erased visitors (`suppressions`) are left out of each build.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from segments.definitions import InvalidSegments, Segment
from segments.guards import GuardPolicy, SegmentStats, noisy_count, refusals
from segments.rules import CinemaInfo, contributions_sql
from segments.visitor_table import (
    collisions_sql,
    layout,
    shared_pass_sqls,
    split_pass_sqls,
    table_sql,
    values_table_sql,
    visitors_sql,
)
from warehouse.backend import Warehouse, WarehouseError

Progress = Callable[[int, int, str], None]  # (done, total, what)
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
class BuildReport:
    build_id: str
    built_at: datetime
    segments: tuple[BuiltSegment, ...] = field(default_factory=tuple)

    @property
    def published(self) -> list[BuiltSegment]:
        return [s for s in self.segments if s.published]


def new_build_id(now: datetime) -> str:
    return "b" + now.strftime("%Y%m%d%H%M%S") + secrets.token_hex(3)


# Noise is drawn once per build and segment from the system's CSPRNG and stored with the build:
# asking again returns the stored figure, so repeated questions cannot average the noise away, and
# nothing public (such as the build id) lets anyone recompute it.
_NOISE = random.SystemRandom()


class SegmentBuilder:
    def __init__(
        self,
        wh: Warehouse,
        cinemas: Callable[[], Sequence[CinemaInfo]],
        definitions: Sequence[Segment],
        policy: GuardPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.wh = wh
        self.cinemas = cinemas
        self.definitions = tuple(definitions)
        self.policy = policy
        self.clock = clock

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
        chosen = [s for s in self.definitions if not only or s.id in only]
        unknown = sorted(set(only) - {s.id for s in self.definitions})
        if unknown:
            raise InvalidSegments([f"{u}: no such segment" for u in unknown])
        self.check_versions()
        now = self.clock().replace(microsecond=0)
        today: date = now.date()
        build_id = new_build_id(now)
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
        self.wh.execute(table_sql(table, db, lay, today, longest, linked=int(links) > 0))
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
        say(steps - 1, steps, "privacy guards")
        counts: dict[str, int] = defaultdict(int)
        contrib: dict[str, dict[int, float]] = defaultdict(dict)
        for key, cinema, share, firsts in self.wh.query(contributions_sql(db, build_id)):
            contrib[str(key)][int(cinema)] = float(share)
            counts[str(key)] += int(firsts)
        by_id = {s.id: s for s in chosen}
        for seg in chosen:  # a segment without members is recorded too (and refused: below k)
            if not seg.per:
                counts.setdefault(seg.id, 0)
        built = []
        for key in sorted(counts):
            seg = by_id[key.split("/", 1)[0]]
            stats = SegmentStats(key, counts[key], contrib.get(key, {}))
            reasons = refusals(stats, self.policy)
            total = sum(stats.contributions.values())
            top = max(stats.contributions.values(), default=0.0) / total if total else 0.0
            published = not reasons
            built.append(
                BuiltSegment(
                    key=key,
                    segment_id=seg.id,
                    members=stats.members,
                    cinemas=sum(1 for v in stats.contributions.values() if v > 0),
                    top_share=round(top, 4),
                    published=published,
                    published_size=noisy_count(stats.members, self.policy, _NOISE) if published else 0,
                    refusal="; ".join(str(r) for r in reasons),
                )
            )
        self._record(build_id, now, built, by_id)
        say(steps, steps, f"done: {sum(b.published for b in built)} published of {len(built)}")
        return BuildReport(build_id, now, tuple(built))

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
