"""The disk faults of issue 22 against the real service (`artaud run` on the embedded defaults, under
load): what was acknowledged, stored once, duplicated, lost, and whether the service recovered
alone. The small disk is a tmpfs mounted over the spool in namespaces of the service's own
(devkit/testing/app_process.py `small_disk`), filled from outside through /proc/<pid>/root."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from artaud_devkit.testing.app_process import ArtaudProcess, small_disk
from tests.integration.load import AckLoad
from tests.integration.test_embedded_service import stored_ids

pytestmark = pytest.mark.slow


def health(svc: ArtaudProcess) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(svc.url + "/healthz", timeout=5) as r:
            return r.status, json.load(r)["status"]
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)["status"]


class Filler:
    """Keeps a disk full: writes until it refuses, and again whenever space comes back (the drainer
    frees segments), until stopped; then deletes what it wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self._stop = threading.Event()
        self._fh = open(path, "wb", buffering=0)  # noqa: SIM115 - closed in stop()
        self._fill()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        for size in (1 << 20, 4096, 64):
            while True:
                try:
                    self.written += self._fh.write(b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._fill()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._fh.close()
        self.path.unlink()


def wait_until(check, timeout: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "not within the time allowed"
        time.sleep(0.2)
    return time.monotonic() - start


def tally(acked: set[str], got: list[str], **more: object) -> dict[str, object]:
    """The ledger of a fault: acknowledged, stored once, duplicated, lost (plus `more`), printed."""
    figures = {
        "acknowledged": len(acked),
        "stored": len(set(got)),
        "duplicated": len(got) - len(set(got)),
        "lost": len(acked - set(got)),
        **more,
    }
    print(json.dumps(figures))
    return figures


def full_under_load(
    svc: ArtaudProcess, disk: Path, prefix: str, seconds: float = 4
) -> tuple[dict[str, object], set[str], AckLoad]:
    """A load of beacons with ids `<prefix>-…`; `disk` (as the service sees it) kept full for
    `seconds`, then freed: health must be red while full and turn green by itself, hits must be taken
    again and delivered without a restart. Returns the figures, the acknowledged ids and the load;
    the service is stopped."""
    site = svc.sites()[0]
    load = AckLoad(svc.url, site["site_key"], site["domains"][0], prefix).start()
    figures: dict[str, object] = {}
    try:
        load.wait_for(1000)
        filler = Filler(svc.inside(disk) / "filler")
        refused_before = load.refused_503
        time.sleep(seconds)  # the disk stays full under load
        status, why = health(svc)
        figures["health_while_full"] = f"{status} {why}"
        assert status == 503 and why in ("disk_error", "spool_full"), figures
        figures["answered_503_while_full"] = load.refused_503 - refused_before
        assert load.refused_503 > refused_before, figures
        acked_while_full = len(load.acked)
        filler.stop()
        figures["filled_bytes"] = filler.written
        figures["seconds_to_green"] = round(wait_until(lambda: health(svc) == (200, "ok"), 90), 1)
        load.wait_for(acked_while_full + 1000)  # accepting again, without a restart

        def delivered() -> bool:  # delivery resumed by itself: what was acknowledged until the disk
            counts = svc.get_json(f"/api/v1/events/count?id_prefix={prefix}-")  # was freed, live
            return sum(int(v["rows"]) for v in counts.values()) >= acked_while_full

        figures["seconds_to_deliver"] = round(wait_until(delivered, 120), 1)
    finally:
        acked = load.stop()
        with contextlib.suppress(Exception):
            svc.stop()
    return figures, acked, load


def test_a_full_spool_disk_under_load_loses_nothing_and_recovers_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    svc = ArtaudProcess(
        data,
        {"ARTAUD_SPOOL__SEGMENT_BYTES": str(1 << 20), "ARTAUD_SPOOL__RESERVE_BYTES": str(2 << 20)},
        wrapper=small_disk(data / "spool", "16m"),
    ).start()
    figures, acked, load = full_under_load(svc, data / "spool", "full")
    got = [g for g in stored_ids(data) if g.startswith("full-")]
    figures = tally(acked, got, **figures, other_statuses=load.other)
    assert figures["duplicated"] == 0 and figures["lost"] == 0 and load.other == {}, figures


def frames_after(seg: Path, offset: int) -> list[tuple[int, int]]:
    """(start, end) of each whole record of a segment from `offset` on."""
    from artaud.spool.frames import FILE_MAGIC, HEADER

    buf = seg.read_bytes()
    pos, out = max(offset, len(FILE_MAGIC)), []
    while pos + HEADER.size <= len(buf):
        _, length, _ = HEADER.unpack_from(buf, pos)
        if pos + HEADER.size + length > len(buf):
            break
        out.append((pos, pos + HEADER.size + length))
        pos += HEADER.size + length
    return out


def test_bad_bytes_and_a_garbled_checkpoint_in_a_backlog_cost_only_the_damaged_records(
    tmp_path: Path,
) -> None:
    """kill -9 under load leaves an undrained backlog; in it, one payload byte is flipped, one record
    header zeroed, and a checkpoint garbled; the restarted service delivers everything else, once."""
    from artaud.spool import checkpoint

    data = tmp_path / "data"
    # a slow drain (one batch of 50 a second) keeps a backlog to damage
    env = {"ARTAUD_WAREHOUSE__BATCH_ROWS": "50", "ARTAUD_WAREHOUSE__BATCH_SECONDS": "1"}
    svc = ArtaudProcess(data, env).start()
    site = svc.sites()[0]
    load = AckLoad(svc.url, site["site_key"], site["domains"][0], "rot").start()
    load.wait_for(3000)
    svc.kill9()
    acked = load.stop()
    damaged, garbled = 0, 0
    for d in sorted((data / "spool").glob("w-*")):
        cp = checkpoint.parse((d / "checkpoint").read_bytes()) or {"segment": 1, "offset": 0}
        segs = sorted(d.glob("*.seg"))
        if not segs:
            continue
        seg = segs[0]
        records = frames_after(seg, cp.get("offset", 0) if seg.stem == f"{cp['segment']:012d}" else 0)
        if len(records) < 20:
            continue
        raw = bytearray(seg.read_bytes())
        _, e = records[5]
        raw[e - 3] ^= 0x20  # a payload byte
        s2, _ = records[12]
        raw[s2 : s2 + 12] = bytes(12)  # a header zeroed
        seg.write_bytes(bytes(raw))
        damaged += 2
        if not garbled:
            (d / "checkpoint").write_bytes(b'{"segment": 1, "off')
            garbled += 1
    assert damaged >= 2 and garbled == 1, "no backlog to damage"
    svc.start()
    assert svc.stop() == 0
    got = [g for g in stored_ids(data) if g.startswith("rot-")]
    quarantined = len(list((data / "spool" / "quarantine").glob("*.bad")))
    figures = tally(acked, got, records_damaged=damaged, quarantined_files=quarantined)
    assert figures["duplicated"] == 0 and int(figures["lost"]) <= damaged, figures
    assert figures["quarantined_files"] == damaged, figures


def test_a_full_data_directory_under_load_loses_nothing_and_recovers_alone(tmp_path: Path) -> None:
    """The whole data directory (spool, salts, the embedded ClickHouse) on a 400 MiB disk, kept full
    for 4 s under load: inserts fail as well as appends; everything acknowledged is stored once."""
    data = tmp_path / "data"
    keeper = tmp_path / "keeper.pid"  # holds the small disk after the service stopped, to count
    svc = ArtaudProcess(
        data,
        {"ARTAUD_SPOOL__SEGMENT_BYTES": str(1 << 20), "ARTAUD_SPOOL__RESERVE_BYTES": str(8 << 20)},
        wrapper=small_disk(data, "400m", keeper),
    ).start()
    figures, acked, load = full_under_load(svc, data, "whole")
    holder = int(keeper.read_text())
    try:
        copy = tmp_path / "copy"  # the embedded ClickHouse's files, copied out of the small disk
        shutil.copytree(
            Path(f"/proc/{holder}/root") / data.relative_to("/") / "chdb", copy / "chdb", symlinks=True
        )
        for link in [p for p in (copy / "chdb").rglob("*") if p.is_symlink()]:  # absolute, inside it
            target = os.readlink(link)
            if target.startswith(str(data / "chdb")):
                link.unlink()
                link.symlink_to(str(copy / "chdb") + target[len(str(data / "chdb")) :])
        got = [g for g in stored_ids(copy) if g.startswith("whole-")]
    finally:
        os.kill(holder, signal.SIGKILL)
    figures = tally(acked, got, **figures, other_statuses=load.other)
    assert figures["duplicated"] == 0 and figures["lost"] == 0 and load.other == {}, figures


def test_retries_across_a_restart_a_deleted_checkpoint_and_a_half_created_salt_store_each_hit_once(
    tmp_path: Path,
) -> None:
    """Against the real service: the tag resends beacons whose answers it lost while the service
    restarted; a checkpoint is deleted under a backlog; a cinema's salt file of the day was left
    empty by an interrupted creation. Every acknowledged hit is stored once; the cinema answers 204."""
    from datetime import UTC, datetime

    from artaud.collector.salts import local_day
    from tests.integration.client import HitClient

    data = tmp_path / "data"
    env = {"ARTAUD_WAREHOUSE__BATCH_ROWS": "50", "ARTAUD_WAREHOUSE__BATCH_SECONDS": "1"}
    svc = ArtaudProcess(data, env).start()
    site = svc.sites()[0]
    host = site["domains"][0]

    def send(ids: list[str]) -> set[str]:
        client = HitClient(svc.url)
        ok = set()
        for eid in ids:
            status, _ = client.beacon(
                site["site_key"], host, [{"n": "page_view", "u": f"https://{host}/", "i": eid}]
            )
            if status == 204:
                ok.add(eid)
        client.close()
        return ok

    first = send([f"again-{i:05d}" for i in range(600)])
    svc.kill9()  # a backlog is left (a slow drain): delete a checkpoint under it
    cps = [d / "checkpoint" for d in (data / "spool").glob("w-*") if (d / "checkpoint").exists()]
    assert cps
    cps[0].unlink()
    today = local_day(datetime.now(UTC)).isoformat()
    salts = data / "secrets" / "salts" / today
    for salt in salts.glob("*.salt"):
        salt.write_bytes(b"")  # as an older version left it, interrupted by a full disk
    svc.start()
    again = send([f"again-{i:05d}" for i in range(600)])  # the same beacons, resent
    fresh = send([f"after-{i:05d}" for i in range(100)])
    assert svc.stop() == 0
    got = [g for g in stored_ids(data) if g.startswith(("again-", "after-"))]
    figures = tally(
        first | again | fresh,
        got,
        acknowledged_before=len(first),
        resent_acknowledged=len(again),
        fresh_acknowledged=len(fresh),
    )
    assert len(first) == len(again) == 600 and len(fresh) == 100, figures
    assert figures["duplicated"] == 0 and figures["lost"] == 0 and figures["stored"] == 700, figures
