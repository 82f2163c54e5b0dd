"""Fixtures of the tag's browser tests, shared by their modules: one real service (`artaud run`,
with TCF vendor ids for the SCARE and a partner), one page server for the cinemas' pages (serving the
banners from npm where a site hosts them), one headless Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.browser import PageServer, chromium
from tests.collector.browser_kit import BANNER_PATHS, CINEMA, PARTNER_VENDOR, SCARE_VENDOR

JS = Path(__file__).resolve().parents[1] / "js"


@pytest.fixture(scope="package")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArtaudProcess]:
    p = ArtaudProcess(
        tmp_path_factory.mktemp("browser") / "data",
        extra_env={
            "ARTAUD_CONSENT__TCF_SCARE_VENDOR_ID": str(SCARE_VENDOR),
            "ARTAUD_CONSENT__TCF_PARTNER_VENDORS": json.dumps([f"demo-agency:{PARTNER_VENDOR}"]),
            # every browser of these tests is one network (127.0.0.1) of one cinema, where a site's
            # visitors come from many: the default 30 new ids an hour (per worker) was reached within
            # a run that did not cross an hour, and later consenting visitors went, rightly, to the
            # exempt track. The limit itself is tested in test_idlimit.py and test_pipeline.py.
            "ARTAUD_COLLECTOR__NEW_IDS_PER_NETWORK_HOUR": "100000",
        },
    ).start()
    yield p
    p.stop()


@pytest.fixture(scope="package")
def pages() -> Iterator[PageServer]:
    server = PageServer(JS / "node_modules", aliases=BANNER_PATHS).start()
    yield server
    server.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="package")
def site_key(svc: ArtaudProcess) -> str:
    return next(s["site_key"] for s in svc.sites() if s["cnc_id"] == CINEMA)
