"""Property: whatever steps the ingesters die after, and whoever joins the group meanwhile, each event
is stored exactly once and each poison message is dead-lettered.

A process dies (kill -9) right after any step of the protocol (a poll that returned records, a range
recorded pending, an insert landed, a range recorded inserted, a commit) and is restarted; members
join at random rounds. The forwarder's replays (a spool batch re-sent after a crash, with the
`replay` header) are on the topic too. Time moves a quarter of a second per round, so batches also
wait in the buffers across polls and rebalances.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.ingest.world import Crash, World

ROUNDS = 400


@st.composite
def topics(draw):
    """Per partition, each message in topic order: an event, a poison message, or an event the
    forwarder sent twice (the copy, later on the partition, with the `replay` header)."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(0, 20))
        kinds = draw(
            st.lists(st.sampled_from(["event", "event", "event", "poison", "replay"]), min_size=n, max_size=n)
        )
        parts.append(kinds)
    return parts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=topics(),
    batch_rows=st.integers(1, 30),
    batch_seconds=st.sampled_from([0.0, 0.5, 1.0]),  # records wait in the buffers across rounds
    max_poll_records=st.integers(1, 12),
    crash_gaps=st.lists(st.integers(1, 12), min_size=1, max_size=4),  # steps from one crash to the next
    joins=st.sets(st.integers(1, 4), max_size=2),  # rounds at which a member joins
    warm_rows=st.sampled_from([0, 500_000]),
)
def test_every_event_is_stored_exactly_once_whatever_the_crash_points(
    layout, batch_rows, batch_seconds, max_poll_records, crash_gaps, joins, warm_rows
):
    crash_at = {sum(crash_gaps[: i + 1]) for i in range(len(crash_gaps))}
    w = World(
        len(layout),
        crash_at=crash_at,
        warm_rows=warm_rows,
        max_poll_records=max_poll_records,
        batch_rows=batch_rows,
        batch_seconds=batch_seconds,
        max_poison_ratio=1.0,  # never stop: this is about where the records go
    )
    ids: list[str] = []
    poison: set[tuple[int, int]] = set()
    for p, kinds in enumerate(layout):
        for i, kind in enumerate(kinds):
            if kind == "poison":
                poison.add((p, w.poison(p).offset))
                continue
            [eid] = w.events(1, p, prefix=f"x{i}-")
            ids.append(eid)
            if kind == "replay":  # sent, then sent again after the forwarder lost its checkpoint
                w.events(1, p, prefix=f"x{i}-", headers=[("replay", b"writer:1:0-99")])

    members = [w.start()]
    settled = 0
    for n in range(ROUNDS):
        if n in joins:
            members.append(w.start())
        for m in list(members):
            try:
                m.poll_once(0)
            except Crash:
                w.crash(m)
                members.remove(m)
                members.append(w.start())  # restarted by its supervisor
        w.now += 0.25
        # once all is inserted the members go on polling for a while, as they would: whatever a
        # restarted or rebalanced member reads again must not be stored again
        settled = settled + 1 if w.done() else 0
        if settled > 5:
            break
    else:
        raise AssertionError(f"not done after {ROUNDS} rounds; last steps {w.plan.journal[-8:]}")

    event(f"crashes: {len({n for n in crash_at if n <= w.plan.steps})}")
    event(f"members: {len(joins) + 1}")
    stored = w.wh.stored()
    assert set(stored) == set(ids), set(ids) ^ set(stored)
    assert [e for e, k in stored.items() if k > 1] == []
    assert {(p, o) for p, o, _ in w.letters} == poison
