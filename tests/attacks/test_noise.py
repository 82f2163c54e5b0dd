"""Honest noise (docs/threat-model.md, T1): published sizes are a differentially private release that
does not average away, a segment at k is not published because of its exact count, and a segment
whose size keeps changing stops being released when its budget is spent. Against `artaud run`."""

from __future__ import annotations

import statistics

import pytest

from tests.attacks.house import VISITORS, Film, House

pytestmark = pytest.mark.slow

# a small yearly budget per segment, so that the test reaches it in a few changes
HOUSE_ENV = {"ARTAUD_SEGMENTS__EPSILON_BUDGET_SEGMENT": "3", "ARTAUD_SEGMENTS__EPSILON_BUDGET_PERSON": "1000"}
BUILDS = 40


def test_forty_builds_publish_one_draw(house: House) -> None:
    sizes = []
    for _ in range(BUILDS):
        house.build("art-et-essai")
        entry = house.catalog()["art-et-essai"]
        assert entry["published"] and entry["members"] == VISITORS
        sizes.append(entry["published_size"])
    assert len(set(sizes)) == 1, sizes  # the release stands while the exact count does not move
    median = statistics.median(sizes)
    house.figure(
        f"averaging over {BUILDS} builds (art-et-essai, exact size {VISITORS})",
        "the median of 40 builds' published sizes was the exact size",
        f"{len(set(sizes))} distinct value over {BUILDS} builds (published {sizes[0]}, median off by {median - VISITORS:+g})",
    )


def test_a_segment_of_exactly_k_is_not_published_on_its_exact_count(house: House) -> None:
    film = Film("Le Théorème de Marguerite", "Anna Novion")
    house.visit(list(range(100)), film)  # exactly k = 100 credible viewers, over the six cinemas
    house.build("film")
    entry = house.catalog()[film.segment]
    assert entry["members"] == 100 and not entry["published"], entry
    house.figure(
        "publication at k (film of 100 viewers)",
        "k = 100 exact: published at 100, refused at 99",
        f"not published ({entry['refusal']}): a noisy threshold decides, not the exact count",
    )


def test_a_changing_segment_stops_being_released_when_its_budget_is_spent(house: House) -> None:
    released = [house.catalog()["art-et-essai"]["published_size"]]
    stale = ""
    for step in range(4):
        house.withdraw([VISITORS - 1 - step])  # the exact count moves by one at each build
        house.build("art-et-essai")
        entry = house.catalog()["art-et-essai"]
        assert entry["members"] == VISITORS - 1 - step
        released.append(entry["published_size"])
        stale = entry["refusal"]
    # three releases fit in a budget of 3 at ε = 1 (the first one, then two changes); the third change waits
    assert "privacy budget spent" in stale and released[-1] == released[-2], (released, stale)
    house.figure(
        "composition (ε per segment and person)",
        "ε = 1 spent at every build, no budget: thousands of ε a year for a person in a dozen daily segments",
        f"a segment's budget of 3 allowed 3 releases; the next changed sizes were not released ({released})",
    )
