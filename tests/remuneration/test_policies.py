"""The four policies on examples worked by hand, their refusals, and their records read back."""

from __future__ import annotations

from fractions import Fraction

import pytest

from artaud.remuneration.distribution import distribute
from artaud.remuneration.errors import InvalidContributions, InvalidPolicy, Undistributable
from artaud.remuneration.policies import (
    POLICIES,
    Mutualist,
    Policy,
    ProRata,
    ProRataBounded,
    Solidarity,
    policy_of,
)
from tests.remuneration.helpers import cinemas

EQUAL = {k: Fraction(1) for k in "ABCDE"}


def amounts(policy: Policy, pot: int, *contributions: int | str, **kwargs: object) -> list[int]:
    """The cents of cinemas 1, 2, … when the whole payment is the pot (no fee)."""
    d = distribute(cinemas(*contributions, **kwargs), pot, Fraction(0), policy)  # type: ignore[arg-type]
    assert d.pot_cents == pot
    return list(d.amounts.values())


def test_pro_rata_by_hand() -> None:
    assert amounts(ProRata(), 1000, 1, 1, 2) == [250, 250, 500]
    # 100 cents in thirds: 33 each and the cent left to the smallest CNC number
    assert amounts(ProRata(), 100, 1, 1, 1) == [34, 33, 33]
    # 1 000 cents for 7, 3.5 and 2.5 visitors (13 in all): 538,46…, 269,23…, 192,30…; 999 after the
    # floors, the cent left to the largest remainder (0,46)
    assert amounts(ProRata(), 1000, 7, "3.5", "2.5") == [539, 269, 192]


def test_bounded_by_hand() -> None:
    # pro rata would give 100, 200, 1 000 and 8 700: the last is capped at 4 000, the first two are
    # raised to the floor of 1 000, and the 4 000 left all go to the one cinema still in between
    assert amounts(ProRataBounded(floor_cents=1000, cap_cents=4000), 10000, 1, 2, 10, 87) == [
        1000,
        1000,
        4000,
        4000,
    ]
    # without a floor, the capped one's excess goes pro rata to the others: 6 000 for 1, 2 and 10 would
    # put the third at 4 615, over the cap too; capped in turn, it leaves 2 000 for the first two, 1:2
    assert amounts(ProRataBounded(cap_cents=4000), 10000, 1, 2, 10, 87) == [667, 1333, 4000, 4000]


def test_bounded_releases_a_cap_that_the_floors_made_moot() -> None:
    """Pro rata gives 10, 10, 10, 70: the first round floors three cinemas at 20 and caps the fourth at
    45, which sums to 105. Clamping that never releases would be stuck; the right answer leaves the
    fourth between its bounds with the 40 cents the floors leave."""
    assert amounts(ProRataBounded(floor_cents=20, cap_cents=45), 100, 1, 1, 1, 7) == [20, 20, 20, 40]


def test_bounded_gives_what_the_caps_leave_to_the_cinemas_without_contribution() -> None:
    assert amounts(ProRataBounded(cap_cents=60), 100, 0, 1) == [40, 60]
    # two contributing cinemas capped at 40 leave 20 cents: 10 to each cinema without contribution
    assert amounts(ProRataBounded(cap_cents=40), 100, 0, 3, 0, 1) == [10, 40, 10, 40]
    # with room under the cap, the contributing cinemas take it all
    assert amounts(ProRataBounded(cap_cents=80), 100, 0, 3, 0, 1) == [0, 75, 0, 25]


def test_bounded_without_bounds_is_pro_rata() -> None:
    assert amounts(ProRataBounded(), 1000, 7, "3.5", "2.5") == amounts(ProRata(), 1000, 7, "3.5", "2.5")


def test_bounded_refuses_infeasible_bounds() -> None:
    with pytest.raises(Undistributable, match="floor of 400 cents for 3 cinemas needs 1200 cents"):
        amounts(ProRataBounded(floor_cents=400), 1000, 1, 2, 3)
    with pytest.raises(Undistributable, match="cap of 300 cents for 3 cinemas shares at most 900"):
        amounts(ProRataBounded(cap_cents=300), 1000, 1, 2, 3)
    # exactly feasible: everyone at the floor, or everyone at the cap
    assert amounts(ProRataBounded(floor_cents=250), 1000, 1, 2, 3, 4) == [250, 250, 250, 250]
    assert amounts(ProRataBounded(cap_cents=250), 1000, 1, 2, 3, 4) == [250, 250, 250, 250]
    with pytest.raises(InvalidPolicy, match=r"cap .* is below the floor"):
        ProRataBounded(floor_cents=500, cap_cents=400)
    with pytest.raises(InvalidPolicy, match="floor_cents"):
        ProRataBounded(floor_cents=-1)


def test_mutualist_by_hand() -> None:
    # α = ½ of 1 000: 250 each in equal parts, and 125 / 375 pro rata to 1 and 3 visitors
    assert amounts(Mutualist(alpha=Fraction(1, 2)), 1000, 1, 3) == [375, 625]
    # with 10 and 30 days of participation the α part is 125 / 375 too
    assert amounts(Mutualist(alpha=Fraction(1, 2)), 1000, 1, 3, days=(10, 30)) == [250, 750]
    assert amounts(Mutualist(alpha=Fraction(0)), 1000, 7, "3.5", "2.5") == amounts(
        ProRata(), 1000, 7, "3.5", "2.5"
    )
    assert amounts(Mutualist(alpha=Fraction(1)), 1000, 7, "3.5", "2.5") == [334, 333, 333]


def test_mutualist_needs_every_cinemas_days_or_none() -> None:
    mixed = cinemas(1, 3)
    mixed[1] = type(mixed[1])(mixed[1].cinema, "A", Fraction(3), 30)
    with pytest.raises(InvalidContributions, match="days: given for some cinemas but not for 0000001"):
        distribute(mixed, 1000, Fraction(0), Mutualist(alpha=Fraction(1, 2)))
    with pytest.raises(Undistributable, match="mutualist: every cinema's days is 0"):
        amounts(Mutualist(alpha=Fraction(1, 2)), 1000, 1, 3, days=(0, 0))
    for alpha in (Fraction(-1, 10), Fraction(11, 10)):
        with pytest.raises(InvalidPolicy, match="alpha: between 0 and 1"):
            Mutualist(alpha=alpha)


def test_solidarity_by_hand() -> None:
    # weights k·√a: 1·√1 = 1 and 2·√4 = 4 out of 5
    assert amounts(Solidarity(coefficients=EQUAL | {"E": Fraction(2)}), 1000, 1, 4, categories="AE") == [
        200,
        800,
    ]
    # √ damps the largest audience: 100 and 400 visitors share 1/3 and 2/3, not 1/5 and 4/5
    assert amounts(Solidarity(coefficients=EQUAL), 900, 100, 400) == [300, 600]


def test_solidarity_needs_a_positive_coefficient_for_each_category() -> None:
    with pytest.raises(InvalidPolicy, match="missing E"):
        Solidarity(coefficients={k: Fraction(1) for k in "ABCD"})
    with pytest.raises(InvalidPolicy, match="unknown category 'F'"):
        Solidarity(coefficients=EQUAL | {"F": Fraction(1)})
    with pytest.raises(InvalidPolicy, match="C must be above 0"):
        Solidarity(coefficients=EQUAL | {"C": Fraction(0)})
    with pytest.raises(InvalidPolicy, match="coefficients: D"):
        Solidarity(coefficients=EQUAL | {"D": "un"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    "policy",
    [
        ProRata(),
        ProRataBounded(floor_cents=10),
        Solidarity(coefficients=EQUAL),
        Mutualist(alpha=Fraction(1, 2)),
    ],
)
def test_no_audience_at_all_is_refused_rather_than_shared_equally(policy: Policy) -> None:
    with pytest.raises(Undistributable, match="every cinema's contribution is 0"):
        amounts(policy, 1000, 0, 0, "0.0")


def test_equal_parts_need_mutualist_with_alpha_1() -> None:
    assert amounts(Mutualist(alpha=Fraction(1)), 1000, 0, 0) == [500, 500]


@pytest.mark.parametrize(
    "policy", [ProRata(), Mutualist(alpha=Fraction(1, 2)), Solidarity(coefficients=EQUAL)]
)
def test_a_zero_pot_gives_zero_to_everyone(policy: Policy) -> None:
    assert amounts(policy, 0, 1, 2, 3) == [0, 0, 0]


POLICIES_SEEN = [
    ProRata(),
    ProRataBounded(),
    ProRataBounded(floor_cents=100, cap_cents=5000),
    Mutualist(alpha=Fraction(3, 10)),
    Mutualist(alpha=Fraction(1, 3)),
    Solidarity(coefficients=EQUAL | {"C": Fraction(11, 10), "E": Fraction(1, 7)}),
]


@pytest.mark.parametrize("policy", POLICIES_SEEN)
def test_a_recorded_policy_is_rebuilt_from_its_id_version_and_params(policy: Policy) -> None:
    assert policy_of(policy.id, policy.params(), policy.version) == policy
    assert policy_of(policy.id, policy.params()) == policy  # the latest version
    assert hash(policy_of(policy.id, policy.params())) == hash(policy)  # usable as a key


def test_every_policy_is_versioned_and_a_record_names_real_ones() -> None:
    assert set(POLICIES) == {"pro_rata", "pro_rata_bounded", "mutualist", "solidarity"}
    assert all(versions == {1: versions[1]} for versions in POLICIES.values())
    with pytest.raises(InvalidPolicy, match="unknown policy 'equal'"):
        policy_of("equal", {})
    with pytest.raises(InvalidPolicy, match="pro_rata has no version 2"):
        policy_of("pro_rata", {}, 2)
    with pytest.raises(InvalidPolicy, match="pro_rata: no parameter 'alpha'"):
        policy_of("pro_rata", {"alpha": "0.5"})
    with pytest.raises(InvalidPolicy, match=r"alpha .* is required"):
        policy_of("mutualist", {})
    with pytest.raises(InvalidPolicy, match="coefficients for the categories A to E are required"):
        policy_of("solidarity", {})
    assert policy_of("pro_rata_bounded", {"floor_cents": "100", "cap_cents": None}) == ProRataBounded(
        floor_cents=100
    )
