"""Statements: every cinema's statement verifies against the published root, any one-cent change to
its amount or to the pot does not, what one line can show about the totals is checked, and each
line's salt keeps a neighbour's line out of reach of whoever holds one statement."""

from __future__ import annotations

import hashlib
import itertools
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artaud.remuneration.distribution import Distribution, distribute
from artaud.remuneration.errors import InvalidStatement
from artaud.remuneration.inputs import Participant
from artaud.remuneration.merkle import MerkleTree
from artaud.remuneration.policies import Mutualist, ProRata
from artaud.remuneration.statement import (
    LINE_TAG,
    TOTALS_TAG,
    Published,
    load_statement,
    publish,
    verify,
)
from tests.remuneration.helpers import cinemas

SALT = "0123456789abcdef" * 2
NOT_A_LINE = "la ligne du cinéma n'est pas de la forme artaud.remuneration.line/2 (5 champs)"


def salt_of(cnc: str) -> str:
    """A reproducible salt per cinema, for the tests that compare exact lines."""
    return hashlib.sha256(f"salt {cnc}".encode()).hexdigest()[:32]


def a_line(cnc: str, contribution: str, amount: str, salt: str = SALT) -> str:
    return f"{LINE_TAG}\t{cnc}\t{contribution}\t{amount}\t{salt}"


def example() -> tuple[list[Participant], Distribution, Published]:
    listed = cinemas("4210.5", 2875, "1320.25", 640, "212.5")
    d = distribute(listed, 1234567, Fraction(1, 10), ProRata())
    return listed, d, publish("2026-11-dist-42", d, listed, salt=salt_of)


def test_each_cinema_gets_its_line_and_the_totals_proved_against_the_root() -> None:
    listed, d, published = example()
    assert list(published.statements) == [c.cinema for c in listed]
    s = published.statements["0000005"]
    assert s["line"] == a_line("0000005", "212.5", str(d.amounts["0000005"]), salt_of("0000005"))
    assert LINE_TAG == "artaud.remuneration.line/2"
    assert s["totals"] == (
        f"{TOTALS_TAG}\t2026-11-dist-42\t1234567\t0.1\t123457\t1111110\t1111110\t5\tpro_rata\t1\t{{}}\t"
        + d.inputs_sha256
    )
    assert (s["tree_size"], s["line_index"], s["root"]) == (6, 5, published.root)
    leaves = [published.statements["0000001"]["totals"]] + [
        published.statements[c.cinema]["line"] for c in listed
    ]
    assert MerkleTree([str(leaf).encode() for leaf in leaves]).root.hex() == published.root
    for statement in published.statements.values():
        assert verify(statement, published.root) == []


def test_another_root_is_reported() -> None:
    _, _, published = example()
    problems = verify(published.statements["0000001"], "00" * 32)
    assert len(problems) == 1 and "n'est pas la racine publiée" in problems[0]


def test_a_statement_of_another_campaign_does_not_verify_against_this_root() -> None:
    listed, d, published = example()
    other = publish("2026-12-dist-43", d, listed).statements["0000001"]
    assert other["root"] != published.root
    assert verify(other, published.root) != []


def _with_field(text: object, position: int, value: str) -> str:
    fields = str(text).split("\t")
    fields[position] = value
    return "\t".join(fields)


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[list[Participant], Distribution]:
    contributions = draw(
        st.lists(st.fractions(min_value=0, max_value=10_000, max_denominator=8), min_size=1, max_size=25)
    )
    if not any(contributions):
        contributions[0] = Fraction(1)
    listed = [Participant(f"{i * 37 + 1:07d}", "A", a) for i, a in enumerate(contributions)]
    payment = draw(st.integers(0, 10**9))
    rate = draw(st.fractions(min_value=0, max_value=Fraction(99, 100), max_denominator=1000))
    policy = Mutualist(alpha=draw(st.fractions(min_value=0, max_value=1, max_denominator=10)))
    return listed, distribute(listed, payment, rate, policy)


@settings(max_examples=80, deadline=None)
@given(campaigns(), st.data())
def test_one_cent_more_or_less_on_the_amount_or_the_pot_fails(
    campaign: tuple[list[Participant], Distribution], data: st.DataObject
) -> None:
    listed, d = campaign
    published = publish("c1", d, listed)
    cnc = data.draw(st.sampled_from(sorted(published.statements)))
    statement = published.statements[cnc]
    assert verify(statement, published.root) == []
    cent = data.draw(st.sampled_from([-1, 1]))

    amount = int(str(statement["line"]).split("\t")[3]) + cent
    if amount >= 0:
        changed = {**statement, "line": _with_field(statement["line"], 3, str(amount))}
        assert verify(changed) != []

    pot = d.pot_cents + cent
    if pot >= 0:
        # the pot and the sum together, so that only the hash can tell
        totals = _with_field(_with_field(statement["totals"], 5, str(pot)), 6, str(pot))
        assert verify({**statement, "totals": totals}) != []

    contribution = str(statement["line"]).split("\t")[2]
    other = str(Fraction(contribution) + 1) if "/" in contribution else f"{Fraction(contribution) + 1}"
    assert verify({**statement, "line": _with_field(statement["line"], 2, other)}) != []


def forged(line: str, totals: str, others: int = 2, index: int = 1) -> dict[str, object]:
    """A statement whose proofs hold, over leaves chosen by the test: what a careless or dishonest
    publisher could send, which only the constraints on the totals and the line can catch."""
    leaves = [totals] + [a_line(f"{i:07d}", "1", "0", f"{i:032x}") for i in range(others)]
    leaves.insert(index, line)
    tree = MerkleTree([leaf.encode() for leaf in leaves])
    return {
        "format": "artaud.remuneration.statement/1",
        "campaign": "c1",
        "root": tree.root.hex(),
        "tree_size": tree.size,
        "line_index": index,
        "line": line,
        "line_path": [h.hex() for h in tree.audit_path(index)],
        "totals": totals,
        "totals_path": [h.hex() for h in tree.audit_path(0)],
    }


def totals(
    payment: int = 1000, rate: str = "0.1", fee: int = 100, pot: int = 900, total: int = 900, n: int = 3
) -> str:
    return f"{TOTALS_TAG}\tc1\t{payment}\t{rate}\t{fee}\t{pot}\t{total}\t{n}\tpro_rata\t1\t{{}}\t{'ab' * 32}"


@pytest.mark.parametrize(
    ("line", "totals_text", "index", "problem"),
    [
        (a_line("0000009", "2", "900"), totals(), 1, None),
        (a_line("0000009", "2", "901"), totals(), 1, "dépasse le pot"),
        (a_line("0000009", "-2", "1"), totals(), 1, "l'apport (-2)"),
        (a_line("0000009", "2.50", "1"), totals(), 1, "l'apport (2.50)"),  # not the canonical text
        (a_line("9", "2", "1"), totals(), 1, "7 chiffres"),
        (a_line("0000009", "2", "01"), totals(), 1, "nombre entier de centimes"),
        (a_line("0000009", "2", "1"), totals(total=899), 1, "la somme des montants (899 c)"),
        (a_line("0000009", "2", "1"), totals(n=4), 1, "l'arbre a 4 feuilles"),
        (a_line("0000009", "2", "1"), totals(fee=99, pot=901, total=901), 1, "la commission (99 c)"),
        (a_line("0000009", "2", "1"), totals(pot=800, total=800), 1, "le pot (800 c)"),
        (a_line("0000009", "2", "1"), totals(), 0, "la ligne des totaux ne mène pas"),
        (a_line("0000009", "2", "1", SALT.upper()), totals(), 1, "le sel de la ligne"),
        (a_line("0000009", "2", "1", SALT[:-1]), totals(), 1, "le sel de la ligne"),
        (a_line("0000009", "2", "1", ""), totals(), 1, "le sel de la ligne"),
        (f"{LINE_TAG}\t0000009\t2\t1", totals(), 1, NOT_A_LINE),
        (a_line("0000009", "2", "1") + "\tx", totals(), 1, NOT_A_LINE),
        ("nothing\t0000009\t2\t1\t" + SALT, totals(), 2, NOT_A_LINE),
        (a_line("0000009", "2", "1"), "totals", 1, "n'est pas de la forme artaud.remuneration.totals/1"),
    ],
)
def test_what_one_line_can_show_about_the_totals(
    line: str, totals_text: str, index: int, problem: str | None
) -> None:
    problems = verify(forged(line, totals_text, index=index))
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_the_line_index_must_be_a_cinemas() -> None:
    statement = forged(a_line("0000009", "2", "1"), totals())
    assert statement["tree_size"] == 4
    for index in (0, 4, 5, -1):
        problems = verify({**statement, "line_index": index})
        assert any("la position de la ligne" in p for p in problems), (index, problems)
    # another cinema's position: in range, but the path does not lead there
    assert verify({**statement, "line_index": 2}) == [
        "la ligne du cinéma ne mène pas à la racine par son chemin d'audit"
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"root": "AB" * 32}, "root must be 64 lowercase hex digits"),
        ({"line_path": ["12"]}, "line_path must be a list of 64-hex-digit hashes"),
        ({"tree_size": "4"}, "tree_size must be a whole number"),
        ({"line": "é"}, "line must be ASCII text"),
        ({"format": "other/1"}, "not a statement of format"),
    ],
)
def test_what_is_no_statement_at_all_is_an_error(change: dict[str, object], error: str) -> None:
    _, _, published = example()
    with pytest.raises(InvalidStatement, match=error):
        verify({**published.statements["0000001"], **change})
    missing = dict(published.statements["0000001"])
    del missing["totals_path"]
    with pytest.raises(InvalidStatement, match="no totals_path"):
        verify(missing)


@pytest.mark.parametrize("data", [b"", b"{", b"[1]", b"\xff"])
def test_a_file_that_is_no_json_object_is_an_error(data: bytes) -> None:
    with pytest.raises(InvalidStatement, match=r"relevé\.json: not a JSON statement"):
        load_statement(data, "relevé.json")


def test_publishing_refuses_other_cinemas_and_a_campaign_id_a_leaf_cannot_hold() -> None:
    listed, d, _ = example()
    with pytest.raises(InvalidStatement, match="not the ones this distribution was computed from"):
        publish("c1", d, [*listed[:-1], Participant("0000005", "A", Fraction(213))])
    for campaign in ("", "a\tb", "a b", "-x", "x" * 101):
        with pytest.raises(InvalidStatement, match="campaign id"):
            publish(campaign, d, listed)


def test_an_unsalted_line_of_the_first_format_is_refused_by_name() -> None:
    """No statement was ever issued with `artaud.remuneration.line/1`: even with proofs that hold, it
    is refused, and the message says why."""
    problems = verify(forged("artaud.remuneration.line/1\t0000009\t2\t1", totals()))
    assert problems == [
        "la ligne du cinéma est de l'ancienne forme artaud.remuneration.line/1, sans sel, que le SCARE "
        "n'a jamais émise : un relevé a une ligne de la forme artaud.remuneration.line/2"
    ]


def test_each_cinema_gets_its_own_fresh_salt_unless_the_caller_gives_them() -> None:
    listed, d, given = example()
    first, second = publish("c1", d, listed), publish("c1", d, listed)
    salts = [str(s["line"]).split("\t")[4] for p in (first, second) for s in p.statements.values()]
    assert all(re.fullmatch(r"[0-9a-f]{32}", salt) for salt in salts)
    assert len(set(salts)) == len(salts) == 2 * len(listed)  # 128 random bits each: never twice
    assert first.root != second.root  # so publish once, and keep what it gives (runs.py books it)
    for p in (first, second):
        assert all(verify(s, p.root) == [] for s in p.statements.values())
    assert [str(s["line"]).split("\t")[4] for s in given.statements.values()] == [
        salt_of(c.cinema) for c in listed
    ]
    assert publish("2026-11-dist-42", d, listed, salt=salt_of) == given
    for wrong in ("", SALT.upper(), SALT + "0", "g" * 32, None):
        with pytest.raises(InvalidStatement, match="the salt of cinema 0000001 must be 32 lowercase hex"):
            publish("c1", d, listed, salt=lambda cnc, wrong=wrong: wrong)  # type: ignore[misc]
    with pytest.raises(InvalidStatement, match="two cinemas have the same salt"):
        publish("c1", d, listed, salt=lambda cnc: SALT)


def _leaf_hash(leaf: str) -> bytes:
    return hashlib.sha256(b"\x00" + leaf.encode("ascii")).digest()


def test_a_neighbours_line_cannot_be_found_from_one_statement_without_its_salt() -> None:
    """The attack the salt answers. Cinema 0000002's statement (index 2 of 6 leaves) starts its audit
    path with the leaf hash of its neighbour, cinema 0000003. A line has few possible values: trying
    every CNC of a public list, every contribution and every amount up to the pot found an unsalted
    neighbour's line in seconds. Here the same search, over ranges that hold the neighbour's true
    line, finds nothing: not as an unsalted line of the first format, not with the attacker's own
    salt (as if one salt served the whole campaign), not with any salt it could know; and the very
    same search given the neighbour's salt finds its line, so the search is the attack."""
    listed = cinemas(3, 7, 5, 2, 4)  # small, to keep the search to about 100 000 hashes a pass
    d = distribute(listed, 2000, Fraction(1, 10), ProRata())
    published = publish("c1", d, listed)  # the default: random salts
    mine, neighbour = published.statements["0000002"], published.statements["0000003"]
    assert (mine["line_index"], mine["tree_size"]) == (2, 6)
    target = bytes.fromhex(mine["line_path"][0])  # type: ignore[index]
    my_salt = str(mine["line"]).split("\t")[4]
    their_salt = str(neighbour["line"]).split("\t")[4]

    def search(leaf_of: object) -> list[tuple[str, int, int]]:
        """Every (CNC, contribution, amount) from the ranges whose leaf hash is the target."""
        assert callable(leaf_of)
        cncs = [c.cinema for c in listed if c.cinema != "0000002"]  # the public list of cinemas
        space = itertools.product(cncs, range(11), range(d.pot_cents + 1))
        return [(c, k, a) for c, k, a in space if _leaf_hash(leaf_of(c, k, a)) == target]

    truth = ("0000003", 5, d.amounts["0000003"])
    assert truth[2] <= d.pot_cents  # the ranges hold the neighbour's true line
    assert search(lambda c, k, a: f"artaud.remuneration.line/1\t{c}\t{k}\t{a}") == []
    assert search(lambda c, k, a: f"{LINE_TAG}\t{c}\t{k}\t{a}\t{my_salt}") == []
    assert search(lambda c, k, a: f"{LINE_TAG}\t{c}\t{k}\t{a}\t{'0' * 32}") == []
    assert search(lambda c, k, a: f"{LINE_TAG}\t{c}\t{k}\t{a}\t{their_salt}") == [truth]
