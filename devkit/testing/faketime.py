"""Run a real process on another day: the environment that makes libfaketime shift its clock.

The wall clock only (`DONT_FAKE_MONOTONIC`): timeouts and sleeps keep real time, while every date
the process reads (received_at, event_date, key creation) is `days` earlier or later. Tests use it to
run `artaud run` on "yesterday" (a visitor seen on two days), never to stub the code under test.
"""

from __future__ import annotations

import os


def shifted_env(days: float) -> dict[str, str]:
    """Environment variables that run a child process `days` days off (negative: in the past)."""
    import libfaketime  # type: ignore[import-untyped]  # dev dependency (pyproject's [dev])

    needs_reload, env = libfaketime.get_reload_information()
    del needs_reload  # that is about re-executing this process; a child only needs the variables
    out = {str(k): str(v) for k, v in env.items()}
    if "LD_LIBRARY_PATH" in out and os.environ.get("LD_LIBRARY_PATH"):
        out["LD_LIBRARY_PATH"] += os.pathsep + os.environ["LD_LIBRARY_PATH"]
    out["FAKETIME"] = f"{days:+g}d"
    out["DONT_FAKE_MONOTONIC"] = "1"
    return out
