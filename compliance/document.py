"""The compliance file as HTML and PDF, in French (IO-free: returns text or bytes).

As the cinemas' statements (remuneration/statement_document.py): Jinja2 renders the package's
template with autoescaping on; WeasyPrint, imported only when a PDF is asked for, turns it into PDF
and fetches nothing (no protocol is allowed; the template has no external resource).
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import jinja2

from artaud.compliance.report import Report

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("artaud.compliance", "templates"),
        autoescape=True,  # settings and partners' names are text from records: escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """One self-contained HTML page (inline style, no script, nothing fetched), printable on A4."""
    day = report.generated_on
    return (
        _environment()
        .get_template("compliance.html")
        .render(
            r=report,
            generated_on=f"{day.day} {_MONTHS[day.month - 1]} {day.year}",
            generated_iso=day.isoformat(),
            failed=sum(not c.passed for c in report.checks),
        )
    )


def render_pdf(report: Report) -> bytes:
    """The HTML as PDF; the same report gives the same bytes."""
    import weasyprint  # slow to import: only when a PDF is asked for

    refuse_all = weasyprint.urls.URLFetcher(allowed_protocols=())
    html = render_html(report)
    document: Any = weasyprint.HTML(string=html, url_fetcher=refuse_all)
    pdf: bytes = document.write_pdf(pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode())
    return pdf
