"""Demo cinemas created on the first run of the embedded defaults (fictional CNC numbers)."""

from __future__ import annotations

from artaud.controlplane.model import Cinema, make_cinema
from artaud.controlplane.store import ControlPlane

DEMO = (
    dict(
        cnc_id="9990001",
        name="Le Méliès (démo)",
        town="Montreuil",
        category="A",
        labels="RD,JP",
        domains="melies.example,billetterie-melies.example",
    ),
    dict(
        cnc_id="9990002",
        name="Le Zola (démo)",
        town="Villeurbanne",
        category="B",
        labels="RD,PR",
        domains="lezola.example",
    ),
    dict(
        cnc_id="9990003",
        name="Utopia (démo)",
        town="Bordeaux",
        category="B",
        labels="RD",
        domains="utopia-bordeaux.example",
    ),
    dict(
        cnc_id="9990004",
        name="Le Vox (démo)",
        town="Mayenne",
        category="E",
        labels="JP",
        domains="levox-mayenne.example",
    ),
)


def seed_demo(cp: ControlPlane) -> list[Cinema]:
    if cp.count_cinemas():
        return []
    return cp.add_cinemas(make_cinema(**d) for d in DEMO)
