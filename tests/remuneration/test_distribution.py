"""A distribution: the fee and the pot, the policy's record, the hash of the canonical inputs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from fractions import Fraction

import pytest

from artaud.remuneration.distribution import canonical_inputs, distribute
from artaud.remuneration.errors import InvalidPayment
from artaud.remuneration.inputs import Participant
from artaud.remuneration.policies import Mutualist, ProRata, ProRataBounded

CINEMAS = [
    Participant("0750012", "A", Fraction(8421, 2), 30),
    Participant("0690071", "B", Fraction(2875), 30),
    Participant("0120033", "E", Fraction(425, 2), 14),
]


def test_the_pot_is_the_payment_less_the_fee_rounded_half_up() -> None:
    d = distribute(CINEMAS, 1234567, Fraction(1, 10), ProRata())
    assert (d.payment_cents, d.fee_cents, d.pot_cents) == (1234567, 123457, 1111110)
    assert sum(d.amounts.values()) == 1111110
    assert list(d.amounts) == ["0120033", "0690071", "0750012"]


def test_the_record_names_the_policy_its_version_and_its_parameters() -> None:
    d = distribute(CINEMAS, 100000, Fraction(1, 10), ProRataBounded(floor_cents=5000, cap_cents=60000))
    assert (d.policy, d.policy_version, d.params) == (
        "pro_rata_bounded",
        1,
        {"floor_cents": 5000, "cap_cents": 60000},
    )
    record = d.as_json()
    assert list(record)[:3] == ["pot_cents", "policy", "amounts"]
    assert record["fee_rate"] == "0.1" and record["fee_cents"] == 10000
    assert record["inputs_sha256"] == d.inputs_sha256
    json.dumps(record)  # JSON as it is


def test_the_canonical_inputs_are_pinned() -> None:
    """Statements will quote this hash: the bytes it covers must not change silently."""
    policy = Mutualist(alpha=Fraction(3, 10))
    data = canonical_inputs(CINEMAS[:2], 1000, Fraction(1, 10), policy)
    assert data == (
        b'{"cinemas":[{"category":"B","cinema":"0690071","contribution":"2875","days":30},'
        b'{"category":"A","cinema":"0750012","contribution":"4210.5","days":30}],'
        b'"fee_rate":"0.1","format":"artaud.remuneration.inputs/1","payment_cents":1000,'
        b'"policy":{"id":"mutualist","params":{"alpha":"0.3"},"version":1}}'
    )
    d = distribute(list(reversed(CINEMAS[:2])), 1000, Fraction(1, 10), policy)
    assert d.inputs_sha256 == hashlib.sha256(data).hexdigest()


def test_every_input_is_in_the_hash() -> None:
    base = distribute(CINEMAS, 100000, Fraction(1, 10), ProRata()).inputs_sha256
    changed = [
        distribute(CINEMAS[:2], 100000, Fraction(1, 10), ProRata()),
        distribute(CINEMAS, 100001, Fraction(1, 10), ProRata()),
        distribute(CINEMAS, 100000, Fraction(1, 20), ProRata()),
        distribute(CINEMAS, 100000, Fraction(1, 10), ProRataBounded()),
        distribute(
            [*CINEMAS[:2], Participant("0120033", "D", Fraction(425, 2), 14)],
            100000,
            Fraction(1, 10),
            ProRata(),
        ),
        distribute(
            [*CINEMAS[:2], Participant("0120033", "E", Fraction(425, 2), 15)],
            100000,
            Fraction(1, 10),
            ProRata(),
        ),
    ]
    assert len({base, *(d.inputs_sha256 for d in changed)}) == 1 + len(changed)


@pytest.mark.parametrize(
    ("payment", "rate", "match"),
    [
        (-1, Fraction(1, 10), "payment: a whole number of cents ≥ 0"),
        (True, Fraction(1, 10), "payment"),
        (100.0, Fraction(1, 10), "payment"),
        (100, Fraction(1), "fee rate: from 0 up to but not including 1"),
        (100, Fraction(-1, 10), "fee rate"),
        (100, 0.1, "fee rate: an exact number"),
    ],
)
def test_a_wrong_payment_or_fee_rate_is_refused(payment: object, rate: object, match: str) -> None:
    with pytest.raises(InvalidPayment, match=match):
        distribute(CINEMAS, payment, rate, ProRata())  # type: ignore[arg-type]


def test_a_fee_rate_of_zero_may_be_an_int() -> None:
    assert distribute(CINEMAS, 1000, 0, ProRata()).pot_cents == 1000  # type: ignore[arg-type]


RERUN = """
import json
from fractions import Fraction
from artaud.remuneration.distribution import distribute
from artaud.remuneration.inputs import Participant
from artaud.remuneration.policies import Solidarity
cinemas = [Participant(f"{n:07d}", "ABCDE"[n % 5], Fraction(n * 7919 % 1000, 1 + n % 3)) for n in range(1, 40)]
k = {c: Fraction(10 + i, 10) for i, c in enumerate("ABCDE")}
print(json.dumps(distribute(cinemas, 98765432, Fraction(7, 100), Solidarity(coefficients=k)).as_json()))
"""


def test_a_rerun_in_another_process_gives_the_same_cents_and_hash() -> None:
    """Different hash seeds change the order of sets and dicts built from strings: nothing may depend
    on it."""
    outputs = {
        subprocess.run(
            [sys.executable, "-c", RERUN],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert sum(json.loads(outputs.pop())["amounts"].values()) == 98765432 - 6913580
