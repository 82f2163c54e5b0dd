"""Published sizes as a differentially private release (segments/release.py): OpenDP's discrete
Laplace mechanism, releases that stick until the count changes, a noisy threshold, budgets."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from artaud.segments.release import NoisePolicy, Release, decide, opendp_noise

NOW = datetime(2026, 11, 29, 5, tzinfo=UTC)
POLICY = NoisePolicy(epsilon=1.0, delta=1e-6, budget_segment=5.0, budget_person=8.0)


def run(exact, history=None, person_spent=0.0, worst=1, policy=POLICY, noise=None, now=NOW):
    return {
        o.key: o
        for o in decide(
            exact=exact,
            eligible={key: True for key in exact},
            history=history or {},
            person_spent=person_spent,
            worst_person=lambda keys: worst if keys else 0,
            policy=policy,
            k=100,
            now=now,
            noise=noise or opendp_noise(policy.epsilon),
        )
    }


def test_the_opendp_mechanism_has_the_scale_it_is_accounted_for():
    draw = opendp_noise(0.5)
    noise = [draw(1000) - 1000 for _ in range(20_000)]
    assert abs(statistics.mean(noise)) < 0.1
    # the discrete Laplace of scale 2: mean absolute deviation close to 2
    assert 1.8 < statistics.mean(abs(n) for n in noise) < 2.2


def test_an_unchanged_count_is_not_released_again_so_builds_cannot_be_averaged():
    """The attack: the median of 40 builds' published sizes was the exact size. Now the 40 builds of
    an unchanged segment publish one draw 40 times, and spend ε once."""
    history: dict[str, list[Release]] = {}
    sizes = []
    for day in range(40):
        out = run({"s": 500}, history, now=NOW + timedelta(days=day))["s"]
        if out.release:
            history.setdefault("s", []).append(out.release)
        sizes.append(out.size)
    assert len(set(sizes)) == 1 and len(history["s"]) == 1


def test_a_changed_count_is_released_and_spends_until_the_segment_budget_is_spent():
    history: dict[str, list[Release]] = {}
    released = 0
    for day in range(10):
        out = run({"s": 500 + day}, history, noise=lambda n: n + 7, now=NOW + timedelta(days=day))["s"]
        if out.release:
            history.setdefault("s", []).append(out.release)
            released += 1
            assert out.size == 507 + day and not out.stale
        else:
            assert out.stale and out.size == history["s"][-1].size  # the last release stands
    assert released == 5  # budget 5 at ε = 1
    # a year later the old releases have left the window
    assert run({"s": 999}, history, noise=lambda n: n, now=NOW + timedelta(days=400))["s"].release is not None


def test_the_worst_case_persons_budget_stops_a_builds_releases():
    out = run({"a": 500, "b": 600}, person_spent=7.0, worst=2, noise=lambda n: n)
    assert all(o.release is None and o.stale for o in out.values())  # 7 + 2 > 8
    out = run({"a": 500, "b": 600}, person_spent=6.0, worst=2, noise=lambda n: n)
    assert all(o.release is not None for o in out.values())


def test_publication_is_decided_on_the_noisy_size():
    assert POLICY.threshold(100) == 100 + 14  # ln(1 / 2e-6) = 13.1
    assert not run({"s": 120}, noise=lambda n: n - 10)["s"].published  # 110 < 114
    assert run({"s": 120}, noise=lambda n: n)["s"].published
    # below k, never, whatever the draw
    assert not run({"s": 99}, noise=lambda n: n + 50)["s"].published
    # with the real mechanism a count below k is published with probability at most delta
    draw = opendp_noise(1.0)
    assert sum(run({"s": 99}, noise=draw)["s"].published for _ in range(2000)) == 0


@pytest.mark.parametrize(
    "bad", [{"epsilon": 0}, {"delta": 0.6}, {"budget_segment": 0.5}, {"budget_person": 0.1}]
)
def test_noise_policies_are_validated(bad):
    with pytest.raises(ValueError):
        NoisePolicy(**bad)
