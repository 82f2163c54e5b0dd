"""The house the attacks are tried against: `artaud run` (real processes, the embedded ClickHouse, the
control plane, the partners' API over HTTP) with six cinemas, two partners with two keys each and a
thousand pooled visitors seen on two days (yesterday's service runs under libfaketime, then today's).

Ground truth (who a partner pseudonym is) comes from the key ring on disk, as an auditor holding the
SCARE's keys would compute it; the attacker sees only what the partners' API returns.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from artaud.collector.films import film_ref
from artaud.collector.partner_pseudonyms import partner_pseudonym
from artaud.collector.pseudonym import Pseudonymiser
from artaud.config.keyring import KeyRing
from artaud_devkit.testing.app_process import ArtaudProcess
from artaud_devkit.testing.faketime import shifted_env
from tests.integration.client import HitClient, call, cli

# (cnc, category, labels): three Recherche & Découverte cinemas, three Jeune Public ones
CINEMAS = [
    ("9990101", "A", "RD"),
    ("9990102", "A", "RD"),
    ("9990103", "B", "RD"),
    ("9990104", "C", "JP"),
    ("9990105", "D", "JP"),
    ("9990106", "E", "JP"),
]
PARTNERS = ("demo-agency", "other-agency")
VISITORS = 1000
BOTH = "measure,pool,partner:demo-agency,partner:other-agency"
ENV = {"ARTAUD_SEGMENTS__BUILD_HOUR": "-1", "ARTAUD_COLLECTOR__SITE_REFRESH_SECONDS": "1"}


def raw_id(i: int) -> str:
    return f"attack-visitor-{i:04d}"


def consent_of(i: int) -> str:
    """80 % consent to both partners, 10 % to demo-agency only, 10 % to the pooled audience only."""
    return BOTH if i % 10 < 8 else ("measure,pool,partner:demo-agency" if i % 10 == 8 else "measure,pool")


def ip_of(i: int) -> str:
    return f"10.{i // 250}.{i % 250}.7"  # one /24 network per visitor, as on the real web


@dataclass(frozen=True)
class Film:
    title: str
    director: str

    @property
    def segment(self) -> str:
        return "film/" + film_ref(self.title, self.director)


@dataclass
class House:
    data: Path
    svc: ArtaudProcess
    sites: list[dict[str, Any]]
    tokens: dict[str, list[str]]  # partner -> its two API keys
    figures: list[tuple[str, str, str]] = field(default_factory=list)
    _n: int = 0

    # -- visits ---------------------------------------------------------------------------------
    def site(self, i: int) -> dict[str, Any]:
        return self.sites[i % len(self.sites)]

    def visit(
        self,
        who: list[int],
        film: Film | None = None,
        at: int | None = None,
        ids: dict[int, str] | None = None,
        ip: str | dict[int, str] | None = None,
        consent: str | None = None,
    ) -> tuple[int, int]:
        """Each visitor's page view (and film page view) at its home cinema (or cinema `at`), from its
        own network (or `ip`: one address for all, or one per visitor). Returns (accepted, refused)."""
        client = HitClient(self.svc.url)
        ok = refused = 0
        last = ""
        try:
            for i in who:
                site = self.sites[at] if at is not None else self.site(i)
                host = site["domains"][0]
                self._n += 1
                last = f"attack-{self._n:08d}"
                events: list[dict[str, object]] = [{"n": "page_view", "u": f"https://{host}/", "i": last}]
                if film is not None:
                    self._n += 1
                    last = f"attack-{self._n:08d}"
                    events.append(
                        {
                            "n": "view_item",
                            "u": f"https://{host}/films/{film.title}",
                            "title": film.title,
                            "dir": film.director,
                            "i": last,
                        }
                    )
                status, _ = client.beacon(
                    site["site_key"],
                    host,
                    events,
                    visitor=(ids or {}).get(i, raw_id(i)),
                    consent=consent or consent_of(i),
                    headers={
                        "X-Forwarded-For": ip.get(i, ip_of(i)) if isinstance(ip, dict) else ip or ip_of(i)
                    },
                )
                ok, refused = (ok + 1, refused) if status == 204 else (ok, refused + 1)
        finally:
            client.close()
        if last:
            self.stored(last)
        return ok, refused

    def stored(self, event_id: str, timeout: float = 30) -> None:
        """Wait until the warehouse holds `event_id` (the spool drains about once a second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.svc.get_json(f"/api/v1/consent?event_id={event_id}")
            if got:
                return
            time.sleep(0.3)
        raise AssertionError(f"{event_id} never reached the warehouse")

    def withdraw(self, who: list[int]) -> None:
        client = HitClient(self.svc.url)
        try:
            for i in who:
                site = self.site(i)
                status, _ = client._request(
                    "POST",
                    "/c/w",
                    json.dumps({"k": site["site_key"], "v": raw_id(i)}).encode(),
                    {"Origin": f"https://{site['domains'][0]}", "Content-Type": "text/plain"},
                )
                assert status == 204
        finally:
            client.close()
        time.sleep(2.5)  # drained into suppressions

    # -- the SCARE -------------------------------------------------------------------------------
    def build(self, *only: str) -> dict[str, Any]:
        status, body = call(
            f"{self.svc.admin_url}/api/v1/segments/build", self.svc.admin_token, body={"only": list(only)}
        )
        assert status == 200, body
        return dict(body)

    def catalog(self) -> dict[str, dict[str, Any]]:
        return {e["key"]: e for e in self.svc.get_json("/api/v1/segments")}

    def cli(self, *args: str) -> str:
        return cli(self.data, *args)

    # -- a partner -----------------------------------------------------------------------------
    def export(self, partner: str, segment: str, key: int = 0) -> tuple[int, dict[str, Any]]:
        return call(f"{self.svc.partners_url}/v1/exports", self.tokens[partner][key], {"segment": segment})

    def get(self, partner: str, path: str, key: int = 0) -> tuple[int, Any]:
        return call(f"{self.svc.partners_url}{path}", self.tokens[partner][key])

    def listed(self, partner: str, export_id: str, kind: str = "members") -> list[str]:
        status, rows = self.get(partner, f"/v1/exports/{export_id}/{kind}?format=jsonl&limit=1000000")
        assert status == 200, rows
        return [r["pseudonym"] for r in rows]

    def deletions(self, partner: str) -> set[str]:
        status, rows = self.get(partner, "/v1/deletions?format=jsonl")
        assert status == 200, rows
        return {r["pseudonym"] for r in rows}

    # -- ground truth (the SCARE's keys) --------------------------------------------------------
    def ring(self) -> KeyRing:
        return KeyRing(self.data / "secrets")

    def who(
        self, partner: str, version: int | None = None, pooled_version: int | None = None
    ) -> dict[str, int]:
        """partner pseudonym -> visitor number, under the given key versions (default: current)."""
        ring = self.ring()
        pk = ring.get("pooled-visitor", pooled_version) if pooled_version else ring.current("pooled-visitor")
        pooled = Pseudonymiser(pk.secret, pk.version)
        key = ring.get(f"partner-{partner}", version) if version else ring.current(f"partner-{partner}")
        return {partner_pseudonym(key.secret, pooled.pooled(raw_id(i))): i for i in range(VISITORS + 200)}

    def figure(self, attack: str, before: str, now: str) -> None:
        self.figures.append((attack, before, now))


def open_house(root: Path, env: dict[str, str] | None = None) -> House:
    """Yesterday: six cinemas, two partners, a thousand visitors' page views; today: the same people
    come back (so they are credible members), on the real clock. `env`: settings of this house."""
    settings = {**ENV, **(env or {})}
    data = root / "data"
    for cnc, category, labels in CINEMAS:
        cli(
            data,
            "cinemas",
            "add",
            "--cnc",
            cnc,
            "--name",
            f"Cinéma {cnc}",
            "--category",
            category,
            "--labels",
            labels,
            "--domains",
            f"cinema-{cnc}.example",
        )
    tokens: dict[str, list[str]] = {}
    for slug in PARTNERS:
        cli(
            data,
            "partners",
            "add",
            "--slug",
            slug,
            "--name",
            slug.replace("-", " ").title(),
            "--rate-per-minute",
            "100000",
        )
        tokens[slug] = [cli(data, "partners", "key", "--slug", slug).splitlines()[1] for _ in range(2)]
    yesterday = ArtaudProcess(data, extra_env={**settings, **shifted_env(-1)}).start()
    try:
        sites = sorted(yesterday.sites(), key=lambda s: str(s["cnc_id"]))
        house = House(data, yesterday, sites, tokens)
        accepted, refused = house.visit(list(range(VISITORS)))
        assert (accepted, refused) == (VISITORS, 0)
    finally:
        assert yesterday.stop() == 0
    today = ArtaudProcess(data, extra_env=settings).start()
    house.svc = today
    accepted, refused = house.visit(list(range(VISITORS)))
    assert (accepted, refused) == (VISITORS, 0)
    return house
