"""The commands that read or write the warehouse while `artaud run` holds the embedded one: they go
through the running service's console API, with a console token whose role decides, and say so
clearly without one; with the service stopped they open the warehouse themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from artaud_devkit.testing.app_process import ArtaudProcess

pytestmark = pytest.mark.slow


def artaud(svc: ArtaudProcess, *args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = (
        {**svc.env, "ARTAUD_ADMIN_TOKEN": token}
        if token
        else {k: v for k, v in svc.env.items() if k != "ARTAUD_ADMIN_TOKEN"}
    )
    return subprocess.run(
        [sys.executable, "-m", "artaud.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_warehouse_commands_go_through_the_running_service_with_a_token(tmp_path: Path) -> None:
    svc = ArtaudProcess(tmp_path / "data").start()
    try:
        blocked = artaud(svc, "segments", "list")
        assert blocked.returncode == 2 and "ARTAUD_ADMIN_TOKEN" in blocked.stderr, blocked.stderr
        assert "Traceback" not in blocked.stderr
        built = artaud(svc, "segments", "build", "--only", "art-et-essai", token=svc.admin_token)
        assert built.returncode == 0 and built.stdout.startswith("build "), built.stderr
        listed = artaud(svc, "segments", "list", token=svc.admin_token)
        assert listed.returncode == 0 and "art-et-essai" in listed.stdout
        missing = artaud(svc, "consent", "--event", "no-such-event", token=svc.admin_token)
        assert missing.returncode == 1 and "no such event" in missing.stderr
        bad = artaud(svc, "erase", "--visitor", "d.not-pooled", token=svc.admin_token)
        assert bad.returncode == 2 and "400" in bad.stderr and "Traceback" not in bad.stderr
        # an auditor's token reads, and may not build
        subprocess.run(
            [sys.executable, "-m", "artaud_devkit.console_token", "reader"],
            env=svc.env,
            check=True,
            capture_output=True,
        )
        made = artaud(svc, "users", "token", "devkit-reader", "--by", "tests")
        reader = made.stdout.strip().splitlines()[-1]
        assert artaud(svc, "segments", "list", token=reader).returncode == 0
        refused = artaud(svc, "segments", "build", token=reader)
        assert refused.returncode == 2 and "403" in refused.stderr
        assert artaud(svc, "segments", "list", token="at_000000000000_" + "x" * 43).returncode == 2
        assert "held by the running service" in artaud(svc, "migrate").stdout
    finally:
        assert svc.stop() == 0
    direct = artaud(svc, "segments", "list")  # stopped: the command opens the warehouse itself
    assert direct.returncode == 0 and "art-et-essai" in direct.stdout
    assert os.path.exists(svc.data_dir / "chdb")
