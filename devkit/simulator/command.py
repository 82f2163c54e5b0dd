"""`artaud simulate`: the devkit's command, registered on the artaud CLI through the `artaud.commands`
entry point (the production wheel does not ship the simulator)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from artaud.cli import settings_of
from artaud_devkit.console_token import service_token
from artaud_devkit.simulator.run import SimConfig, simulate


def run(args: argparse.Namespace) -> int:
    s = settings_of(args)
    # the console's API needs a token: given, or made for the devkit's service account on this machine
    token = args.admin_token or os.environ.get("ARTAUD_ADMIN_TOKEN") or service_token(s)
    cfg = SimConfig(
        collector_url=args.url or s.collector.public_url,
        admin_url=args.admin_url or f"http://{s.admin.host}:{s.admin.port}",
        admin_token=token,
        rate=args.rate,
        duration=args.duration,
        seed=args.seed,
        concurrency=args.concurrency,
    )
    return simulate(cfg)


def register(sub: Any) -> None:
    """Adds `simulate` to the artaud command's subparsers."""
    sim = sub.add_parser("simulate", help="drive realistic traffic through real HTTP (devkit)")
    sim.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    sim.add_argument("--duration", type=float, default=20.0, help="seconds (default 20)")
    sim.add_argument("--concurrency", type=int, default=8)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--url", help="collector base URL (default: settings)")
    sim.add_argument("--admin-url", help="console base URL (default: settings)")
    sim.add_argument(
        "--admin-token",
        help="a console API token (default: $ARTAUD_ADMIN_TOKEN, else one for the devkit's account)",
    )
    sim.set_defaults(func=run)
