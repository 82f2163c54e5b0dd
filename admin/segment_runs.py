"""Segment builds started from the console, one at a time: the page starts one in a background thread
and polls its progress (the builder's `progress(done, total, what)` callback, runtime/jobs.py), the
JSON API (`artaud segments build` through the running service) builds and answers when done. Both
share one lock, so a second build while one runs is refused (BuildRunning, 409)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from artaud.admin.segment_fr import step_fr
from artaud.errors import Conflict
from artaud.segments.builder import BuildReport, SegmentBuilder
from artaud.segments.definitions import InvalidSegments
from artaud.warehouse.backend import WarehouseError

log = logging.getLogger("artaud.admin.segments")


class BuildRunning(Conflict):
    code = "segment_build_running"


RUNNING = "Une construction des segments est déjà en cours : attendez qu'elle se termine."


@dataclass(frozen=True)
class BuildState:
    """Where the latest build started from this process stands (`idle` before the first)."""

    state: str = "idle"  # idle | running | done | failed
    done: int = 0
    total: int = 0
    step: str = ""  # the builder's step, in French
    by: str = ""  # who started it
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str = ""  # the outcome, in French
    build_id: str = ""


def failure_fr(exc: Exception) -> str:
    """Why a build failed, in French (the technical detail goes to the service's log)."""
    if isinstance(exc, InvalidSegments):
        return (
            "La construction a échoué : les définitions des segments ne peuvent pas être utilisées "
            "(une règle modifiée sans nouvelle version, ou un segment inconnu). Le détail est dans le "
            "journal du service et dans « artaud segments build »."
        )
    if isinstance(exc, WarehouseError):
        return "La construction a échoué : l'entrepôt de données est indisponible. Réessayez dans un moment."
    return "La construction a échoué sur une erreur inattendue : le détail est dans le journal du service."


class BuildRunner:
    def __init__(
        self, builder: SegmentBuilder, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.builder = builder
        self.clock = clock
        self._one = threading.Lock()  # held for a whole build: one at a time
        self._guard = threading.Lock()  # around `_state`
        self._state = BuildState()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> BuildState:
        with self._guard:
            return self._state

    def _set(self, **changes: Any) -> None:
        with self._guard:
            self._state = replace(self._state, **changes)

    def _claim(self, by: str) -> None:
        if not self._one.acquire(blocking=False):
            raise BuildRunning(RUNNING)
        with self._guard:
            self._state = BuildState(state="running", by=by, started_at=self.clock(), step="Démarrage")

    def _progress(self, done: int, total: int, what: str) -> None:
        self._set(done=done, total=total, step=step_fr(what))

    def _build(self, only: Sequence[str]) -> BuildReport:
        try:
            report = self.builder.build(only=only, progress=self._progress)
        except Exception as exc:
            log.warning("segment build failed: %s", str(exc)[:500])
            self._set(state="failed", finished_at=self.clock(), message=failure_fr(exc))
            raise
        published = len(report.published)
        self._set(
            state="done",
            finished_at=self.clock(),
            build_id=report.build_id,
            message=f"Construction terminée : {published} segment(s) publié(s) sur {len(report.segments)}.",
        )
        return report

    def run(self, only: Sequence[str], by: str) -> BuildReport:
        """Build now, in the caller's thread, and answer the report (BuildRunning if one runs)."""
        self._claim(by)
        try:
            return self._build(only)
        finally:
            self._one.release()

    def start(self, by: str) -> None:
        """Start a build of every segment in a background thread (BuildRunning if one runs)."""
        self._claim(by)

        def work() -> None:
            try:
                self._build(())
            except Exception:  # noqa: S110 - recorded in the state and the log by _build
                pass
            finally:
                self._one.release()

        self._thread = threading.Thread(target=work, name="segment-build", daemon=True)
        self._thread.start()

    def wait(self, timeout: float = 600) -> None:
        """Until the background build (if any) is over (tests, and a service stopping)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def as_json(self, when: Callable[[datetime | None], str]) -> dict[str, Any]:
        s = self.state
        out = asdict(s)
        out["started_at"], out["finished_at"] = when(s.started_at), when(s.finished_at)
        out["percent"] = round(100 * s.done / s.total) if s.total else (100 if s.state == "done" else 0)
        return out
