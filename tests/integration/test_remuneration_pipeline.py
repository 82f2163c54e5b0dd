"""The money side end to end, as the SCARE and two agencies run it: simulated traffic into `artaud run`,
a segment build, an export pulled by each agency over HTTP, each agency's campaign recorded and
approved, its export declared and its figures reported through the partners' API; then, the service
stopped (its embedded warehouse is the service's while it runs), the contributions frozen from the
delivered lists, the distribution booked under each policy in turn (each reversed before the next),
every cinema's statement verified (and refused after a one-cent change), the period's statements in
HTML, PDF and CSV, an erasure that leaves the statements true, the distributor's payment received
and the pain.001 file that pays the cinemas, valid against its XSD."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from schwifty import IBAN

from artaud.collector.pseudonym import Pseudonymiser
from artaud.config.keyring import KeyRing
from artaud.remuneration.sepa import validate
from artaud_devkit.simulator.run import SimConfig, simulate
from artaud_devkit.testing.app_process import ArtaudProcess
from tests.integration.client import HitClient, call, cli

pytestmark = pytest.mark.slow

AGENCIES = ("demo-agency", "other-agency")
PAYMENT = 1_234_567  # cents, excluding VAT
DEBTOR = {
    "ARTAUD_PAYOUTS__DEBTOR_NAME": "SCARE",
    "ARTAUD_PAYOUTS__DEBTOR_IBAN": str(IBAN.generate("FR", bank_code="30004", account_code="00099999999")),
    "ARTAUD_PAYOUTS__DEBTOR_BIC": "BNPAFRPP",
}
POLICIES = (
    ("pro_rata",),
    ("pro_rata_bounded", "--floor-cents", "250000", "--cap-cents", "300000"),
    ("mutualist", "--alpha", "0.5"),
    ("solidarity", "--coefficients", "A=1,B=1,C=1.1,D=1.2,E=1.3"),
)


def put(url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="PUT")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, json.loads(r.read())


def artaud(data: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "artaud.cli", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def ok(data: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = artaud(data, *args, env=env)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def test_from_traffic_to_verified_statements_and_a_valid_payout_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for slug in AGENCIES:
        cli(data, "partners", "add", "--slug", slug, "--name", slug.replace("-", " ").title())
    svc = ArtaudProcess(
        data,
        extra_env={
            "ARTAUD_SEGMENTS__K": "20",
            "ARTAUD_SEGMENTS__MIN_CINEMAS": "2",
            "ARTAUD_SEGMENTS__MAX_CINEMA_SHARE": "0.9",
            "ARTAUD_SEGMENTS__BUILD_HOUR": "-1",
            "ARTAUD_SEGMENTS__CREDIBLE_DAYS": "1",
        },
    ).start()
    today = date.today()
    known = [f"paid-visitor-{i:04d}" for i in range(60)]
    exports: dict[str, str] = {}
    try:
        tokens = {slug: cli(data, "partners", "key", "--slug", slug).splitlines()[1] for slug in AGENCIES}
        out = io.StringIO()
        assert (
            simulate(
                SimConfig(
                    svc.url,
                    svc.admin_url,
                    admin_token=svc.admin_token,
                    rate=200,
                    duration=4,
                    concurrency=4,
                    seed=5,
                ),
                out=out,
            )
            == 0
        )
        sites = svc.sites()
        client = HitClient(svc.url)
        consent = "measure,pool," + ",".join(f"partner:{a}" for a in AGENCIES)
        for i, v in enumerate(known):  # each seen at one cinema, one in three at a second one
            for j in (i, i + 1) if i % 3 == 0 else (i,):
                site = sites[j % len(sites)]
                host = site["domains"][0]
                event = {"n": "page_view", "u": f"https://{host}/film/anatomie", "i": f"paid-{i:04d}-{j}"}
                status, _ = client.beacon(site["site_key"], host, [event], visitor=v, consent=consent)
                assert status == 204
        client.close()
        time.sleep(3)  # the drainer inserts about once a second
        status, build = call(
            f"{svc.admin_url}/api/v1/segments/build", svc.admin_token, body={"only": ["art-et-essai"]}
        )
        assert status == 200, build
        for slug in AGENCIES:
            status, made = call(f"{svc.partners_url}/v1/exports", tokens[slug], {"segment": "art-et-essai"})
            assert status == 201, made
            exports[slug] = made["export"]["export_id"]

        # the SCARE records each agency's campaign (and approves one of them now)
        for n, slug in enumerate(AGENCIES):
            ok(
                data, "campaigns", "add", "--id", f"camp-{n}", "--distributor", "Pyramide Distribution",
                "--siren", "732829320", "--film", "Anatomie d'une chute", "--director", "Justine Triet",
                "--partner", slug, "--start", str(today), "--end", str(today + timedelta(days=29)),
                "--payment-cents", str(PAYMENT), "--vat-rate", "0.2", "--fee-rate", "0.1",
            )  # fmt: skip
        # each agency declares its export for its campaign and reports a day's figures over HTTP
        for n, slug in enumerate(AGENCIES):
            base = f"{svc.partners_url}/v1/campaigns/camp-{n}"
            assert put(f"{base}/exports/{exports[slug]}", tokens[slug])[0] == 201
            status, report = put(
                f"{base}/reports/{today}", tokens[slug], {"impressions": 12000, "clicks": 85}
            )
            assert status == 200 and report["clicks"] == 85
        status, mine = call(f"{svc.partners_url}/v1/campaigns", tokens["demo-agency"])
        assert [c["id"] for c in mine] == ["camp-0"] and mine[0]["exports"] == [exports["demo-agency"]]
    finally:
        assert svc.stop() == 0

    # unapproved: nothing can be booked
    refused = artaud(data, "remuneration", "distribute", "camp-0", "--policy", "pro_rata", "--by", "Claire")
    assert refused.returncode == 2 and "not approved" in refused.stderr
    ok(data, "campaigns", "approve", "camp-0", "--by", "Claire Martin")
    frozen = ok(data, "campaigns", "freeze", "camp-0", "--by", "Claire Martin")
    people = int(frozen.split(" people")[0].rsplit(" ", 1)[1])
    assert people >= len(known)
    contributions = {
        line.split()[0]: Fraction(line.split()[3])
        for line in frozen.splitlines()[1:]
        if "contribution" in line
    }
    assert sum(contributions.values()) == people  # each person counts 1 in all, 1/k at each cinema

    roots: dict[str, str] = {}
    published = tmp_path / "published"
    for i, (policy, *params) in enumerate(POLICIES):
        booked = ok(
            data, "remuneration", "distribute", "camp-0", "--policy", policy, *params, "--by", "Claire"
        )
        again = ok(
            data, "remuneration", "distribute", "camp-0", "--policy", policy, *params, "--by", "Claire"
        )
        assert "already booked" in again  # idempotent: booked once
        batch = booked.split("batch ", 1)[1].split(",")[0]
        amounts = {m[1]: m[2] for m in re.finditer(r"(?m)^  ([0-9]{7})  +(.+)$", booked)}
        assert sorted(amounts) == sorted(contributions)
        cents = {cnc: int(re.sub(r"[^0-9]", "", text)) for cnc, text in amounts.items()}
        assert sum(cents.values()) == PAYMENT - round(PAYMENT * Fraction(1, 10))  # the pot, to the cent
        if policy == "pro_rata_bounded":
            assert all(250_000 <= c <= 300_000 for c in cents.values())
        where = published / policy
        ok(data, "remuneration", "publish", "camp-0", "--out", str(where))
        root = (where / "root.txt").read_text().strip()
        roots[policy] = root
        statements = sorted(where.glob("*.statement.json"))
        assert len(statements) == len(contributions)
        for path in statements:
            assert artaud(data, "remuneration", "verify", str(path), "--root", root).returncode == 0
        # one cent moved: refused
        statement = json.loads(statements[0].read_text())
        fields = statement["line"].split("\t")
        fields[3] = str(int(fields[3]) + 1)  # the amount
        statement["line"] = "\t".join(fields)
        tampered = tmp_path / f"tampered-{policy}.json"
        tampered.write_text(json.dumps(statement))
        assert artaud(data, "remuneration", "verify", str(tampered), "--root", root).returncode != 0
        if i < len(POLICIES) - 1:
            ok(data, "remuneration", "reverse", batch, "--by", "Claire", "--reason", "the board compares")
    assert len(set(roots.values())) == len(POLICIES)  # four policies, four different sets of lines

    # the period's statements, one per cinema, in the three formats
    for fmt in ("html", "pdf", "csv"):
        ok(data, "remuneration", "statements", "--from", str(today), "--to", str(today), "--format", fmt,
           "--out", str(tmp_path / "releves"))  # fmt: skip
    docs = sorted((tmp_path / "releves").iterdir())
    assert len(docs) == 3 * len(contributions)
    for path in docs:
        if path.suffix == ".pdf":
            assert path.read_bytes().startswith(b"%PDF")
        elif path.suffix == ".csv":
            [row] = list(csv.DictReader(io.StringIO(path.read_text())))
            assert row["campaign"] == "camp-0" and row["policy"] == "solidarity"
        else:
            assert "Relevé de rémunération" in path.read_text()

    # an erasure after the distribution: the person leaves the data, the statements stay true
    ring = KeyRing(data / "secrets")
    key = ring.current("pooled-visitor")
    ok(data, "erase", "--visitor", Pseudonymiser(key.secret, key.version).pooled(known[0]))
    ok(data, "remuneration", "publish", "camp-0", "--out", str(tmp_path / "after"))
    assert (tmp_path / "after" / "root.txt").read_text().strip() == roots["solidarity"]
    for path in (published / "solidarity").glob("*.statement.json"):
        assert (
            artaud(data, "remuneration", "verify", str(path), "--root", roots["solidarity"]).returncode == 0
        )

    # paid out only once the distributor has paid, to cinemas whose bank details are recorded
    for n, cnc in enumerate(sorted(contributions)):
        iban = IBAN.generate("FR", bank_code="30004", account_code=f"{n + 1:011d}")
        ok(data, "bank", "set", cnc, "--holder", f"Cinéma {cnc}", "--iban", str(iban), "--bic", "BNPAFRPP",
           "--by", "Claire")  # fmt: skip
    payout = tmp_path / "pain001.xml"
    args = ("payouts", "ledger", "--id", "2026-q4", "--execution-date", str(today + timedelta(days=2)),
            "--out", str(payout), "--by", "Claire")  # fmt: skip
    early = artaud(data, *args, env=DEBTOR)
    assert early.returncode != 0 and not payout.exists()  # nothing cleared before the payment
    ok(data, "remuneration", "receive", "camp-0", "--amount-cents", str(PAYMENT + PAYMENT // 5),
       "--reference", "VIR-2026-001", "--by", "Claire")  # fmt: skip
    ok(data, *args, env=DEBTOR)
    xml = payout.read_bytes()
    validate(xml)  # the ISO 20022 XSD
    ledger = ok(data, "remuneration", "ledger")
    again = ok(data, *args, env=DEBTOR)
    assert "already booked" in again and payout.read_bytes() == xml  # the same file, booked once
    moved = list(args)
    moved[moved.index("--execution-date") + 1] = str(today + timedelta(days=3))
    refused = artaud(data, *moved, env=DEBTOR)  # another file a bank would pay again: refused
    assert refused.returncode == 2 and "same file only" in refused.stderr and payout.read_bytes() == xml
    assert ledger == ok(data, "remuneration", "ledger")
    text = xml.decode()
    pot = PAYMENT - round(PAYMENT * Fraction(1, 10))
    assert f"<CtrlSum>{pot / 100:.2f}</CtrlSum>" in text
    paid = [
        p
        for p in (published / "solidarity").glob("*.statement.json")
        if json.loads(p.read_text())["line"].split("\t")[3] != "0"
    ]
    assert text.count("<CdtTrfTxInf>") == len(paid) > 1
