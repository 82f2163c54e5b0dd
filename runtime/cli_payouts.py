"""`artaud bank` (the cinemas' bank details, encrypted at rest) and `artaud payouts` (the SEPA
credit-transfer file paying them): the command line's adapter over remuneration/bank_store.py and
remuneration/sepa.py. `register(sub)` adds both commands to the top-level parser."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artaud.errors import InvalidInput
from artaud.files import write_private

if TYPE_CHECKING:
    from artaud.config.settings import Settings
    from artaud.controlplane.store import ControlPlane
    from artaud.remuneration.bank import BankAccount


class PayoutsNotConfigured(InvalidInput):
    code = "payouts_not_configured"


def _context(args: argparse.Namespace) -> tuple[Settings, ControlPlane]:
    """The settings and the control plane (migrated) the command runs with."""
    from artaud import wiring
    from artaud.cli import settings_of

    settings = settings_of(args)
    cp = wiring.control(settings)
    cp.migrate()
    return settings, cp


def cmd_bank(args: argparse.Namespace) -> int:
    from artaud import wiring
    from artaud.remuneration.bank import BankAccount
    from artaud.remuneration.bank_store import BankStore

    settings, cp = _context(args)
    try:
        store = BankStore(cp.engine, wiring.keyring(settings))
        if args.action == "set":
            account = BankAccount(args.holder, args.iban, args.bic)  # every wrong field, a line each
            saved = store.set(args.cnc, account, args.by)
            print(
                f"bank details of cinema {saved.cinema_cnc} recorded: {account.holder}, {saved.iban_masked}"
                f"{f', BIC {account.bic}' if account.bic else ', no BIC'} (encrypted, key v{saved.key_version})"
            )
        elif args.action == "list":
            for row in store.list():
                print(
                    f"{row.cinema_cnc}  {row.iban_masked:<42} key v{row.key_version}  "
                    f"{row.updated_at:%Y-%m-%d %H:%M} UTC by {row.updated_by}"
                )
        elif args.action == "rekey":
            version, moved = store.rekey(timedelta(days=args.grace_days))
            print(
                f"bank-details key v{version}; {moved} cinema(s)' bank details re-encrypted under it; "
                f"older versions are destroyed in {args.grace_days} day(s)"
            )
    finally:
        cp.close()
    return 0


def debtor_from(settings: Settings) -> BankAccount:
    """The SCARE's account from `[payouts]`, or a clear error naming the setting to set."""
    from artaud.remuneration.bank import BankAccount, InvalidBankAccount

    p = settings.payouts
    unset = [name for name in ("debtor_name", "debtor_iban") if not getattr(p, name).strip()]
    if unset:
        names = ", ".join(f"payouts.{n}" for n in unset)
        env = ", ".join(f"ARTAUD_PAYOUTS__{n.upper()}" for n in unset)
        raise PayoutsNotConfigured(
            f"the SCARE's own account is not configured: set {names} (in the TOML file named by "
            f"ARTAUD_CONFIG, [payouts] section, or {env}); docs/configuration.md § [payouts]"
        )
    try:
        return BankAccount(p.debtor_name, p.debtor_iban, p.debtor_bic or None)
    except InvalidBankAccount as exc:
        fields = {"holder": "debtor_name", "iban": "debtor_iban", "bic": "debtor_bic"}
        raise InvalidBankAccount({f"payouts.{fields[k]}": v for k, v in exc.problems.items()}) from None


def cmd_payouts(args: argparse.Namespace) -> int:
    from artaud import wiring
    from artaud.remuneration.bank_store import BankStore
    from artaud.remuneration.money import euros_fr
    from artaud.remuneration.sepa import InvalidPayout, parse_items, payouts_for

    try:
        execution = date.fromisoformat(args.execution_date)
    except ValueError:
        raise InvalidPayout(
            {"execution_date": f"a date YYYY-MM-DD, got {args.execution_date[:20]!r}"}
        ) from None
    created = datetime.now(UTC).replace(microsecond=0)
    if args.created_at:
        try:
            created = datetime.fromisoformat(args.created_at)
        except ValueError:
            raise InvalidPayout({"created_at": "an ISO 8601 moment with its offset"}) from None
    if execution < created.date():
        raise InvalidPayout(
            {"execution_date": f"{execution} is before the file's creation ({created.date()})"}
        )
    items_path = Path(args.items)
    items = parse_items(items_path.read_text(encoding="utf-8-sig"), items_path.name)
    settings, cp = _context(args)
    try:
        from artaud.remuneration.ledger import owed
        from artaud.remuneration.ledger_store import LedgerStore

        # a CSV payout is booked nowhere: it must not pay what the ledger owes (that would be paid twice)
        in_ledger = sorted({i.cinema_cnc for i in items} & set(owed(LedgerStore(cp.engine).balances())))
        if in_ledger:
            raise InvalidPayout(
                {
                    f"cinema {c}": "the ledger owes it money: pay it with `artaud payouts ledger` (booked once)"
                    for c in in_ledger
                }
            )
        debtor = debtor_from(settings)
        made = payouts_for(
            items,
            BankStore(cp.engine, wiring.keyring(settings)),
            debtor,
            execution,
            created,
            message_id=args.message_id,
            schema=args.schema,
        )
    finally:
        cp.close()
    out = Path(args.out)
    write_private(out, made.xml)  # it holds the cinemas' IBANs
    print(
        f"wrote {out} ({made.schema}, message id {made.message_id}): {len(made.paid)} transfer(s), "
        f"{euros_fr(made.total_cents)} in all, from {debtor.iban_masked}, on {execution}"
    )
    for skipped in made.skipped:
        print(f"skipped (amount 0): cinema {skipped.cinema_cnc}", file=sys.stderr)
    return 0


def register(sub: Any) -> Any:
    """Add `artaud bank` and `artaud payouts` to the top-level subparsers; returns `payouts`' own
    subparsers (the ledger's payout joins them: runtime/cli_ledger.py)."""
    from artaud.remuneration.sepa import SCHEMA, SCHEMAS

    bank = sub.add_parser("bank", help="the cinemas' bank details (encrypted at rest, listed masked)")
    bank_sub = bank.add_subparsers(dest="action", required=True)
    bs = bank_sub.add_parser("set", help="record or replace a cinema's bank details")
    bs.add_argument("cnc", metavar="CNC", help="the cinema's CNC number")
    bs.add_argument("--holder", required=True, help="the account holder's name, as on the RIB")
    bs.add_argument("--iban", required=True)
    bs.add_argument("--bic", help="default: derived from the IBAN when the bank is known")
    bs.add_argument("--by", required=True, help="who records them")
    bank_sub.add_parser("list", help="every cinema's bank details, masked")
    br = bank_sub.add_parser("rekey", help="rotate the bank-details key and re-encrypt every row under it")
    br.add_argument("--grace-days", type=int, default=1)
    bank.set_defaults(func=cmd_bank)

    pay = sub.add_parser("payouts", help="the SEPA credit-transfer file (pain.001) paying the cinemas")
    pay_sub = pay.add_subparsers(dest="action", required=True)
    pf = pay_sub.add_parser("file", help="write the pain.001 file for a CSV of payouts")
    pf.add_argument("--items", required=True, help="CSV: cinema,amount_cents,reference[,remittance]")
    pf.add_argument("--execution-date", required=True, help="YYYY-MM-DD, the day the bank pays")
    pf.add_argument("--out", required=True, help="the XML file to write")
    pf.add_argument("--message-id", help="default: derived from the contents (a bank refuses it twice)")
    pf.add_argument("--created-at", help="the file's creation moment (ISO 8601; default: now)")
    pf.add_argument("--schema", choices=SCHEMAS, default=SCHEMA)
    pf.set_defaults(func=cmd_payouts)
    return pay_sub
