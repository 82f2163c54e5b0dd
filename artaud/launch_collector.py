"""Exec granian for the collector, tied to the supervisor's life.

PR_SET_PDEATHSIG makes the collector receive SIGTERM if the supervisor dies (even of
SIGKILL), so an orphaned collector never keeps the port; SIGINT is reset to its default
in case the supervisor was started with it ignored.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the supervisor still stops us on a clean exit
        pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if os.getppid() == 1:  # the supervisor died before prctl took effect
        raise SystemExit(1)
    os.execv(sys.executable, [sys.executable, "-m", "granian", *sys.argv[1:]])  # noqa: S606


if __name__ == "__main__":
    main()
