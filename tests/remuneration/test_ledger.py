"""The ledger's rules, IO-free: transfers, batches, balances, reversals, run ids."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artaud.remuneration.distribution import distribute
from artaud.remuneration.ledger import (
    BANK,
    FEES,
    VAT,
    Batch,
    Transfer,
    balances,
    distribution_transfers,
    owed,
    payable,
    receivable,
    reversal_of,
    run_id,
    vat_cents,
)
from artaud.remuneration.policies import ProRata
from tests.remuneration.helpers import cinemas

SIREN = "732829320"


@pytest.mark.parametrize(
    ("debit", "credit", "amount", "why"),
    [
        ("bank", "bank", 1, "two accounts"),
        ("bank", "fees", 0, "> 0"),
        ("bank", "fees", -5, "> 0"),
        ("bank", "fees", True, "> 0"),
        ("bank", "payable:123", 1, "not a ledger account"),
        ("cash", "fees", 1, "not a ledger account"),
    ],
)
def test_a_transfer_moves_whole_cents_between_two_known_accounts(debit, credit, amount, why) -> None:
    with pytest.raises(ValueError, match=why):
        Transfer(debit, credit, amount)


def test_a_distribution_books_fee_vat_and_every_nonzero_amount_from_the_receivable() -> None:
    d = distribute(cinemas(3, 1, 0), 100_001, Fraction(1, 10), ProRata())
    vat = vat_cents(100_001, Fraction(1, 5))
    transfers = distribution_transfers(SIREN, vat, d)
    assert {t.debit for t in transfers} == {receivable(SIREN)}
    assert vat == 20_000  # 20 000.2 rounded half-up
    assert sum(t.amount_cents for t in transfers) == 100_001 + vat
    by_credit = {t.credit: t.amount_cents for t in transfers}
    assert by_credit[FEES] == d.fee_cents and by_credit[VAT] == vat
    assert payable("0000003") not in by_credit  # nothing to book for a zero amount
    assert by_credit[payable("0000001")] + by_credit[payable("0000002")] == d.pot_cents


def test_vat_and_fee_round_half_up() -> None:
    assert vat_cents(10, Fraction(1, 4)) == 3  # 2.5 → 3
    assert vat_cents(10, Fraction(1, 5)) == 2


ACCOUNTS = st.sampled_from([BANK, FEES, VAT, receivable(SIREN), payable("0000001"), payable("0000002")])
TRANSFERS = st.lists(
    st.tuples(ACCOUNTS, ACCOUNTS, st.integers(1, 10**9))
    .filter(lambda t: t[0] != t[1])
    .map(lambda t: Transfer(*t)),
    max_size=40,
)


@given(TRANSFERS)
def test_balances_always_sum_to_zero_and_a_reversal_cancels_them(transfers: list[Transfer]) -> None:
    assert sum(balances(transfers).values()) == 0
    _, mirror = reversal_of("distribution:abc", transfers)
    assert all(v == 0 for v in balances([*transfers, *mirror]).values())


def test_owed_reads_the_cinemas_credit_balances() -> None:
    transfers = [
        Transfer(receivable(SIREN), payable("0000001"), 500),
        Transfer(receivable(SIREN), payable("0000002"), 300),
        Transfer(payable("0000002"), BANK, 300),
    ]
    assert owed(balances(transfers)) == {"0000001": 500}


def test_a_run_id_is_its_inputs_and_nothing_else() -> None:
    a = run_id("c1", "pro_rata", 1, "ab" * 32)
    assert a == run_id("c1", "pro_rata", 1, "ab" * 32)
    assert len({a, run_id("c2", "pro_rata", 1, "ab" * 32), run_id("c1", "pro_rata", 2, "ab" * 32)}) == 3
    assert a != run_id("c1", "pro_rata", 1, "cd" * 32)
    assert a.startswith("distribution:")


def test_a_batch_needs_a_kind_an_id_and_transfers() -> None:
    t = (Transfer(BANK, FEES, 1),)
    Batch("receipt:c1:FA-1", "receipt", t, {})
    with pytest.raises(ValueError, match="kind"):
        Batch("receipt:c1", "gift", t, {})
    with pytest.raises(ValueError, match="id"):
        Batch("no id here", "receipt", t, {})
    with pytest.raises(ValueError, match="at least one"):
        Batch("receipt:c1", "receipt", (), {})
    assert Batch("receipt:c1", "receipt", t, {"b": 1, "a": "é"}).memo_json() == '{"a":"\\u00e9","b":1}'
