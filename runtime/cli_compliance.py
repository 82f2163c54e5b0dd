"""`artaud compliance`: the compliance file, the command line's adapter over compliance/.

    artaud compliance check                              one line per condition; exit 1 if one fails
    artaud compliance report --format html|pdf [--out FILE] [--date YYYY-MM-DD]

Both read the configuration with the legal limits lifted (`load(legal_limits=False)`): a setting
beyond one (a retention of 26 months) would stop `artaud run` at start, and here it is the red line
that says why, which is what an operator's CI wants to read (docs/compliance.md).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artaud.errors import InvalidInput
from artaud.files import write_private

if TYPE_CHECKING:
    from artaud.compliance.report import Report


class ComplianceOutputRequired(InvalidInput):
    """A PDF goes to a file, never to the terminal."""

    code = "compliance_output_required"


def _report(args: argparse.Namespace) -> Report:
    from artaud import wiring
    from artaud.compliance.gather import gather
    from artaud.compliance.report import build
    from artaud.config.settings import load

    overrides = {"paths": {"data_dir": str(args.data_dir)}} if getattr(args, "data_dir", None) else None
    settings = load(overrides=overrides, legal_limits=False)
    cp = wiring.control(settings)
    try:
        cp.migrate()
        facts = gather(settings, cp)
    finally:
        cp.close()
    return build(facts, date.fromisoformat(args.date) if getattr(args, "date", None) else date.today())


def cmd_check(args: argparse.Namespace) -> int:
    from artaud.compliance.checks import line

    report = _report(args)
    red, green, plain = ("\033[31m", "\033[32m", "\033[0m") if sys.stdout.isatty() else ("", "", "")
    for check in report.checks:
        print(f"{green if check.passed else red}{line(check)}{plain}")
    failed = [c for c in report.checks if not c.passed]
    if failed:
        print(f"{len(failed)} condition(s) non remplie(s) : " + ", ".join(c.key for c in failed))
        return 1
    print(f"les {len(report.checks)} conditions sont remplies")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from artaud.compliance.document import render_html, render_pdf

    if args.format == "pdf" and not args.out:
        raise ComplianceOutputRequired("a PDF is written to a file: give --out FILE")
    report = _report(args)
    data = render_pdf(report) if args.format == "pdf" else render_html(report).encode()
    if args.out:
        write_private(Path(args.out), data)
        print(f"compliance file written to {args.out} ({args.format}, {len(data)} bytes)")
    else:
        sys.stdout.write(data.decode())
    failed = [c.key for c in report.checks if not c.passed]
    if failed:
        print(f"warning: conditions not met: {', '.join(failed)} (artaud compliance check)", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    comp = sub.add_parser(
        "compliance", help="the compliance file: records of processing, CNIL self-check, DPIA inputs"
    )
    comp_sub = comp.add_subparsers(dest="action", required=True)
    ck = comp_sub.add_parser("check", help="the CNIL exemption self-check; exit 1 when a condition fails")
    ck.set_defaults(func=cmd_check)
    rp = comp_sub.add_parser("report", help="the compliance file in French, as HTML or PDF")
    rp.add_argument("--format", choices=("html", "pdf"), default="html")
    rp.add_argument("--out", help="the file to write (HTML: default the standard output)")
    rp.add_argument("--date", help="the date the file carries (YYYY-MM-DD; default today)")
    rp.set_defaults(func=cmd_report)
