"""Definitions compiled to SQL (IO-free): which keys are read off a flag, and which split per value."""

from __future__ import annotations

from artaud.segments.definitions import Segment
from artaud.segments.rules import shared_targets
from tests.segments.helpers import CINEMAS


def test_targets_expand_categories_and_leave_films_and_regions_to_their_own_passes():
    defs = [
        Segment("tous", 1, "Tous"),
        Segment("cat", 1, "Catégorie", per="category"),
        Segment("film", 1, "Film", per="film"),
        Segment("region", 1, "Région", per="region"),
        Segment("rd-cat", 1, "RD par catégorie", per="category", cinema_labels=("RD",)),
    ]
    targets = shared_targets(defs, CINEMAS)
    assert [t.key for t in targets] == [
        "tous",
        *(f"cat/{c}" for c in "ABCDE"),
        "rd-cat/A",
        "rd-cat/C",
        "rd-cat/D",  # cinema 10 (E, RD) is suspended: no rd-cat/E
    ]
    by_key = {t.key: t for t in targets}
    assert [c.id for c in by_key["cat/E"].cinemas] == [9]
    assert [c.id for c in by_key["tous"].cinemas] == list(range(1, 10))
