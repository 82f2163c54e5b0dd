"""Guards that compose (docs/threat-model.md, T1 one partner, T3 a partner who can make visits): what a
partner can learn anew from a new list, judged against everything it received in the window, expired
exports included; removals and crafted identifiers unlock nothing; a partner's lists of different
segments intersect in none or at least k; one person does not make a cinema count. Against
`artaud run`, over the partners' API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from artaud.controlplane import schema
from artaud.controlplane.store import ControlPlane
from tests.attacks.house import VISITORS, Film, House

pytestmark = pytest.mark.slow

BOTH = [i for i in range(VISITORS) if i % 10 < 8]  # consenting to both partners
JP_HOME = [i for i in BOTH if i % 6 >= 3]  # at home in a Jeune Public cinema
RD_HOME = [i for i in BOTH if i % 6 < 3]  # at home in a Recherche & Découverte cinema
Y, Y_LATE = JP_HOME[:130], JP_HOME[130:135]
W, W_LATE = JP_HOME[135:335], JP_HOME[335:340]
X = [*RD_HOME[:300], JP_HOME[-1]]  # one viewer from a Jeune Public cinema
FILM_Y = Film("Les Années super 8", "Annie Ernaux")
FILM_W = Film("La Chimère", "Alice Rohrwacher")
FILM_X = Film("Anatomie d'une chute", "Justine Triet")
FILM_V = Film("Le Règne animal", "Thomas Cailley")


def expire(house: House, export_id: str) -> None:
    """Time passes: the export is past its expiry (as after `export_ttl_days`)."""
    cp = ControlPlane(f"sqlite:///{house.data / 'control.sqlite'}")
    with cp.engine.begin() as conn:
        conn.execute(
            update(schema.exports)
            .where(schema.exports.c.id == export_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    cp.engine.dispose()


def test_differencing_after_an_export_expired(house: House) -> None:
    house.visit(Y, FILM_Y)
    house.build("film")
    status, first = house.export("demo-agency", FILM_Y.segment)
    assert status == 201, first
    expire(house, first["export"]["export_id"])
    status, body = house.get("demo-agency", f"/v1/exports/{first['export']['export_id']}")
    assert (status, body["error"]) == (410, "expired")
    house.visit(Y_LATE, FILM_Y)  # five more viewers: a delta would single them out
    house.build("film")
    status, second = house.export("demo-agency", FILM_Y.segment)
    assert (status, second.get("error")) == (409, "differencing"), (
        second,
        first,
        house.catalog()[FILM_Y.segment],
    )
    assert not any(ch.isdigit() for ch in second["message"])
    house.figure(
        "differencing after expiry",
        "a delta of 5 people served once the first export expired",
        "refused (differencing): the baseline is everything received in the window, expired exports included",
    )


def test_removals_and_crafted_identifiers_do_not_unlock_a_small_addition(house: House) -> None:
    house.visit(W, FILM_W)
    house.build("film")
    status, first = house.export("demo-agency", FILM_W.segment)
    assert status == 201, first
    gone = W[:60]
    house.withdraw(gone)
    house.visit(W_LATE, FILM_W)
    house.build("film")
    status, second = house.export("demo-agency", FILM_W.segment)
    assert (status, second["error"]) == (409, "differencing"), second
    # the withdrawals reach the partner all the same
    mine = {p for p, i in house.who("demo-agency").items() if i in gone}
    assert mine <= house.deletions("demo-agency")
    # a hundred crafted identifiers, each from its own network, posted with the public site keys
    crafted = {VISITORS + n: f"crafted-{n:04d}" for n in range(100)}
    networks = {i: f"172.16.{n}.9" for n, i in enumerate(crafted)}
    accepted, _ = house.visit(
        list(crafted), FILM_W, ids=crafted, ip=networks, consent="measure,pool,partner:demo-agency"
    )
    assert accepted == len(crafted)
    house.build("film")
    status, third = house.export("demo-agency", FILM_W.segment)
    assert (status, third["error"]) == (409, "differencing"), third
    house.figure(
        "padding a small delta",
        "60 removals or 100 crafted ids unlocked a delta of 5",
        "refused both ways (additions judged alone, crafted ids not credible); the 60 withdrawals still "
        "reach the partner (GET /v1/deletions)",
    )


def test_a_partners_lists_of_different_segments_do_not_single_anyone_out(house: House) -> None:
    house.visit(X, FILM_X, at=None)
    house.build("film", "jeune-public")
    status, first = house.export("other-agency", "jeune-public")
    assert status == 201, first
    status, second = house.export("other-agency", FILM_X.segment)
    assert (status, second["error"]) == (409, "overlap"), second
    assert not any(ch.isdigit() for ch in second["message"])
    held = set(house.listed("other-agency", first["export"]["export_id"]))
    who = house.who("other-agency")
    would_be = {p for p, i in who.items() if i in X}
    house.figure(
        "cross-segment intersection (film ∩ label)",
        "1 person in a film segment ∩ a category segment held by one partner",
        f"the second list refused (overlap); it would have shared {len(held & would_be)} person with the first",
    )
    assert len(held & would_be) == 1


def test_one_person_does_not_make_a_cinema_count(house: House) -> None:
    c1 = [i for i in RD_HOME if i % 6 == 0][:78]
    c2 = [i for i in RD_HOME if i % 6 == 1][:78]
    c3 = [i for i in RD_HOME if i % 6 == 2][:1]
    house.visit(c1 + c2 + c3, FILM_V)
    house.build("film")
    entry = house.catalog()[FILM_V.segment]
    assert entry["cinemas"] == 3 and entry["members"] == 157
    assert not entry["published"] and "too_few_cinemas" in entry["refusal"], entry
    house.figure(
        "one person makes the third cinema",
        "50 + 49 + 1 members over 3 cinemas passed the cinema and dominance rules",
        f"78 + 78 + 1: not published ({entry['refusal']})",
    )
