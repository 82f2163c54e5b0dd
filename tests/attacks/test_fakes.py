"""Fakes do not count (docs/threat-model.md, T4: an outsider with a public site key). Five real
viewers of a film and ninety-five crafted identifiers posted with the cinemas' site keys. Against
`artaud run`."""

from __future__ import annotations

import pytest

from tests.attacks.house import VISITORS, Film, House

pytestmark = pytest.mark.slow

FILM = Film("Les Herbes sèches", "Nuri Bilge Ceylan")
CRAFTED = {VISITORS + n: f"crafted-{n:04d}" for n in range(95)}


def limited(house: House) -> int:
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in house.svc.metrics().splitlines()
        if line.startswith("artaud_ids_limited_total{")
    )


def test_crafted_visitors_do_not_lift_a_small_segment_past_k(house: House) -> None:
    real = [0, 1, 2, 10, 11]  # at the first three cinemas, consenting to both partners
    house.visit(real, FILM)
    # one network: at most 30 new identifiers per cinema and hour join the pooled audience
    crafted = list(CRAFTED)
    for n, cinema in enumerate((0, 1, 2)):
        part = crafted[n::3]
        accepted, _ = house.visit(part, FILM, at=cinema, ids=CRAFTED, ip="198.51.100.23")
        assert accepted == len(part)  # accepted (on the exempt track past the limit), never dropped
    held_back = limited(house)
    assert held_back == len(CRAFTED) - 3 * 30, held_back
    # ninety-five networks: every crafted identifier on the pooled track
    networks = {i: f"203.0.{n}.5" for n, i in enumerate(crafted)}
    house.visit(crafted, FILM, at=0, ids=CRAFTED, ip=networks)
    house.build("film")
    entry = house.catalog()[FILM.segment]
    assert not entry["published"] and entry["members"] == len(real), entry  # credible members only
    status, body = house.export("demo-agency", FILM.segment)
    assert (status, body["error"]) == (409, "not_published")
    house.figure(
        "fake-visitor padding (5 real viewers + 95 crafted ids over 3 cinemas)",
        "published and exported; removing the 95 known ids left the 5 real viewers",
        f"one network brings at most 30 new ids per cinema and hour ({held_back} of 95 held back); from 95 "
        f"networks, still not published: {entry['members']} credible members ({entry['refusal']})",
    )
