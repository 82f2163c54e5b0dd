"""Exec granian for the collector, tied to the supervisor's life (`runtime/lifeline.py`).

The kernel sends SIGKILL to the collector server if the supervisor dies (even of SIGKILL), and the
workers, tied to the server, die with it. Not SIGTERM: granian's graceful stop raced with its
respawning of failed workers (`--respawn-failed-workers`, for the watchdog) and could leave a server
serving alone. Nothing acknowledged is lost (every 2xx follows its spool write); a request in flight
gets no answer and is retried by the tag. SIGINT is reset to its default in case the supervisor was
started with it ignored.
"""

from __future__ import annotations

import os
import signal
import sys

from artaud.lifeline import die_with_parent


def main() -> None:
    die_with_parent(signal.SIGKILL, parent=int(os.environ.get("ARTAUD_SUPERVISOR_PID", "0")) or None)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(sys.executable, [sys.executable, "-m", "granian", *sys.argv[1:]])  # noqa: S606


if __name__ == "__main__":
    main()
