"""A campaign's distribution booked in the ledger, its receipt and what can be paid out (real SQL)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from artaud.controlplane import schema
from artaud.errors import Conflict
from artaud.remuneration.campaign_store import Unapproved
from artaud.remuneration.freeze import NotFrozen
from artaud.remuneration.ledger import FEES, VAT, payable, receivable
from artaud.remuneration.ledger_store import LedgerStore
from artaud.remuneration.policies import Mutualist, ProRata, ProRataBounded, Solidarity
from artaud.remuneration.runs import AlreadyDistributed, InvalidReceipt, PaidOut, Runs
from artaud.remuneration.statement import verify
from tests.remuneration.world import CNC, NOW, network

SIREN = "732829320"


def freeze(net, contributions=(Fraction(5, 6), Fraction(5, 6), Fraction(4, 3)), days=(30, 30, 15)) -> None:
    with net.cp.engine.begin() as conn:
        conn.execute(
            schema.campaign_freezes.insert().values(
                campaign_id=net.campaign.id, frozen_at=NOW, frozen_by="Claire", visitors=3, exports="ex_1"
            )
        )
        for cnc, category, a, d in zip(CNC, "ACE", contributions, days, strict=True):
            conn.execute(
                schema.campaign_contributions.insert().values(
                    campaign_id=net.campaign.id,
                    cinema_cnc=cnc,
                    category=category,
                    contribution=str(a),
                    days=d,
                )
            )


POLICIES = [
    ProRata(),
    ProRataBounded(floor_cents=100_000, cap_cents=400_000),
    Mutualist(alpha=Fraction(1, 2)),
    Solidarity(
        coefficients={
            "A": Fraction(1),
            "B": Fraction(1),
            "C": Fraction(11, 10),
            "D": Fraction(6, 5),
            "E": Fraction(13, 10),
        }
    ),
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_a_run_books_once_balanced_and_every_statement_verifies(cp, policy) -> None:
    net = network(cp)
    freeze(net)
    runs = Runs(cp.engine)
    run = runs.distribute(net.campaign.id, policy, "Claire", NOW)
    assert run.booked.new
    again = runs.distribute(net.campaign.id, policy, "Claire", NOW)
    assert not again.booked.new and again.booked.id == run.booked.id
    ledger = LedgerStore(cp.engine)
    balances = ledger.balances()
    assert sum(balances.values()) == 0
    assert balances[receivable(SIREN)] == 1_000_000 + 200_000
    assert -balances[FEES] == 100_000 and -balances[VAT] == 200_000
    assert sum(-balances.get(payable(c), 0) for c in CNC) == run.distribution.pot_cents == 900_000
    statements = run.statements()
    assert sorted(statements) == sorted(CNC)
    for cnc, statement in statements.items():
        assert verify(statement, run.root) == [], cnc
    # one cent moved from one line to another no longer verifies
    tampered = dict(statements[CNC[0]])
    fields = str(tampered["line"]).split("\t")
    fields[3] = str(int(fields[3]) + 1)  # the amount
    tampered["line"] = "\t".join(fields)
    assert verify(tampered, run.root) != []


def test_one_live_distribution_per_campaign_change_policy_by_reversal(cp) -> None:
    net = network(cp)
    freeze(net)
    runs = Runs(cp.engine)
    first = runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
    with pytest.raises(AlreadyDistributed, match="reverse it first"):
        runs.distribute(net.campaign.id, Mutualist(alpha=Fraction(1)), "Claire", NOW)
    runs.ledger.reverse(first.booked.id, "Claire", "the board chose mutualist", NOW)
    second = runs.distribute(net.campaign.id, Mutualist(alpha=Fraction(1)), "Claire", NOW)
    assert second.booked.id != first.booked.id
    live = runs.live_distribution(net.campaign.id)
    assert live is not None and live.id == second.booked.id
    # days 30, 30, 15 with α = 1: 2/5, 2/5, 1/5 of 900 000
    owed = {c: -runs.ledger.balances().get(payable(c), 0) for c in CNC}
    assert owed == {CNC[0]: 360_000, CNC[1]: 360_000, CNC[2]: 180_000}
    # and back to the first policy: booked anew (the first run stays reversed in the ledger)
    runs.ledger.reverse(second.booked.id, "Claire", "back to pro rata", NOW)
    third = runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
    assert third.booked.new and third.booked.id == first.booked.id + ".2"
    assert runs.distribute(net.campaign.id, ProRata(), "Claire", NOW).booked.id == third.booked.id
    assert {c: -runs.ledger.balances().get(payable(c), 0) for c in CNC} == first.distribution.amounts


def test_nothing_is_booked_for_an_unapproved_or_unfrozen_campaign(cp) -> None:
    net = network(cp, approved=False)
    runs = Runs(cp.engine)
    with pytest.raises(Unapproved):
        runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
    net2 = network_second(cp)
    with pytest.raises(NotFrozen):
        runs.distribute(net2, ProRata(), "Claire", NOW)
    assert runs.ledger.transfers() == []


def network_second(cp) -> str:
    from artaud.remuneration.campaign_store import CampaignStore
    from artaud.remuneration.campaigns import make_campaign
    from tests.remuneration.world import campaign_fields

    store = CampaignStore(cp.engine)
    store.add(make_campaign(**campaign_fields(id="2026-05-autre")))
    store.approve("2026-05-autre", "Claire", NOW)
    return "2026-05-autre"


def test_cinemas_are_cleared_for_payout_only_once_the_distributor_has_paid_in_full(cp) -> None:
    net = network(cp)
    freeze(net)
    runs = Runs(cp.engine)
    run = runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
    assert runs.cleared() == {}
    runs.receive(net.campaign.id, 600_000, "VIR-1", "Claire", NOW)
    assert runs.cleared() == {}
    runs.receive(net.campaign.id, 600_000, "VIR-2", "Claire", NOW)
    runs.receive(net.campaign.id, 600_000, "VIR-2", "Claire", NOW)  # the same receipt again: once
    cleared = runs.cleared()
    assert cleared == {c: a for c, a in run.distribution.amounts.items() if a}
    with pytest.raises(InvalidReceipt):
        runs.receive(net.campaign.id, 0, "VIR-3", "Claire", NOW)
    with pytest.raises(InvalidReceipt):
        runs.receive(net.campaign.id, 5, "VIR 3; DROP", "Claire", NOW)
    with pytest.raises(Conflict, match="more than cleared"):
        runs.book_payout("2026-05", {CNC[0]: cleared[CNC[0]] + 1}, {}, "Claire", NOW)
    runs.book_payout("2026-05", cleared, {}, "Claire", NOW)
    runs.book_payout("2026-05", cleared, {}, "Claire", NOW)  # idempotent
    assert runs.cleared() == {}
    assert all(runs.ledger.balances().get(payable(c), 0) == 0 for c in CNC)


def test_money_paid_out_is_not_taken_back_by_a_reversal(cp) -> None:
    net = network(cp)
    freeze(net)
    runs = Runs(cp.engine)
    run = runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
    receipt = runs.receive(net.campaign.id, 1_200_000, "VIR-1", "Claire", NOW)
    payout = runs.book_payout("2026-05", runs.cleared(), {}, "Claire", NOW)
    for batch in (run.booked.id, receipt.id):
        with pytest.raises(PaidOut, match="reverse the payout first"):
            runs.reverse(batch, "Claire", "oops", NOW)
    # the bank did not execute the file: the payout is reversed, then the distribution can be
    runs.reverse(payout.id, "Claire", "file rejected by the bank", NOW)
    runs.reverse(run.booked.id, "Claire", "wrong policy", NOW)
    assert runs.cleared() == {}


def test_long_ids_never_collide(cp) -> None:
    net = network(cp, id="c" * 64)
    freeze(net)
    runs = Runs(cp.engine)
    runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
    a = runs.receive(net.campaign.id, 600_000, "VIR-2026-04-000001-" + "x" * 20, "Claire", NOW)
    b = runs.receive(net.campaign.id, 600_000, "VIR-2026-04-000002-" + "x" * 20, "Claire", NOW)
    assert a.new and b.new and a.id != b.id
    assert runs.cleared()  # both instalments count: the campaign is paid in full
    undo_a, undo_b = (runs.reverse(x.id, "Claire", "entered twice", NOW) for x in (a, b))
    assert undo_a.new and undo_b.new and undo_a.id != undo_b.id
    assert runs.cleared() == {}


@pytest.mark.parametrize("what", ["distribute", "payout"])
def test_two_at_the_same_moment_book_one(cp, what) -> None:
    """Two people (threads, each with its own connection) at once: the lock orders them, and the
    second sees the first's booking."""
    import threading

    net = network(cp)
    freeze(net)
    runs = Runs(cp.engine)
    if what == "payout":
        runs.distribute(net.campaign.id, ProRata(), "Claire", NOW)
        runs.receive(net.campaign.id, 1_200_000, "VIR-1", "Claire", NOW)
        cleared = runs.cleared()
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def go(n: int) -> None:
        start.wait()
        try:
            if what == "distribute":
                policy = ProRata() if n == 0 else Mutualist(alpha=Fraction(1, 2))
                Runs(cp.engine).distribute(net.campaign.id, policy, f"person {n}", NOW)
            else:
                Runs(cp.engine).book_payout(f"2026-05-{n}", cleared, {}, f"person {n}", NOW)
            outcomes.append("booked")
        except (AlreadyDistributed, Conflict) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=go, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "booked" and outcomes.count("booked") == 1, outcomes
    balances = runs.ledger.balances()
    assert sum(balances.values()) == 0
    if what == "payout":
        assert balances["bank"] == 1_200_000 - sum(cleared.values()) >= 0
