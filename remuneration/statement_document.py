"""A cinema's statement for a period: one document listing each campaign whose share it was paid, in
French, as HTML, as PDF (each campaign's verifiable statement attached) and as CSV.

IO-free: the caller (the command line; later the ledger) hands over a `CinemaStatement` and writes the
text or bytes returned. Each line carries the campaign's verifiable statement (`statement.publish`,
the proof). A line is checked against its proof when it is made: the proof must check out, and the
line's campaign, contribution, amount, pot, policy, parameters, inputs hash and root must be the ones
it proves; the statement then refuses a line whose proof is another cinema's. So a document never
shows another cinema's figures, nor a figure its proof does not back. Only this cinema's line and
each campaign's public totals (the pot, the policy) appear. The line's salt is only in the proof
(the PDF's attachments, the JSON form): the HTML and the CSV have no use for it and never show it.

`statement_from_json` reads the JSON form (`statement_to_json` writes it), naming the field of every
problem (`lines[2].amount_cents: …`). Jinja2 renders the HTML from the package's template with
autoescaping on; WeasyPrint, imported only when a PDF is asked for, turns it into PDF and fetches
nothing (no URL, no file: the template has no external resource, and any it were given is refused).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from fractions import Fraction
from functools import cache
from math import floor
from typing import Any

import jinja2

from artaud.errors import InvalidFields, InvalidInput
from artaud.remuneration.campaigns import Campaign
from artaud.remuneration.distribution import Distribution
from artaud.remuneration.errors import InvalidStatement
from artaud.remuneration.money import euros_fr
from artaud.remuneration.numbers import exact_number, fraction_text
from artaud.remuneration.policies import Mutualist, Params, ProRata, ProRataBounded, Solidarity, policy_of
from artaud.remuneration.preview import policy_words
from artaud.remuneration.statement import LINE_TAG, TOTALS_TAG, Published, verify

DOCUMENT_FORMAT = "artaud.remuneration.cinema-statement/1"
CSV_HEADER = (
    "campaign",
    "distributor",
    "film",
    "director",
    "flight_start",
    "flight_end",
    "contribution",
    "amount_cents",
    "pot_cents",
    "policy",
    "policy_version",
    "params",
    "inputs_sha256",
    "root",
)
MAX_TEXT = 300
SHORT_HASH = 12  # hex digits shown in the table; the notes give all 64
_CNC = re.compile(r"[0-9]{7}")
_HASH = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# a spreadsheet runs a cell starting with one of these as a formula (OWASP: CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
POLICY_NAMES_FR = {
    ProRata.id: "Prorata",
    ProRataBounded.id: "Prorata borné",
    Mutualist.id: "Mutualiste",
    Solidarity.id: "Solidarité",
}


class InvalidStatementDocument(InvalidFields):
    """A cinema's statement (or its JSON form) whose fields are wrong, each named."""

    code = "invalid_statement_document"


@dataclass(frozen=True)
class StatementLine:
    """One campaign's line of a cinema's statement; `proof` is the cinema's verifiable statement of
    that campaign (`statement.publish(...).statements[cnc]`), which every other field must agree with.
    Build it from the records with `line_of`."""

    campaign_id: str
    distributor: str
    film_title: str
    director: str  # "" when not known
    flight_start: date
    flight_end: date
    contribution: Fraction  # the cinema's consented unique visitors (exact)
    amount_cents: int  # the cinema's share
    pot_cents: int  # the campaign's pot (public: in the totals every cinema receives)
    policy: str
    policy_version: int
    params: Params
    inputs_sha256: str
    root: str
    proof: dict[str, object] = field(repr=False)

    def __post_init__(self) -> None:
        problems = line_problems(self)
        if problems:
            raise InvalidStatementDocument(problems)

    @property
    def cinema(self) -> str:
        """The CNC number of the cinema whose line the proof holds."""
        return str(self.proof["line"]).split("\t")[1]

    @property
    def attachment_name(self) -> str:
        """`<campaign>-<cnc>.statement.json` (a statement's campaign id may hold `/` or `:`: as `_`)."""
        return f"{re.sub(r'[/:]', '_', self.campaign_id)}-{self.cinema}.statement.json"


@dataclass(frozen=True)
class CinemaStatement:
    """What one cinema receives for a period: its line of each campaign paid in it."""

    cinema_cnc: str
    cinema_name: str
    period_start: date
    period_end: date
    issued_on: date
    lines: tuple[StatementLine, ...]

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        if not isinstance(self.cinema_cnc, str) or not _CNC.fullmatch(self.cinema_cnc):
            problems["cinema_cnc"] = "the CNC number, 7 digits"
        _check_text(problems, "cinema_name", self.cinema_name, required=True)
        if self.period_start > self.period_end:
            problems["period_end"] = (
                f"the period ends ({self.period_end}) before it starts ({self.period_start})"
            )
        seen: set[str] = set()
        for i, line in enumerate(self.lines):
            if line.cinema != self.cinema_cnc:
                # the one place that keeps another cinema's figures out of a document
                problems[f"lines[{i}].proof"] = (
                    f"the statement of cinema {line.cinema}, not of {self.cinema_cnc}"
                )
            if line.campaign_id in seen:
                problems[f"lines[{i}].campaign_id"] = f"campaign {line.campaign_id} is listed twice"
            seen.add(line.campaign_id)
        if problems:
            raise InvalidStatementDocument(problems)

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def _check_text(problems: dict[str, str], name: str, value: object, *, required: bool) -> None:
    if not isinstance(value, str):
        problems[name] = "text"
    elif required and not value.strip():
        problems[name] = "required"
    elif len(value) > MAX_TEXT:
        problems[name] = f"longer than {MAX_TEXT} characters"
    elif any(not c.isprintable() for c in value):
        problems[name] = "contains control characters"


def _canonical_json(params: Mapping[str, object]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def line_problems(line: StatementLine) -> dict[str, str]:
    """Each field that is wrong, or that is not what the line's proof proves."""
    problems: dict[str, str] = {}
    _check_text(problems, "campaign_id", line.campaign_id, required=True)
    _check_text(problems, "distributor", line.distributor, required=True)
    _check_text(problems, "film_title", line.film_title, required=True)
    _check_text(problems, "director", line.director, required=False)
    if line.flight_start > line.flight_end:
        problems["flight_end"] = f"the flight ends ({line.flight_end}) before it starts ({line.flight_start})"
    if line.contribution < 0:
        problems["contribution"] = "≥ 0"
    if line.pot_cents < 0:
        problems["pot_cents"] = "≥ 0"
    if not 0 <= line.amount_cents <= max(line.pot_cents, 0):
        problems["amount_cents"] = f"from 0 to the pot ({line.pot_cents})"
    try:
        canonical = policy_of(line.policy, line.params, line.policy_version).params()
    except InvalidInput as exc:
        problems["params"] = exc.message
    else:
        if line.params != canonical:
            problems["params"] = (
                f"not the canonical parameters of {line.policy} ({_canonical_json(canonical)})"
            )
    for name in ("inputs_sha256", "root"):
        if not _HASH.fullmatch(getattr(line, name)):
            problems[name] = "64 lowercase hex digits"
    try:
        wrong = verify(line.proof)
    except InvalidStatement as exc:
        wrong = [exc.message]
    if wrong:
        problems["proof"] = "; ".join(wrong)
        return problems

    # the proof checks out: every figure shown must be the one it proves
    proof, totals = line.proof, str(line.proof["totals"]).split("\t")
    _, _cnc, contribution, amount, _salt = str(proof["line"]).split("\t")  # the salt is never shown
    _, campaign, _pay, _rate, _fee, pot, _sum, _count, policy, version, params, digest = totals
    assert totals[0] == TOTALS_TAG and str(proof["line"]).startswith(LINE_TAG)  # verify() checked
    proved: dict[str, tuple[object, object]] = {
        "campaign_id": (line.campaign_id, campaign),
        "root": (line.root, proof["root"]),
        "contribution": (fraction_text(line.contribution), contribution),
        "amount_cents": (str(line.amount_cents), amount),
        "pot_cents": (str(line.pot_cents), pot),
        "policy": (line.policy, policy),
        "policy_version": (str(line.policy_version), version),
        "inputs_sha256": (line.inputs_sha256, digest),
    }
    if "params" not in problems:
        proved["params"] = (_canonical_json(line.params), params)
    for name, (shown, proven) in proved.items():
        if name not in problems and shown != proven:
            problems[name] = f"{shown} is not what the proof proves ({proven})"
    return problems


def line_of(campaign: Campaign, distribution: Distribution, published: Published, cnc: str) -> StatementLine:
    """A cinema's line of a campaign, from the campaign's record, its distribution and what was
    published for it; InvalidStatementDocument when they do not belong together."""
    if published.campaign != campaign.id:
        raise InvalidStatementDocument(
            {"campaign_id": f"published for {published.campaign}, not {campaign.id}"}
        )
    proof = published.statements.get(cnc)
    if proof is None or cnc not in distribution.amounts:
        raise InvalidStatementDocument({"cinema": f"cinema {cnc} has no line in campaign {campaign.id}"})
    contribution = exact_number(str(proof["line"]).split("\t")[2])
    return StatementLine(
        campaign_id=campaign.id,
        distributor=campaign.distributor,
        film_title=campaign.film_title,
        director=campaign.director,
        flight_start=campaign.start,
        flight_end=campaign.end,
        contribution=contribution,
        amount_cents=distribution.amounts[cnc],
        pot_cents=distribution.pot_cents,
        policy=distribution.policy,
        policy_version=distribution.policy_version,
        params=distribution.params,
        inputs_sha256=distribution.inputs_sha256,
        root=published.root,
        proof=proof,
    )


# French words -----------------------------------------------------------------------------------


def date_fr(day: date) -> str:
    """`1er mars 2026`, `31 mars 2026`."""
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


def flight_fr(start: date, end: date) -> str:
    return f"{date_fr(start)} – {date_fr(end)}"


def visitors_fr(x: Fraction) -> str:
    """`4 210`, `212,50`; a share of a visitor that is no whole cent of one is rounded half-up to two
    decimals and marked `≈ ` (the exact number is in the CSV and in the proof)."""
    hundredths = floor(x * 100 + Fraction(1, 2))
    whole, rest = divmod(hundredths, 100)
    text = f"{whole:,}".replace(",", " ")
    if x.denominator == 1:
        return text
    return ("" if Fraction(hundredths, 100) == x else "≈ ") + f"{text},{rest:02d}"


def policy_fr(line: StatementLine) -> str:
    """`Solidarité (solidarity, version 1) : coefficients A = 1, …`."""
    name = POLICY_NAMES_FR.get(line.policy, line.policy)
    return f"{name} ({line.policy}, version {line.policy_version}) : {policy_words(line.policy, line.params)}"


def short_hash(digest: str) -> str:
    return digest[:SHORT_HASH] + "…"


# Renderers --------------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("artaud.remuneration", "templates"),
        autoescape=True,  # every value is text from records: escaped, whatever the file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(st: CinemaStatement) -> str:
    """The statement as one self-contained HTML page in French (inline style, no script, nothing
    fetched), printable on A4."""
    lines = [
        {
            "campaign": line.campaign_id,
            "distributor": line.distributor,
            "film": line.film_title,
            "director": line.director,
            "flight": flight_fr(line.flight_start, line.flight_end),
            "contribution": visitors_fr(line.contribution),
            "contribution_exact": fraction_text(line.contribution),
            "amount": euros_fr(line.amount_cents),
            "pot": euros_fr(line.pot_cents),
            "policy": policy_fr(line),
            "inputs_sha256": line.inputs_sha256,
            "inputs_short": short_hash(line.inputs_sha256),
            "root": line.root,
            "root_short": short_hash(line.root),
            "attachment": line.attachment_name,
            "note": i,
        }
        for i, line in enumerate(st.lines, start=1)
    ]
    return (
        _environment()
        .get_template("statement.html")
        .render(
            cinema_cnc=st.cinema_cnc,
            cinema_name=st.cinema_name,
            period=f"du {date_fr(st.period_start)} au {date_fr(st.period_end)}",
            issued_on=date_fr(st.issued_on),
            issued_iso=st.issued_on.isoformat(),
            lines=lines,
            total=euros_fr(st.total_cents),
        )
    )


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(st: CinemaStatement) -> str:
    """One row per campaign under stable English headers: ISO dates, the exact contribution, whole
    cents, the parameters as canonical JSON; no cell can start a spreadsheet formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for line in st.lines:
        row = [
            line.campaign_id,
            line.distributor,
            line.film_title,
            line.director,
            line.flight_start.isoformat(),
            line.flight_end.isoformat(),
            fraction_text(line.contribution),
            str(line.amount_cents),
            str(line.pot_cents),
            line.policy,
            str(line.policy_version),
            _canonical_json(line.params),
            line.inputs_sha256,
            line.root,
        ]
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def proof_json(line: StatementLine) -> str:
    """The line's verifiable statement as a file `artaud remuneration verify` reads."""
    return json.dumps(line.proof, indent=2, ensure_ascii=False) + "\n"


def render_pdf(st: CinemaStatement) -> bytes:
    """The HTML as PDF, each line's verifiable statement attached as `<campaign>-<cnc>.statement.json`.

    The same statement gives the same bytes: the dates written into the file are the issue date's."""
    import weasyprint  # slow to import: only when a PDF is asked for

    # no protocol allowed: nothing is fetched, whatever the HTML names
    refuse_all = weasyprint.urls.URLFetcher(allowed_protocols=())
    issued = datetime.combine(st.issued_on, time(), UTC)
    attachments = [
        weasyprint.Attachment(
            string=proof_json(line),
            name=line.attachment_name,
            description=f"Relevé vérifiable de la campagne {line.campaign_id} (artaud remuneration verify)",
            created=issued,
            modified=issued,
            url_fetcher=refuse_all,
            relationship="Data",
        )
        for line in st.lines
    ]
    html = render_html(st)
    document: Any = weasyprint.HTML(string=html, url_fetcher=refuse_all)
    pdf: bytes = document.write_pdf(
        attachments=attachments, pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    )
    return pdf


# The JSON form ----------------------------------------------------------------------------------

_DOCUMENT_KEYS = ("format", "cinema_cnc", "cinema_name", "period_start", "period_end", "issued_on", "lines")
_LINE_KEYS = (
    "campaign_id", "distributor", "film_title", "director", "flight_start", "flight_end", "contribution",
    "amount_cents", "pot_cents", "policy", "policy_version", "params", "inputs_sha256", "root", "proof",
)  # fmt: skip


def statement_to_json(st: CinemaStatement) -> bytes:
    """The JSON form `statement_from_json` reads (exact numbers as text, dates ISO)."""
    document = {
        "format": DOCUMENT_FORMAT,
        "cinema_cnc": st.cinema_cnc,
        "cinema_name": st.cinema_name,
        "period_start": st.period_start.isoformat(),
        "period_end": st.period_end.isoformat(),
        "issued_on": st.issued_on.isoformat(),
        "lines": [
            {
                "campaign_id": line.campaign_id,
                "distributor": line.distributor,
                "film_title": line.film_title,
                "director": line.director,
                "flight_start": line.flight_start.isoformat(),
                "flight_end": line.flight_end.isoformat(),
                "contribution": fraction_text(line.contribution),
                "amount_cents": line.amount_cents,
                "pot_cents": line.pot_cents,
                "policy": line.policy,
                "policy_version": line.policy_version,
                "params": line.params,
                "inputs_sha256": line.inputs_sha256,
                "root": line.root,
                "proof": line.proof,
            }
            for line in st.lines
        ],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class _Reader:
    """Typed values out of a JSON object, each problem recorded under its field's name."""

    def __init__(self, problems: dict[str, str], obj: Mapping[str, object], keys: tuple[str, ...]) -> None:
        self.problems, self.obj = problems, obj
        for key in sorted(set(obj) - set(keys)):
            problems[key] = "unknown field"
        for key in keys:
            if key not in obj:
                problems[key] = "missing"

    def _bad(self, key: str, problem: str) -> None:
        self.problems.setdefault(key, problem)

    def text(self, key: str) -> str:
        value = self.obj.get(key, "")
        if isinstance(value, str):
            return value
        self._bad(key, "text")
        return ""

    def whole(self, key: str) -> int:
        value = self.obj.get(key, 0)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
            return value
        self._bad(key, "a whole number")
        return 0

    def day(self, key: str) -> date:
        value = self.obj.get(key)
        if isinstance(value, str) and _DAY.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self._bad(key, "a date YYYY-MM-DD")
        return date.min

    def number(self, key: str) -> Fraction:
        value = self.obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return Fraction(value)
        if isinstance(value, str):
            try:
                return exact_number(value)
            except ValueError:
                pass
        self._bad(key, 'an exact number as text ("212.5" or "1/3")')
        return Fraction(0)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.obj.get(key)
        if isinstance(value, dict):
            return value
        self._bad(key, "a JSON object")
        return {}


def statement_from_json(data: bytes, source: str = "statement") -> CinemaStatement:
    """A CinemaStatement from its JSON form; InvalidStatementDocument names every wrong field
    (`lines[1].amount_cents`), InvalidInput says when it is no JSON object at all."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{source}: not a JSON statement document ({str(exc)[:200]})") from None
    if not isinstance(document, dict):
        raise InvalidInput(
            f"{source}: not a JSON statement document (an object with {', '.join(_DOCUMENT_KEYS)})"
        )
    problems: dict[str, str] = {}
    top = _Reader(problems, document, _DOCUMENT_KEYS)
    if "format" in document and document["format"] != DOCUMENT_FORMAT:
        problems["format"] = f"{DOCUMENT_FORMAT} expected"
    cnc, name = top.text("cinema_cnc"), top.text("cinema_name")
    start, end, issued = top.day("period_start"), top.day("period_end"), top.day("issued_on")
    raw_lines = document.get("lines", [])
    if not isinstance(raw_lines, list):
        problems["lines"] = "a list of lines"
        raw_lines = []
    lines: list[StatementLine] = []
    for i, raw in enumerate(raw_lines):
        where = f"lines[{i}]."
        if not isinstance(raw, dict):
            problems[f"lines[{i}]"] = "a JSON object"
            continue
        mine: dict[str, str] = {}
        r = _Reader(mine, raw, _LINE_KEYS)
        campaign_id, distributor = r.text("campaign_id"), r.text("distributor")
        film_title, director = r.text("film_title"), r.text("director")
        flight_start, flight_end = r.day("flight_start"), r.day("flight_end")
        contribution, amount, pot = r.number("contribution"), r.whole("amount_cents"), r.whole("pot_cents")
        policy, version, params = r.text("policy"), r.whole("policy_version"), r.mapping("params")
        digest, root, proof = r.text("inputs_sha256"), r.text("root"), r.mapping("proof")
        if not mine:
            try:
                lines.append(
                    StatementLine(
                        campaign_id=campaign_id,
                        distributor=distributor,
                        film_title=film_title,
                        director=director,
                        flight_start=flight_start,
                        flight_end=flight_end,
                        contribution=contribution,
                        amount_cents=amount,
                        pot_cents=pot,
                        policy=policy,
                        policy_version=version,
                        params=params,
                        inputs_sha256=digest,
                        root=root,
                        proof=proof,
                    )
                )
            except InvalidStatementDocument as exc:
                mine = exc.problems
        problems.update({where + key: problem for key, problem in mine.items()})
    if problems:
        raise InvalidStatementDocument(problems)
    return CinemaStatement(cnc, name, start, end, issued, tuple(lines))
