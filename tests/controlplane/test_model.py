from __future__ import annotations

import pytest

from artaud.collector.sites import Site
from artaud.controlplane.model import InvalidCinema, make_cinema, normalise_domain


def test_a_valid_cinema_is_normalised():
    c = make_cinema(
        cnc_id="12345",
        name=" Le Méliès ",
        town="Montreuil",
        category="a",
        labels="Recherche et Découverte; jeune public",
        domains="https://www.melies.example/, melies.example",
    )
    assert (c.cnc_id, c.name, c.category, c.labels, c.domains) == (
        "0012345",
        "Le Méliès",
        "A",
        ("JP", "RD"),
        ("melies.example",),
    )
    assert c.site_key.startswith("sk_")
    site = Site(
        cinema_id=1, cnc_id=c.cnc_id, domains=c.domains, active=True
    )  # how the collector checks pages
    assert site.allows("billetterie.melies.example") and not site.allows("melies.example.evil.test")


def test_every_problem_is_reported():
    with pytest.raises(InvalidCinema) as exc:
        make_cinema(cnc_id="12AB", name="", town="", category="F", labels="Art", domains="not a domain!")
    assert set(exc.value.problems) == {"cnc_id", "name", "category", "labels", "domains"}


@pytest.mark.parametrize(
    ("raw", "want"), [("HTTP://WWW.A.EXAMPLE:8080/x", "a.example"), ("b.example.", "b.example")]
)
def test_domains(raw, want):
    assert normalise_domain(raw) == want
