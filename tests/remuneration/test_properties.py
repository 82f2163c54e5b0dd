"""What holds for every policy on any inputs (hypothesis): the amounts sum exactly to the pot, each is
its exact share rounded down or up, floor and cap hold, the input's order does not matter, and
raising one cinema's contribution never lowers its share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from math import ceil, floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.remuneration.distribution import Distribution, distribute
from artaud.remuneration.errors import Undistributable
from artaud.remuneration.inputs import CATEGORIES, Participant
from artaud.remuneration.money import fee_cents
from artaud.remuneration.policies import Mutualist, Policy, ProRata, ProRataBounded, Solidarity

POLICY_IDS = ("pro_rata", "pro_rata_bounded", "mutualist", "solidarity")


@dataclass(frozen=True)
class Case:
    cinemas: list[Participant]
    payment: int
    rate: Fraction
    policy: Policy

    def run(self, cinemas: list[Participant] | None = None) -> Distribution:
        return distribute(self.cinemas if cinemas is None else cinemas, self.payment, self.rate, self.policy)


@st.composite
def participants(draw: st.DrawFn) -> list[Participant]:
    cncs = draw(st.lists(st.integers(1, 9_999_999), min_size=1, max_size=8, unique=True))
    with_days = draw(st.booleans())
    out = [
        Participant(
            str(cnc),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.fractions(min_value=0, max_value=10**6, max_denominator=24)),
            draw(st.integers(0, 60)) if with_days else None,
        )
        for cnc in cncs
    ]
    # every policy refuses an audience or days that are all zero (tested apart): keep one of each
    if all(p.contribution == 0 for p in out):
        out[0] = replace(out[0], contribution=Fraction(1))
    if with_days and all(p.days == 0 for p in out):
        out[0] = replace(out[0], days=1)
    return out


@st.composite
def cases(draw: st.DrawFn, policy_id: str | None = None) -> Case:
    cinemas = draw(participants())
    payment = draw(st.integers(0, 10**9))
    rate = draw(st.fractions(min_value=0, max_value=Fraction(999, 1000), max_denominator=1000))
    pot, n = payment - fee_cents(payment, rate), len(cinemas)
    chosen = policy_id or draw(st.sampled_from(POLICY_IDS))
    policy: Policy
    if chosen == "pro_rata":
        policy = ProRata()
    elif chosen == "pro_rata_bounded":
        # feasible bounds: floor·N ≤ pot ≤ cap·N (infeasible ones: test_bounds_are_refused_exactly_…)
        low = draw(st.integers(0, pot // n))
        cap = draw(st.one_of(st.none(), st.integers(max(low, ceil(Fraction(pot, n))), pot + 1000)))
        policy = ProRataBounded(floor_cents=low, cap_cents=cap)
    elif chosen == "mutualist":
        policy = Mutualist(alpha=draw(st.fractions(min_value=0, max_value=1, max_denominator=100)))
    else:
        k = st.fractions(min_value=Fraction(1, 10), max_value=5, max_denominator=10)
        policy = Solidarity(coefficients={c: draw(k) for c in CATEGORIES})
    return Case(cinemas, payment, rate, policy)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_amounts_sum_exactly_to_the_pot_and_each_is_its_exact_share_rounded(case: Case) -> None:
    d = case.run()
    assert d.fee_cents + d.pot_cents == case.payment
    assert d.fee_cents == floor(case.payment * case.rate + Fraction(1, 2))
    assert sum(d.exact_shares.values()) == d.pot_cents
    assert sum(d.amounts.values()) == d.pot_cents
    assert set(d.amounts) == {c.cinema for c in case.cinemas}
    for cnc, cents in d.amounts.items():
        assert cents >= 0
        assert cents in (floor(d.exact_shares[cnc]), ceil(d.exact_shares[cnc]))


@settings(max_examples=200, deadline=None)
@given(cases("pro_rata_bounded"))
def test_floor_and_cap_hold_on_every_amount(case: Case) -> None:
    assert isinstance(case.policy, ProRataBounded)
    d = case.run()
    cap = case.policy.cap_cents
    for cnc, cents in d.amounts.items():
        assert case.policy.floor_cents <= d.exact_shares[cnc] and case.policy.floor_cents <= cents
        if cap is not None:
            assert d.exact_shares[cnc] <= cap and cents <= cap


@settings(max_examples=200, deadline=None)
@given(cases("pro_rata_bounded"))
def test_bounded_shares_are_pro_rata_among_the_unclamped(case: Case) -> None:
    """The fixed point the iteration seeks: one level λ with s_i = clamp(λ·a_i, floor, cap)."""
    assert isinstance(case.policy, ProRataBounded)
    d = case.run()
    low = case.policy.floor_cents
    high = case.policy.cap_cents if case.policy.cap_cents is not None else float("inf")
    by_cnc = {c.cinema: c.contribution for c in case.cinemas}
    between = [cnc for cnc, s in d.exact_shares.items() if low < s < high and by_cnc[cnc] > 0]
    if not between:
        return  # all at a bound: nothing proportional to check
    level = d.exact_shares[between[0]] / by_cnc[between[0]]
    for cnc, a in by_cnc.items():
        if a > 0:
            assert d.exact_shares[cnc] == min(high, max(low, level * a)), cnc


@settings(max_examples=200, deadline=None)
@given(cases(), st.data())
def test_the_order_of_the_cinemas_changes_nothing(case: Case, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(case.cinemas))
    assert case.run(shuffled) == case.run()


@settings(max_examples=200, deadline=None)
@given(cases(), st.data())
def test_raising_a_contribution_never_lowers_that_cinemas_share(case: Case, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(case.cinemas) - 1))
    extra = data.draw(st.fractions(min_value=Fraction(1, 24), max_value=10**5, max_denominator=24))
    raised = list(case.cinemas)
    raised[i] = replace(raised[i], contribution=raised[i].contribution + extra)
    before, after = case.run(), case.run(raised)
    cnc = case.cinemas[i].cinema
    assert after.exact_shares[cnc] >= before.exact_shares[cnc]
    assert after.amounts[cnc] >= before.amounts[cnc]
    assert after.inputs_sha256 != before.inputs_sha256


@settings(max_examples=200, deadline=None)
@given(
    participants(), st.integers(0, 10**6), st.integers(0, 10**6), st.one_of(st.none(), st.integers(0, 10**6))
)
def test_bounds_are_refused_exactly_when_infeasible(
    cinemas: list[Participant], pot: int, low: int, cap: int | None
) -> None:
    if cap is not None and cap < low:
        cap = low
    policy = ProRataBounded(floor_cents=low, cap_cents=cap)
    n = len(cinemas)
    infeasible = low * n > pot or (cap is not None and cap * n < pot)
    if infeasible:
        with pytest.raises(Undistributable):
            distribute(cinemas, pot, Fraction(0), policy)
    else:
        assert sum(distribute(cinemas, pot, Fraction(0), policy).amounts.values()) == pot
