"""The `artaud` command."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from artaud import cli_compliance, cli_ledger, cli_payouts, cli_statements, cli_users
from artaud.config.settings import Settings, load
from artaud.errors import ArtaudError, InvalidFields


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings a command runs with (also for plugin commands)."""
    if getattr(args, "data_dir", None):
        return load(overrides={"paths": {"data_dir": str(args.data_dir)}})
    return load()


def cmd_run(args: argparse.Namespace) -> int:
    from artaud.service import run_collector, run_embedded, run_ingester, run_scheduler

    role = {
        "run": run_embedded,
        "collector": run_collector,
        "ingester": run_ingester,
        "scheduler": run_scheduler,
    }
    return role[args.command](settings_of(args))


def cmd_kafka_init(args: argparse.Namespace) -> int:
    from artaud.transport.topics import ensure

    created = ensure(settings_of(args).kafka)
    print(f"created: {', '.join(created)}" if created else "topics already exist")
    return 0


def cmd_cinemas(args: argparse.Namespace) -> int:
    from artaud import wiring
    from artaud.controlplane.csv_import import parse_cinema_csv
    from artaud.controlplane.model import make_cinema

    cp = wiring.control(settings_of(args))
    cp.migrate()
    if args.action == "list":
        for c in cp.cinemas():
            print(
                f"{c.cnc_id}  {c.category}  {','.join(c.labels) or '-':8} {c.status:9} {c.site_key}  "
                f"{c.name} ({c.town})  {','.join(c.domains)}"
            )
        return 0
    if args.action == "add":
        cinema = make_cinema(  # wrong fields: InvalidFields, a line each (main)
            cnc_id=args.cnc,
            name=args.name,
            town=args.town or "",
            category=args.category,
            labels=args.labels or "",
            domains=args.domains or "",
        )
        saved = cp.add_cinema(cinema)
        print(f"registered {saved.name} ({saved.cnc_id}); site key {saved.site_key}")
        return 0
    if args.action == "import":
        text = Path(args.file).read_text(encoding="utf-8-sig")
        report = parse_cinema_csv(text, cp.existing_cnc_ids())
        for line, msg in report.errors:
            print(f"{args.file}:{line}: {msg}", file=sys.stderr)
        if report.errors and not args.partial:
            print(
                f"{len(report.errors)} row(s) rejected; nothing imported (use --partial to import the "
                f"{len(report.cinemas)} valid rows)",
                file=sys.stderr,
            )
            return 2
        cp.add_cinemas(report.cinemas)
        print(f"imported {len(report.cinemas)} cinema(s), rejected {len(report.errors)} row(s)")
        return 0 if not report.errors else 1
    if args.action in ("suspend", "activate"):
        ok = cp.set_status(args.cnc, "suspended" if args.action == "suspend" else "active")
        print("done" if ok else f"error: no cinema {args.cnc}", file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 2
    return 2


def cmd_keys(args: argparse.Namespace) -> int:

    from artaud import wiring
    from artaud.jobs import rotate_key

    settings = settings_of(args)
    ring = wiring.keyring(settings)
    if args.action == "rotate":  # the console's « Faire tourner » does the same (admin/system_pages.py)
        k = rotate_key(settings, args.purpose, args.grace_days)
        print(f"new key {k.purpose} v{k.version}; older versions retire in {k.grace_days} day(s)")
        if k.reencrypted:
            print(f"re-encrypted {k.reencrypted} cinema(s)' bank details under the newest key")
    for m in ring.metas():
        state = "destroyed" if m.destroyed else (f"retires {m.retire_after}" if m.retire_after else "current")
        print(f"{m.purpose} v{m.version}  created {m.created_at}  {state}")
    return 0


def cmd_consent(args: argparse.Namespace) -> int:
    """Show the consent record behind events or behind a visitor's pooled events."""
    import json
    from types import SimpleNamespace
    from urllib.parse import urlencode

    from artaud import wiring
    from artaud.remote import through_service
    from artaud.warehouse.migrate import migrate
    from artaud.warehouse.proof import consent_behind

    if not args.event and not args.visitor:
        print("error: give --event ID (repeatable) or --visitor PSEUDONYM", file=sys.stderr)
        return 2
    s = settings_of(args)
    remote = through_service(s)
    if remote is not None:
        query = urlencode(
            [("event_id", e) for e in args.event or ()]
            + ([("visitor", args.visitor)] if args.visitor else [])
        )
        proofs: list[Any] = [SimpleNamespace(**p) for p in remote.call("GET", f"/api/v1/consent?{query}")]
    else:
        wh = wiring.warehouse(s)
        try:
            migrate(wh)
            proofs = list(consent_behind(wh, event_ids=args.event or (), visitor=args.visitor or ""))
        finally:
            wh.close()
    if not proofs:
        print("no such event", file=sys.stderr)
        return 1
    for p in proofs:
        print(
            json.dumps(
                {
                    "event_id": p.event_id,
                    "received_at": p.received_at,
                    "cinema_id": p.cinema_id,
                    "track": p.track,
                    "visitor": p.visitor,
                    "consent": p.record,
                },
                ensure_ascii=False,
            )
        )
    return 0


def cmd_segments(args: argparse.Namespace) -> int:
    """Build the segments now (with progress), or list what the latest builds published."""
    from artaud import wiring
    from artaud.remote import through_service
    from artaud.segments.catalog import latest
    from artaud.warehouse.migrate import migrate

    s = settings_of(args)
    remote = through_service(s)
    if remote is not None:  # the running service holds the embedded warehouse
        if args.action == "build":
            print("building through the running service…", file=sys.stderr, flush=True)
            done = remote.call("POST", "/api/v1/segments/build", {"only": args.only or []})
            print(
                f"build {done['build_id']}: {sum(1 for b in done['segments'] if b['published'])} published of {len(done['segments'])}"
            )
            listed = done["segments"]
        else:
            listed = remote.call("GET", "/api/v1/segments")
        for b in listed:
            size = b["published_size"] if b["published"] else "-"
            print(f"{b['key']:<48} {b['members']:>9} {size!s:>9}  {b['refusal'] or 'published'}")
        return 0
    cp = wiring.control(s)
    wh = wiring.warehouse(s)
    try:
        migrate(wh)
        if args.action == "build":
            builder = wiring.segment_builder(s, wh, cp)

            def progress(done: int, total: int, what: str) -> None:
                print(
                    f"\r[{done}/{total}] {what:<60}",
                    end="" if done < total else "\n",
                    file=sys.stderr,
                    flush=True,
                )

            report = builder.build(only=args.only or (), progress=progress)
            print(f"build {report.build_id}: {len(report.published)} published of {len(report.segments)}")
            rows = [
                (b.key, b.members, b.published_size if b.published else "-", b.refusal or "published")
                for b in report.segments
            ]
        else:
            rows = [
                (e.key, e.members, e.published_size if e.published else "-", e.refusal or "published")
                for e in latest(wh)
            ]
        for key, members, size, state in rows:
            print(f"{key:<48} {members:>9} {size!s:>9}  {state}")
    finally:
        wh.close()
        cp.close()
    return 0


def cmd_campaigns(args: argparse.Namespace) -> int:
    """Distributors' campaigns: recorded, approved by the SCARE (who, when), then payable."""
    from artaud import wiring
    from artaud.remuneration.campaign_store import CampaignStore
    from artaud.remuneration.campaigns import make_campaign
    from artaud.remuneration.money import euros_fr
    from artaud.remuneration.numbers import fraction_text

    cp = wiring.control(settings_of(args))
    cp.migrate()
    store = CampaignStore(cp.engine)
    try:
        if args.action == "add":
            saved = store.add(
                make_campaign(
                    id=args.id,
                    distributor=args.distributor,
                    siren=args.siren,
                    film_title=args.film,
                    director=args.director or "",
                    visa=args.visa or "",
                    film_ref=args.film_ref or "",
                    partner=args.partner,
                    start=args.start,
                    end=args.end,
                    payment_cents=args.payment_cents,
                    vat_rate=args.vat_rate,
                    fee_rate=args.fee_rate,
                    invoice=args.invoice or "",
                )
            )
            print(
                f"campaign {saved.id} recorded ({saved.film_title}, {saved.film_ref}; "
                f"{euros_fr(saved.payment_cents)} HT); not approved yet"
            )
        elif args.action == "list":
            for c in store.list():
                approval = (
                    f"approved by {c.approved_by} {c.approved_at:%Y-%m-%d}"
                    if c.approved_at
                    else "NOT APPROVED"
                )
                print(
                    f"{c.id:<24} {c.start}..{c.end}  {c.partner_slug:<16} {c.payment_cents:>12} cents HT  "
                    f"VAT {fraction_text(c.vat_rate)} fee {fraction_text(c.fee_rate)}  {approval}  "
                    f"{c.distributor} ({c.siren}): {c.film_title}"
                )
        elif args.action == "approve":
            done = store.approve(args.id, args.by, datetime.now(UTC))
            print(
                f"campaign {done.id} approved by {done.approved_by} at {done.approved_at:%Y-%m-%d %H:%M} UTC"
            )
    finally:
        cp.close()
    return 0


def cmd_partners(args: argparse.Namespace) -> int:
    """Partner accounts, their API keys (shown once) and the audit log of their calls."""
    from artaud import wiring
    from artaud.partners.manage import issue_key, register_sync, set_suspended
    from artaud.partners.store import PartnerStore

    s = settings_of(args)
    cp = wiring.control(s)
    cp.migrate()
    store = PartnerStore(cp.engine)
    try:
        if args.action == "add":
            p = store.add(args.slug, args.name, args.min_audience, args.rate_per_minute, args.export_ttl_days)
            print(
                f"partner {p.slug} added (minimum audience {p.min_audience}, {p.rate_per_minute} calls/min)"
            )
        elif args.action == "list":
            for p in store.all():
                keys = store.keys(p.slug)
                live = sum(1 for k in keys if k.revoked_at is None)
                sync = store.sync_url(p.slug) or "-"
                print(
                    f"{p.slug:<24} {p.status:<10} {p.name}  min {p.min_audience}  "
                    f"keys {live} live/{len(keys)}  sync {sync}"
                )
        elif args.action == "key":
            issued = issue_key(store, args.slug, args.segments, args.formats, args.expires)
            k, expires = issued.key, issued.expires_at
            until = f"; expires {expires.isoformat()}" if expires else ""
            print(
                f"key {k.prefix} for {args.slug} (segments {','.join(issued.segments)}; "
                f"formats {','.join(issued.formats)}{until}):"
            )
            print(k.token)
            print("Give it to the partner now: it is not stored and cannot be shown again.", file=sys.stderr)
        elif args.action == "sync":
            register_sync(store, args.slug, None if args.clear else args.url)
            if args.clear:
                print(f"partner {args.slug}: ID sync removed")
            else:
                print(f"partner {args.slug}: ID sync to {store.sync_url(args.slug)}")
        elif args.action == "revoke":
            store.revoke_key(args.prefix)
            print(f"key {args.prefix} revoked")
        elif args.action in ("suspend", "activate"):
            set_suspended(store, args.slug, args.action == "suspend")
            print(f"partner {args.slug} {args.action}d")
        else:  # audit
            for e in reversed(store.audit_entries(args.limit, args.slug)):
                print(
                    f"{e['at']}  {e['partner_slug'] or '-':<16} {e['key_prefix'] or '-':<8} "
                    f"{e['method']:<5} {e['path']}  {e['status']} {e['detail']}"
                )
    finally:
        cp.close()
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a pooled visitor: a request filed in the register (controlplane/erasure_requests.py) and
    carried out (warehouse/erasure.py `request_erasure`): suppressed from every build and export, and
    deleted from the warehouse."""
    import getpass
    from datetime import UTC, datetime

    from artaud import wiring
    from artaud.controlplane.erasure_requests import ErasureRequests
    from artaud.remote import through_service
    from artaud.warehouse.erasure import check_pseudonym, request_erasure
    from artaud.warehouse.migrate import migrate

    s = settings_of(args)
    remote = through_service(s)
    if remote is not None:
        answer = remote.call("POST", "/api/v1/erasures", {"visitor": args.visitor, "channel": "cli"})
        request_id, status = answer.get("request", "?"), answer.get("status", "?")
    else:
        check_pseudonym(args.visitor)  # before opening anything
        cp, wh = wiring.control(s), wiring.warehouse(s)
        try:
            cp.migrate()
            migrate(wh)
            by = f"cli:{args.by or getpass.getuser()}"
            filed = request_erasure(
                ErasureRequests(cp.engine), wh, args.visitor, "cli", by, datetime.now(UTC)
            )
            request_id, status = filed.id, filed.status
        finally:
            wh.close()
            cp.close()
    print(f"request {request_id}: {status}")
    print(f"{args.visitor}: suppressed; its rows are being deleted (ClickHouse mutations)")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from artaud import wiring
    from artaud.warehouse.migrate import migrate

    s = settings_of(args)
    cp = wiring.control(s)
    print("control plane:", cp.migrate() or "up to date")
    from artaud.remote import service_running

    if s.warehouse.backend == "chdb" and service_running(s):
        print("warehouse: held by the running service, which migrated it when it started")
        return 0
    wh = wiring.warehouse(s)
    print("warehouse:", migrate(wh) or "up to date")
    wh.close()
    return 0


def cmd_remuneration(args: argparse.Namespace) -> int:
    """Preview how a payment would be shared under a policy (IO-free maths: artaud.remuneration)."""
    from artaud.remuneration.preview import policy_from_options, preview

    policy = policy_from_options(
        args.policy,
        floor_cents=args.floor_cents,
        cap_cents=args.cap_cents,
        alpha=args.alpha,
        coefficients=args.coefficients,
    )
    text = preview(
        Path(args.contributions).read_bytes(),
        payment_cents=args.payment_cents,
        fee_rate=args.fee_rate,
        policy=policy,
        as_json=args.json,
        source=args.contributions,
    )
    print(text, end="")
    return 0


def cmd_remuneration_verify(args: argparse.Namespace) -> int:
    """Check a cinema's statement against its root (IO-free: artaud.remuneration.statement)."""
    from artaud.remuneration.statement import load_statement, verify

    statement = load_statement(Path(args.statement).read_bytes(), source=args.statement)
    problems = verify(statement, args.root)
    if problems:
        print("\n".join(f"non valide : {problem}" for problem in problems))
        return 1
    # without --root a statement only agrees with itself: say which root it must be compared with
    check = "la racine publiée" if args.root else "à comparer avec la racine publiée par le SCARE"
    print(f"valide : la ligne et les totaux mènent à la racine {statement['root']} ({check})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="artaud", description="Mutualised audience service for art-house cinemas"
    )
    p.add_argument("--data-dir", type=Path, help="state directory (default from settings: ./var)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole service on the embedded defaults").set_defaults(func=cmd_run)
    sub.add_parser("collector", help="production: collector workers, spool forwarded to Kafka").set_defaults(
        func=cmd_run
    )
    sub.add_parser("ingester", help="production: Kafka consumer loading the ClickHouse server").set_defaults(
        func=cmd_run
    )
    sub.add_parser("scheduler", help="production: privacy jobs and the console").set_defaults(func=cmd_run)
    sub.add_parser("kafka-init", help="create the Kafka topics").set_defaults(func=cmd_kafka_init)

    cin = sub.add_parser("cinemas", help="register, list, import cinemas")
    cin_sub = cin.add_subparsers(dest="action", required=True)
    cin_sub.add_parser("list")
    add = cin_sub.add_parser("add")
    add.add_argument("--cnc", required=True, help="CNC establishment number (N° auto)")
    add.add_argument("--name", required=True)
    add.add_argument("--town")
    add.add_argument("--category", required=True, help="A to E")
    add.add_argument("--labels", help="RD,JP,PR")
    add.add_argument("--domains", help="comma-separated site domains")
    imp = cin_sub.add_parser("import")
    imp.add_argument("file")
    imp.add_argument("--partial", action="store_true", help="import valid rows even if some are rejected")
    for action in ("suspend", "activate"):
        a = cin_sub.add_parser(action)
        a.add_argument("--cnc", required=True)
    cin.set_defaults(func=cmd_cinemas)

    keys = sub.add_parser("keys", help="list or rotate pseudonymisation keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    keys_sub.add_parser("list")
    rot = keys_sub.add_parser("rotate")
    rot.add_argument("--purpose", default="pooled-visitor")
    rot.add_argument("--grace-days", type=int, default=30)
    keys.set_defaults(func=cmd_keys)

    con = sub.add_parser("consent", help="show the consent record behind events or a visitor's pooled events")
    con.add_argument("--event", action="append", help="an event id (repeatable)")
    con.add_argument("--visitor", help="a pooled pseudonym (p<version>.<hex>)")
    con.set_defaults(func=cmd_consent)

    par = sub.add_parser("partners", help="partner accounts, API keys and the audit log")
    par_sub = par.add_subparsers(dest="action", required=True)
    pa = par_sub.add_parser("add")
    pa.add_argument("--slug", required=True)
    pa.add_argument("--name", required=True)
    pa.add_argument("--min-audience", type=int, default=0, help="the destination's own minimum audience")
    pa.add_argument("--rate-per-minute", type=int, default=60)
    pa.add_argument("--export-ttl-days", type=int, default=30)
    par_sub.add_parser("list")
    pk = par_sub.add_parser("key", help="create an API key (printed once)")
    pk.add_argument("--slug", required=True)
    pk.add_argument("--segments", default="*", help="segment ids, comma-separated, or *")
    pk.add_argument("--formats", default="csv,json,jsonl")
    pk.add_argument(
        "--expires",
        help="when the key stops working: a date (YYYY-MM-DD, end of that day in Paris) or a number of days",
    )
    ps = par_sub.add_parser("sync", help="register the partner's ID sync URL (or --clear it)")
    ps.add_argument("--slug", required=True)
    how = ps.add_mutually_exclusive_group(required=True)
    how.add_argument("--url", help="https URL with {xid} where the partner-scoped pseudonym goes")
    how.add_argument("--clear", action="store_true", help="stop syncing with this partner")
    pr = par_sub.add_parser("revoke")
    pr.add_argument("--prefix", required=True)
    for action in ("suspend", "activate"):
        par_sub.add_parser(action).add_argument("--slug", required=True)
    pau = par_sub.add_parser("audit")
    pau.add_argument("--slug")
    pau.add_argument("--limit", type=int, default=50)
    par.set_defaults(func=cmd_partners)

    cam = sub.add_parser("campaigns", help="distributors' campaigns: record, list, approve")
    cam_sub = cam.add_subparsers(dest="action", required=True)
    ca = cam_sub.add_parser("add", help="record a campaign (unapproved until `approve`)")
    # values stay text: the remuneration package checks them and names the field in its error
    ca.add_argument("--id", required=True, help="the campaign's id chosen by the SCARE: a-z 0-9 . _ -")
    ca.add_argument("--distributor", required=True, help="the distributor's name")
    ca.add_argument("--siren", required=True, help="the distributor's SIREN (9 digits, spaces allowed)")
    ca.add_argument("--film", required=True, help="the film's title")
    ca.add_argument("--director")
    ca.add_argument("--visa", help="the film's exploitation visa number, when known")
    ca.add_argument("--film-ref", help="the film reference, if not the one computed from title and director")
    ca.add_argument("--partner", required=True, help="the agency partner's slug")
    ca.add_argument("--start", required=True, help="first day of the flight, YYYY-MM-DD")
    ca.add_argument("--end", required=True, help="last day of the flight, YYYY-MM-DD")
    ca.add_argument("--payment-cents", required=True, help="the payment excluding VAT, in cents")
    ca.add_argument("--vat-rate", required=True, help="0 to <1 (0.20 for 20 %%)")
    ca.add_argument("--fee-rate", required=True, help="the SCARE's fee, 0 to <1 (0.1 for 10 %%)")
    ca.add_argument("--invoice", help="the invoice reference")
    cam_sub.add_parser("list")
    cap = cam_sub.add_parser("approve", help="record the SCARE's prior approval of the campaign's title")
    cap.add_argument("id")
    cap.add_argument("--by", required=True, help="who approved")
    cam.set_defaults(func=cmd_campaigns)

    seg = sub.add_parser("segments", help="build the segments now, or list the latest results")
    seg_sub = seg.add_subparsers(dest="action", required=True)
    seg_sub.add_parser("list")
    sb = seg_sub.add_parser("build")
    sb.add_argument("--only", action="append", help="a segment id (repeatable); default: all")
    seg.set_defaults(func=cmd_segments)

    rem = sub.add_parser("remuneration", help="share a distributor's payment among the cinemas")
    rem_sub = rem.add_subparsers(dest="action", required=True)
    rp = rem_sub.add_parser(
        "preview", help="how a payment would be shared under a policy, before the board chooses one"
    )
    # values stay text here: the remuneration package checks them and names the option in its error
    rp.add_argument("--contributions", required=True, help="CSV: cinema,category,contribution[,days]")
    rp.add_argument("--payment-cents", required=True, help="the payment excluding VAT, in cents")
    rp.add_argument("--fee-rate", required=True, help="the SCARE's fee, 0 to <1 (0.1 for 10 %%)")
    rp.add_argument("--policy", required=True, help="pro_rata, pro_rata_bounded, mutualist or solidarity")
    rp.add_argument("--floor-cents", help="pro_rata_bounded: the least a cinema gets")
    rp.add_argument("--cap-cents", help="pro_rata_bounded: the most a cinema gets")
    rp.add_argument("--alpha", help="mutualist: the part shared by days of participation, 0 to 1")
    rp.add_argument("--coefficients", help="solidarity: A=1,B=1,C=1.1,D=1.2,E=1.3")
    rp.add_argument("--json", action="store_true", help="print JSON instead of the French table")
    rp.set_defaults(func=cmd_remuneration)
    rv = rem_sub.add_parser(
        "verify", help="check a cinema's statement: its line and the totals lead to the campaign's root"
    )
    rv.add_argument("statement", help="the statement, a JSON file")
    rv.add_argument("--root", help="the root the SCARE published (64 hex digits), to compare with")
    rv.set_defaults(func=cmd_remuneration_verify)
    cli_statements.register(rem_sub)

    pay_sub = cli_payouts.register(sub)
    cli_ledger.register(sub, cam_sub, rem_sub, pay_sub)
    cli_users.register(sub)
    cli_compliance.register(sub)
    era = sub.add_parser("erase", help="erase a pooled visitor (suppression + deletion)")
    era.add_argument("--visitor", required=True, help="a pooled pseudonym (p<version>.<hex>)")
    era.add_argument(
        "--by", default="", help="who asks (the register says cli:<by>; default: the system user)"
    )
    era.set_defaults(func=cmd_erase)

    sub.add_parser("migrate", help="apply control-plane and warehouse migrations").set_defaults(
        func=cmd_migrate
    )
    # commands other distributions add (the devkit's `simulate`): each entry point is a function that
    # registers its subparser
    for entry in entry_points(group="artaud.commands"):
        entry.load()(sub)
    return p


def _fields(exc: InvalidFields) -> int:
    """One line per wrong field, exit 2."""
    for field, problem in exc.problems.items():
        print(f"error: {field}: {problem}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # the driver logs a traceback per refused connection; our own error message names the server
    logging.getLogger("clickhouse_driver").setLevel(logging.ERROR)
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except InvalidFields as exc:
        return _fields(exc)
    except ArtaudError as exc:  # every error the product reports to people: its message, exit 2
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"error: {exc.strerror or exc} ({getattr(exc, 'filename', '') or 'address or file'})",
            file=sys.stderr,
        )
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
