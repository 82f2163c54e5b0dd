"""The facts of the shipped defaults, gathered once against an empty control plane."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

from artaud.compliance.facts import Facts
from artaud.compliance.gather import gather
from artaud.config.settings import load
from artaud.controlplane.store import ControlPlane


@cache
def default_facts() -> Facts:
    with TemporaryDirectory() as tmp:
        cp = ControlPlane(f"sqlite:///{Path(tmp) / 'control.sqlite'}")
        try:
            cp.migrate()
            return gather(load(env={}, overrides={"paths": {"data_dir": tmp}}), cp, env={})
        finally:
            cp.close()
