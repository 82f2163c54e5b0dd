"""Run `artaud run` as a real process on free loopback ports (tests, benchmarks, fault tests)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ArtaudProcess:
    def __init__(
        self,
        data_dir: Path,
        extra_env: dict[str, str] | None = None,
        workers: int = 2,
        command: str = "run",
        wrapper: list[str] | None = None,
        python: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.command = command
        self.wrapper = wrapper or []  # a command line the service is run under (it execs its args)
        # the interpreter, whose installed artaud is the one that runs (another checkout's .venv runs
        # that revision: the source folders ship as artaud.<folder>, out of PYTHONPATH's reach)
        self.python = python or sys.executable
        self.port = free_port()
        self.admin_port = free_port()
        self.partners_port = free_port()
        self.metrics_port = free_port()
        self.rights_port = free_port()
        self.log_path = data_dir.parent / f"{data_dir.name}-{command}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ARTAUD_")},
            "ARTAUD_PATHS__DATA_DIR": str(data_dir),
            "ARTAUD_COLLECTOR__PORT": str(self.port),
            "ARTAUD_COLLECTOR__PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "ARTAUD_COLLECTOR__WORKERS": str(workers),
            "ARTAUD_ADMIN__PORT": str(self.admin_port),
            "ARTAUD_PARTNERS__PORT": str(self.partners_port),
            "ARTAUD_COLLECTOR__METRICS_PORT": str(self.metrics_port),
            # the visitor's rights page (`[rights]`), which another checkout's revision may not know
            **(
                {
                    "ARTAUD_RIGHTS__PORT": str(self.rights_port),
                    "ARTAUD_RIGHTS__PUBLIC_URL": f"http://127.0.0.1:{self.rights_port}",
                }
                if self.python == sys.executable
                else {}
            ),
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._admin_token = ""
        self._cookies: dict[str, str] = {}

    @property
    def admin_token(self) -> str:
        """A console API token (artaud_devkit.console_token), made with the service's own settings."""
        if not self._admin_token:
            out = subprocess.run(
                self._beside([self.python, "-m", "artaud_devkit.console_token"]),
                env=self.env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            self._admin_token = out.stdout.strip().splitlines()[-1]
        return self._admin_token

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def partners_url(self) -> str:
        return f"http://127.0.0.1:{self.partners_port}"

    @property
    def rights_url(self) -> str:
        return f"http://127.0.0.1:{self.rights_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def start(self, timeout: float = 90.0) -> ArtaudProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [*self.wrapper, self.python, "-m", "artaud.cli", self.command],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"artaud exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            if self.ready():
                return self
            time.sleep(0.2)
        self.kill9()
        raise RuntimeError(f"artaud did not start in {timeout}s:\n{self.log()[-3000:]}")

    def ready(self) -> bool:
        try:
            if (
                self.command in ("run", "scheduler")
                and self.get_json("/healthz", admin=True)["status"] != "ok"
            ):
                return False
            if self.command in ("run", "collector"):
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):  # noqa: S310 - loopback
                    pass
            if self.command == "ingester":
                return "artaud ingester:" in self.log()
        except OSError:
            return False
        return True

    def inside(self, path: Path) -> Path:
        """`path` as the service sees it (through its mount namespace, when run under `small_disk`)."""
        assert self.proc is not None
        return Path(f"/proc/{self.proc.pid}/root") / path.relative_to("/")

    def get_json(self, path: str, admin: bool = True) -> Any:
        base = self.admin_url if admin else self.url
        request = urllib.request.Request(base + path)  # noqa: S310 - loopback only
        if admin and path.startswith("/api/"):
            request.add_header("Authorization", f"Bearer {self.admin_token}")
        with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310 - loopback only
            return json.load(r)

    def _beside(self, command: list[str]) -> list[str]:
        """A command that sees the data directory as the service does: run under a wrapper with
        mounts of its own (small_disk), it enters the service's user and mount namespaces (writing
        through /proc/<pid>/root reaches the files, but not the SQLite WAL index the service reads)."""
        if self.wrapper and self.proc is not None and self.proc.poll() is None:
            return ["nsenter", "-t", str(self.proc.pid), "-U", "-m", "--preserve-credentials", *command]
        return command

    def console_page(self, path: str) -> str:
        """A console page as the devkit's read-only account sees it, signed in through the login
        form (its CSRF token, its cookies: the session cookie is Secure, so it is carried by hand
        over this loopback http, as a browser does for 127.0.0.1)."""
        import re

        if not self._cookies:
            password = (
                subprocess.run(
                    [self.python, "-m", "artaud_devkit.console_token", "reader"],
                    env=self.env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            status, body = self._console("GET", "/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', body)
            assert token, body[:300]
            form = urllib.parse.urlencode(
                {
                    "csrf_token": token[1],
                    "login": "devkit-reader",
                    "password": password,
                    "code": "",
                    "next": "/",
                }
            )
            status, body = self._console("POST", "/login", form)
            assert status == 303, (status, body[:300])
        status, body = self._console("GET", path)
        assert status == 200, (status, path, body[:300])
        return body

    def _console(self, method: str, path: str, form: str | None = None) -> tuple[int, str]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self._cookies.items())}
        if form is not None:
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.admin_url}
        conn.request(method, path, body=form, headers=headers)
        answer = conn.getresponse()
        for header, value in answer.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self._cookies[name] = rest.split(";", 1)[0]
        body = answer.read().decode()
        conn.close()
        return answer.status, body

    def get_text(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:  # noqa: S310 - loopback only
            return str(r.read().decode())

    def metrics_port_open(self) -> bool:
        """Whether the counters answer on their own port (a service of another revision, measured
        beside this one, may still serve them on the collector's port)."""
        try:
            with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=0.5):
                return True
        except OSError:
            return False

    def metrics(self) -> str:
        """The collector's Prometheus counters (on their own port, not the collector's)."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            return str(r.read().decode())

    def sites(self) -> list[dict[str, Any]]:
        return list(self.get_json("/api/v1/sites"))

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM: a clean stop that drains the spool into the warehouse."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise
        self._reap_group()
        return code

    def kill9(self) -> None:
        """SIGKILL the whole process group: the supervisor, granian and its workers."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._reap_group()

    def _reap_group(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def small_disk(directory: Path, size: str, keeper: Path | None = None) -> list[str]:
    """A wrapper running the service with a tmpfs of `size` (e.g. "16m") mounted over `directory`,
    in user and mount namespaces of its own (no privilege needed): a small disk to fill. With
    `keeper`, a process that outlives the service holds the namespace (its pid written there), so
    that the disk can still be read through /proc/<pid>/root after the service stopped."""
    directory.mkdir(parents=True, exist_ok=True)
    keep = f'setsid sleep 3600 & echo $! > "{keeper}" && ' if keeper is not None else ""
    script = f'mount -t tmpfs -o size="$1",mode=0700 tmpfs "$2" && {keep}shift 2 && exec "$@"'
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", size, str(directory)]
