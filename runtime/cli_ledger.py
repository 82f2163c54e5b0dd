"""The campaign's money on the command line, from delivery to payout: the adapter over
remuneration/delivery.py, freeze.py, runs.py (the ledger), statement_document.py and sepa.py.

    artaud campaigns link ID EXPORT… --by NAME        the exports delivered for the campaign
    artaud campaigns unlink ID EXPORT --by NAME       one linked by mistake (before the freeze)
    artaud campaigns freeze ID --by NAME              each cinema's contribution, frozen
    artaud campaigns show ID                          delivery, contributions, ledger
    artaud remuneration distribute ID --policy … --by NAME
    artaud remuneration reverse BATCH --by NAME --reason TEXT
    artaud remuneration receive ID --amount-cents N --reference REF --by NAME
    artaud remuneration ledger                        balances and batches
    artaud remuneration publish ID --out DIR          the root and each cinema's statement (JSON)
    artaud remuneration statements --from D --to D --format html|pdf|csv --out DIR [--cinema CNC]
    artaud payouts ledger --id ID --execution-date D --out FILE --by NAME
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from artaud.errors import InvalidFields
from artaud.files import write_private

if TYPE_CHECKING:
    from artaud.config.settings import Settings
    from artaud.controlplane.store import ControlPlane
    from artaud.remuneration.runs import Run


class InvalidPeriod(InvalidFields):
    code = "invalid_period"


def _context(args: argparse.Namespace) -> tuple[Settings, ControlPlane]:
    from artaud.cli_payouts import _context as context  # one way to open what a command runs with

    return context(args)


def _day(field: str, raw: str) -> date:
    try:
        if len(raw.strip()) != 10:
            raise ValueError
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidPeriod({field: f"a date YYYY-MM-DD, got {raw.strip()[:20]!r}"}) from None


# -- campaigns ------------------------------------------------------------------------------------
def cmd_campaign_delivery(args: argparse.Namespace) -> int:
    from artaud import wiring
    from artaud.remote import through_service
    from artaud.remuneration.delivery import DeliveryStore
    from artaud.remuneration.freeze import Contributions, Freezer
    from artaud.remuneration.numbers import fraction_text
    from artaud.remuneration.runs import Runs
    from artaud.warehouse.migrate import migrate

    settings, cp = _context(args)
    try:
        desk = DeliveryStore(cp.engine)
        if args.action == "link":
            for export_id in args.exports:
                linked = desk.link(args.id, export_id, args.by)
                print(f"{export_id}: {'linked to' if linked else 'already linked to'} {args.id}")
        elif args.action == "unlink":
            done = desk.unlink(args.id, args.export, args.by)
            print(f"{args.export}: {'no longer counts for' if done else 'was not linked to'} {args.id}")
        elif args.action == "freeze":
            remote = through_service(settings)
            if remote is not None:  # the running service holds the embedded warehouse: by the token's account
                remote.call("POST", f"/api/v1/campaigns/{quote(args.id, safe='')}/freeze")
                frozen = Contributions(cp.engine).required(args.id)
            else:
                wh = wiring.warehouse(settings)
                try:
                    migrate(wh)
                    frozen = Freezer(cp.engine, wh).freeze(args.id, args.by)
                finally:
                    wh.close()
            print(
                f"campaign {args.id}: contributions frozen from {len(frozen.exports)} export(s), "
                f"{frozen.visitors} people, {len(frozen.participants)} cinema(s)"
            )
            for p in frozen.participants:
                print(
                    f"  {p.cinema} {p.category}  contribution {fraction_text(p.contribution):>14}  days {p.days}"
                )
        elif args.action == "show":
            delivery = desk.delivery(args.id)
            c = delivery.campaign
            print(
                f"{c.id}: {c.film_title} ({c.distributor}, SIREN {c.siren}), {c.start}..{c.end}, {c.partner_slug}"
            )
            print(f"  approved: {f'{c.approved_by} {c.approved_at:%Y-%m-%d}' if c.approved_at else 'no'}")
            print(f"  exports: {', '.join(delivery.exports) or '-'}")
            print(f"  reported: {delivery.impressions} impressions, {delivery.clicks} clicks")
            held = Contributions(cp.engine).get(args.id)
            if held is None:
                print("  contributions: not frozen")
            else:
                print(f"  contributions frozen {held.frozen_at:%Y-%m-%d %H:%M} UTC by {held.frozen_by}:")
                for p in held.participants:
                    print(f"    {p.cinema} {p.category} {fraction_text(p.contribution):>14}  days {p.days}")
            runs = Runs(cp.engine)
            gone = runs.ledger.reversed_ids()
            for b in runs.ledger.batches(campaign_id=args.id):
                state = " (reversed)" if b.id in gone else ""
                total = sum(t.amount_cents for t in b.transfers)
                print(f"  {b.booked_at:%Y-%m-%d} {b.kind:<12} {b.id}  {total} cents{state}")
    finally:
        cp.close()
    return 0


# -- remuneration ---------------------------------------------------------------------------------
def _print_run(run: Run) -> None:
    from artaud.remuneration.money import euros_fr

    d = run.distribution
    state = "booked" if run.booked.new else "already booked (nothing booked again)"
    print(f"campaign {run.campaign.id}: {d.policy} v{d.policy_version} {json.dumps(d.params)}; {state}")
    print(f"  batch {run.booked.id}, root {run.root}")
    print(
        f"  paiement {euros_fr(d.payment_cents)} HT, commission {euros_fr(d.fee_cents)}, "
        f"TVA {euros_fr(run.vat_cents)}, à répartir {euros_fr(d.pot_cents)}"
    )
    for cnc, cents in d.amounts.items():
        print(f"  {cnc}  {euros_fr(cents):>16}")


def cmd_ledger(args: argparse.Namespace) -> int:
    from artaud.remuneration.preview import policy_from_options
    from artaud.remuneration.runs import Runs

    _, cp = _context(args)
    try:
        runs = Runs(cp.engine)
        if args.action == "distribute":
            policy = policy_from_options(
                args.policy,
                floor_cents=args.floor_cents,
                cap_cents=args.cap_cents,
                alpha=args.alpha,
                coefficients=args.coefficients,
            )
            _print_run(runs.distribute(args.id, policy, args.by))
        elif args.action == "reverse":
            done = runs.reverse(args.batch, args.by, args.reason)
            print(f"{args.batch} reversed by {done.id}{'' if done.new else ' (already)'}")
        elif args.action == "receive":
            amount = _cents(args.amount_cents)
            booked = runs.receive(args.id, amount, args.reference, args.by)
            print(f"{booked.id}: {amount} cents received{'' if booked.new else ' (already booked)'}")
        elif args.action == "ledger":
            print("balances (debits - credits, cents):")
            for account, cents in runs.ledger.balances().items():
                print(f"  {account:<22} {cents:>14}")
            gone = runs.ledger.reversed_ids()
            print("batches:")
            for b in runs.ledger.batches():
                state = " (reversed)" if b.id in gone else ""
                print(f"  {b.booked_at:%Y-%m-%d %H:%M} {b.kind:<12} {b.id}  by {b.booked_by}{state}")
            cleared = runs.cleared()
            print(f"cleared for payout: {sum(cleared.values())} cents to {len(cleared)} cinema(s)")
        elif args.action == "publish":
            run = _live_run(runs, args.id)
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            write_private(out / "root.txt", (run.root + "\n").encode("ascii"))
            for cnc, statement in run.statements().items():
                text = json.dumps(statement, indent=1, ensure_ascii=True) + "\n"
                write_private(out / f"{run.campaign.id}-{cnc}.statement.json", text.encode("ascii"))
            print(f"wrote {out}/root.txt and {len(run.statements())} statements (root {run.root})")
        elif args.action == "statements":
            return _statements(args, runs, cp)
    finally:
        cp.close()
    return 0


def _cents(raw: str) -> int:
    from artaud.remuneration.runs import InvalidReceipt

    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,15}", text):
        raise InvalidReceipt(f"--amount-cents: a whole number of cents, got {text[:20]!r}")
    return int(text)


def _live_run(runs: Any, campaign_id: str) -> Run:
    from artaud.remuneration.freeze import NotFrozen

    live = runs.live_distribution(campaign_id)
    if live is None:
        runs.campaigns.payable(campaign_id)  # an unknown or unapproved campaign says so
        raise NotFrozen(
            f"campaign {campaign_id!r} has no booked distribution (artaud remuneration distribute)"
        )
    run: Run = runs.replay(live)
    return run


def _statements(args: argparse.Namespace, runs: Any, cp: ControlPlane) -> int:
    from zoneinfo import ZoneInfo

    from artaud.remuneration.statement import Published
    from artaud.remuneration.statement_document import (
        CinemaStatement,
        line_of,
        render_csv,
        render_html,
        render_pdf,
    )

    first, last = _day("from", args.start), _day("to", args.end)
    if first > last:
        raise InvalidPeriod({"to": f"the period ends ({last}) before it starts ({first})"})
    paris = ZoneInfo("Europe/Paris")
    in_period = [
        r for r in runs.distributions() if first <= r.booked.booked_at.astimezone(paris).date() <= last
    ]
    names = {c.cnc_id: c.name for c in cp.cinemas()}
    wanted = (
        [args.cinema.strip().zfill(7)]
        if args.cinema
        else sorted({cnc for r in in_period for cnc in r.distribution.amounts})
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).astimezone(paris).date()
    for cnc in wanted:
        if cnc not in names:
            raise InvalidPeriod({"cinema": f"no cinema {cnc}"})
        lines = tuple(
            line_of(r.campaign, r.distribution, Published(r.campaign.id, r.root, r.statements()), cnc)
            for r in in_period
            if cnc in r.distribution.amounts
        )
        st = CinemaStatement(cnc, names[cnc], first, last, today, lines)
        data = (
            render_pdf(st)
            if args.format == "pdf"
            else (render_csv(st) if args.format == "csv" else render_html(st)).encode("utf-8")
        )
        path = out / f"releve-{cnc}-{first}-{last}.{args.format}"
        write_private(path, data)
        print(f"{path}: {len(lines)} campaign(s), {st.total_cents} cents")
    if not wanted:
        print("no distribution booked in the period", file=sys.stderr)
    return 0


# -- payouts --------------------------------------------------------------------------------------
def cmd_payout_ledger(args: argparse.Namespace) -> int:
    """Pay what the ledger has cleared: book the payout (once per id) and write its pain.001 file.
    The rules (same id, same file; another date or other bank details refused; a reversed payout
    refused) are remuneration/payout_run.py's, shared with the console."""
    from artaud import wiring
    from artaud.cli_payouts import debtor_from
    from artaud.remuneration.bank_store import BankStore
    from artaud.remuneration.money import euros_fr
    from artaud.remuneration.payout_run import NothingCleared, check_payout_id, pay_cleared
    from artaud.remuneration.runs import Runs

    check_payout_id(args.id)
    execution = _day("execution_date", args.execution_date)
    settings, cp = _context(args)
    try:
        runs = Runs(cp.engine)
        bank = BankStore(cp.engine, wiring.keyring(settings))
        try:
            paid = pay_cleared(runs, bank, debtor_from(settings), args.id, execution, args.by)
        except NothingCleared as exc:
            print(exc.message, file=sys.stderr)
            return 1
    finally:
        cp.close()
    made, done = paid.made, paid.booked
    write_private(Path(args.out), made.xml)
    state = "booked" if done.new else "already booked: the same file again"
    print(
        f"wrote {args.out} ({made.schema}, message id {made.message_id}): {len(made.paid)} transfer(s), "
        f"{euros_fr(made.total_cents)}; payout {done.id} {state}"
    )
    return 0


def register(sub: Any, cam_sub: Any, rem_sub: Any, pay_sub: Any) -> None:
    """Add the commands above to `artaud campaigns`, `remuneration` and `payouts`."""
    cl = cam_sub.add_parser("link", help="count exports delivered to the campaign's agency for it")
    cl.add_argument("id")
    cl.add_argument("exports", nargs="+", metavar="EXPORT_ID")
    cl.add_argument("--by", required=True)
    cl.set_defaults(func=cmd_campaign_delivery)
    cu = cam_sub.add_parser("unlink", help="take back an export linked by mistake (before the freeze)")
    cu.add_argument("id")
    cu.add_argument("export", metavar="EXPORT_ID")
    cu.add_argument("--by", required=True)
    cu.set_defaults(func=cmd_campaign_delivery)
    cf = cam_sub.add_parser("freeze", help="freeze each cinema's contribution from the delivered lists")
    cf.add_argument("id")
    cf.add_argument("--by", required=True)
    cf.set_defaults(func=cmd_campaign_delivery)
    cs = cam_sub.add_parser("show", help="a campaign's delivery, contributions and ledger batches")
    cs.add_argument("id")
    cs.set_defaults(func=cmd_campaign_delivery)

    rd = rem_sub.add_parser("distribute", help="book a campaign's distribution under a policy (once)")
    rd.add_argument("id")
    rd.add_argument("--policy", required=True, help="pro_rata, pro_rata_bounded, mutualist or solidarity")
    rd.add_argument("--floor-cents")
    rd.add_argument("--cap-cents")
    rd.add_argument("--alpha")
    rd.add_argument("--coefficients")
    rd.add_argument("--by", required=True)
    rd.set_defaults(func=cmd_ledger)
    rr = rem_sub.add_parser("reverse", help="undo a booked batch by its mirror image")
    rr.add_argument("batch")
    rr.add_argument("--by", required=True)
    rr.add_argument("--reason", required=True)
    rr.set_defaults(func=cmd_ledger)
    rc = rem_sub.add_parser("receive", help="the distributor's payment arrived (once per reference)")
    rc.add_argument("id")
    rc.add_argument("--amount-cents", required=True)
    rc.add_argument("--reference", required=True, help="the bank's reference of the transfer")
    rc.add_argument("--by", required=True)
    rc.set_defaults(func=cmd_ledger)
    rem_sub.add_parser("ledger", help="balances, batches and what is cleared for payout").set_defaults(
        func=cmd_ledger
    )
    rpub = rem_sub.add_parser("publish", help="write the campaign's root and each cinema's statement (JSON)")
    rpub.add_argument("id")
    rpub.add_argument("--out", required=True, help="a directory")
    rpub.set_defaults(func=cmd_ledger)
    rs = rem_sub.add_parser("statements", help="each cinema's statement for a period (HTML, PDF or CSV)")
    rs.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD (Paris), first day")
    rs.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD (Paris), last day")
    rs.add_argument("--format", choices=("html", "pdf", "csv"), default="pdf")
    rs.add_argument("--cinema", help="one cinema's CNC number (default: every cinema paid in the period)")
    rs.add_argument("--out", required=True, help="a directory")
    rs.set_defaults(func=cmd_ledger)

    pl = pay_sub.add_parser("ledger", help="pay what the ledger has cleared: book it once, write pain.001")
    pl.add_argument("--id", required=True, help="the payout's id, e.g. 2026-05 (booked once)")
    pl.add_argument("--execution-date", required=True)
    pl.add_argument("--out", required=True)
    pl.add_argument("--by", required=True)
    pl.set_defaults(func=cmd_payout_ledger)
