"""One house per attack module (the attacks change it: rotations, withdrawals, crafted visitors), and
the figures of every attack printed at the end of the run, beside those of the issue that found them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.attacks.house import House, open_house

FIGURES: list[tuple[str, str, str]] = []


@pytest.fixture(scope="module")
def house(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[House]:
    h = open_house(tmp_path_factory.mktemp("house"), getattr(request.module, "HOUSE_ENV", {}))
    try:
        yield h
    finally:
        FIGURES.extend(h.figures)
        h.svc.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("attacks on the clean room: figure before (issue 21) → now")
    for attack, before, now in FIGURES:
        terminalreporter.write_line(f"{attack}: {before} → {now}")
