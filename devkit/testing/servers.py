"""Real services as processes on free loopback ports: Debian's ClickHouse server and PostgreSQL.

No Docker here: each server gets a fresh temporary directory, its own ports, and is stopped (or
killed with SIGKILL for fault tests, then restarted on the same data) by the test that needs it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from artaud_devkit.testing.app_process import free_port


class ServiceError(RuntimeError):
    pass


class ServerProcess:
    """A server run as a child process in its own directory: stop, SIGKILL, close."""

    dir: Path
    keep: bool
    proc: subprocess.Popen[bytes] | None

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self) -> None:
        self.stop()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


class ClickHouseServer(ServerProcess):
    """Debian's clickhouse-server (18.16) with its own path and ports."""

    def __init__(self, keep: bool = False) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="artaud-ch-"))
        self.host = "127.0.0.1"
        self.tcp_port = free_port()
        self.http_port = free_port()
        self.interserver_port = free_port()
        self.keep = keep
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        binary = shutil.which("clickhouse-server") or "/usr/bin/clickhouse-server"
        return [
            binary,
            "--config-file=/etc/clickhouse-server/config.xml",
            "--",
            f"--path={self.dir}/",
            f"--tmp_path={self.dir / 'tmp'}/",
            f"--user_files_path={self.dir}/user_files/",
            f"--format_schema_path={self.dir}/format_schemas/",
            f"--tcp_port={self.tcp_port}",
            f"--http_port={self.http_port}",
            f"--interserver_http_port={self.interserver_port}",
            f"--logger.log={self.dir}/log",
            f"--logger.errorlog={self.dir}/err",
            "--listen_host=127.0.0.1",
        ]

    def start(self, timeout: float = 60.0) -> ClickHouseServer:
        if not shutil.which("clickhouse-server") and not Path("/usr/bin/clickhouse-server").exists():
            raise ServiceError("clickhouse-server is not installed (run scripts/install-debian-deps.sh)")
        out = open(self.dir / "stdout", "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, cwd=self.dir)
        out.close()
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError(f"clickhouse-server exited with {self.proc.returncode}:\n{self._tail()}")
            try:
                c = self.client()
                c.execute("SELECT 1")
                c.disconnect()
                return self
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.2)
        self.kill9()
        raise ServiceError(f"clickhouse-server did not answer in {timeout}s ({last}):\n{self._tail()}")

    def _tail(self) -> str:
        parts = []
        for name in ("err", "stdout"):
            with contextlib.suppress(OSError):
                parts.append((self.dir / name).read_text(errors="replace")[-2000:])
        return "\n".join(parts)

    def client(self, **kwargs: Any) -> Any:
        from clickhouse_driver import Client

        return Client(host=self.host, port=self.tcp_port, connect_timeout=2, **kwargs)

    def __enter__(self) -> ClickHouseServer:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise ServiceError("PostgreSQL is not installed (run scripts/install-debian-deps.sh)")
    return found[-1]


class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl), trust auth on 127.0.0.1."""

    def __init__(self, database: str = "artaud") -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="artaud-pg-"))
        self.port = free_port()
        self.database = database
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def _run(self, args: list[str]) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_root else args
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tempfile.gettempdir())
        if res.returncode != 0:
            raise ServiceError(f"{' '.join(args[:2])} failed: {res.stderr[-2000:]}{res.stdout[-1000:]}")

    @property
    def dsn(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        self._run(
            [_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            [_pg_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start"]
        )
        self._run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database]
        )
        return self

    def stop(self) -> None:
        with contextlib.suppress(ServiceError):
            self._run([_pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.stop()
