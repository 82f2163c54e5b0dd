"""`artaud remuneration preview`: the board's look at a policy on a contributions file, before choosing.

IO-free: the command line hands over the file's bytes and its options as typed, and prints the text
returned (a French table with bars, or JSON). Every bad value raises an InvalidInput subclass naming
the option, or the line and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from fractions import Fraction
from math import floor

from artaud.remuneration.contributions import parse_contributions
from artaud.remuneration.distribution import Distribution, distribute
from artaud.remuneration.errors import InvalidContributions, InvalidPayment, InvalidPolicy
from artaud.remuneration.inputs import Participant
from artaud.remuneration.money import euros_fr
from artaud.remuneration.numbers import exact_decimal, fraction_text
from artaud.remuneration.policies import (
    POLICIES,
    Mutualist,
    Params,
    Policy,
    ProRata,
    ProRataBounded,
    Solidarity,
)

# each policy's own options: the one policy they apply to
_OPTIONS = {
    "--floor-cents": ProRataBounded.id,
    "--cap-cents": ProRataBounded.id,
    "--alpha": Mutualist.id,
    "--coefficients": Solidarity.id,
}
_CENTS = re.compile(r"[0-9]{1,15}")
BAR_WIDTH = 30  # characters for the largest share
_EIGHTHS = " ▏▎▍▌▋▊▉"


def policy_from_options(
    name: str,
    *,
    floor_cents: str | None = None,
    cap_cents: str | None = None,
    alpha: str | None = None,
    coefficients: str | None = None,
) -> Policy:
    """The policy named by `--policy`, with its own options; an option of another policy is refused
    (the board would otherwise believe it applied)."""
    if name not in POLICIES:
        raise InvalidPolicy(f"--policy: unknown policy {name[:40]!r} (one of {', '.join(POLICIES)})")
    given = {
        "--floor-cents": floor_cents,
        "--cap-cents": cap_cents,
        "--alpha": alpha,
        "--coefficients": coefficients,
    }
    for option, value in given.items():
        if value is not None and _OPTIONS[option] != name:
            raise InvalidPolicy(f"{option} applies to --policy {_OPTIONS[option]} only, not to {name}")
    if name == ProRataBounded.id:
        floor_value = 0 if floor_cents is None else _cents("--floor-cents", floor_cents, InvalidPolicy)
        cap_value = None if cap_cents is None else _cents("--cap-cents", cap_cents, InvalidPolicy)
        return ProRataBounded(floor_cents=floor_value, cap_cents=cap_value)
    if name == Mutualist.id:
        if alpha is None:
            raise InvalidPolicy(
                "--policy mutualist needs --alpha (0 to 1: the part shared by days of participation)"
            )
        return Mutualist(alpha=_decimal("--alpha", alpha))
    if name == Solidarity.id:
        if coefficients is None:
            raise InvalidPolicy("--policy solidarity needs --coefficients A=…,B=…,C=…,D=…,E=…")
        return Solidarity(coefficients=_coefficients(coefficients))
    return ProRata()


def preview(
    contributions: bytes,
    *,
    payment_cents: str,
    fee_rate: str,
    policy: Policy,
    as_json: bool = False,
    source: str = "contributions",
) -> str:
    """The distribution of a payment under a policy on a contributions file, as text to print."""
    payment = _cents("--payment-cents", payment_cents, InvalidPayment)
    rate = _decimal("--fee-rate", fee_rate, InvalidPayment)
    if not 0 <= rate < 1:
        raise InvalidPayment(
            f"--fee-rate: from 0 up to but not including 1 (10 % is 0.1), got {fee_rate.strip()}"
        )
    try:
        text = contributions.decode("utf-8")
        cinemas = parse_contributions(text)
    except UnicodeDecodeError as exc:
        line = contributions[: exc.start].count(b"\n") + 1
        raise InvalidContributions("not UTF-8 text", line=line, source=source) from None
    except InvalidContributions as exc:
        raise exc.located(source=source) from None
    result = distribute(cinemas, payment, rate, policy)
    if as_json:
        return json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n"
    return render_table(result, cinemas)


def _cents(option: str, text: str, error: type[InvalidPayment] | type[InvalidPolicy]) -> int:
    if not _CENTS.fullmatch(text.strip()):
        raise error(
            f"{option}: a whole number of cents ≥ 0 (12 345,67 € is 1234567), got {text.strip()[:40]!r}"
        )
    return int(text.strip())


def _decimal(
    option: str, text: str, error: type[InvalidPayment] | type[InvalidPolicy] = InvalidPolicy
) -> Fraction:
    try:
        return exact_decimal(text)
    except ValueError as exc:
        raise error(f"{option}: {exc}") from None


def _coefficients(text: str) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for item in text.split(","):
        category, equals, number = item.partition("=")
        category = category.strip().upper()
        if not equals or not category:
            raise InvalidPolicy(
                f"--coefficients: {item.strip()[:40]!r} is not CATEGORY=NUMBER "
                "(e.g. A=1,B=1,C=1.1,D=1.2,E=1.3, decimals with a point)"
            )
        if category in out:
            raise InvalidPolicy(f"--coefficients: {category} is given twice")
        out[category] = _decimal(f"--coefficients: {category}", number)
    return out


def number_fr(x: Fraction) -> str:
    """`4 210,5`: an exact number the French way (a fraction that is no finite decimal stays p/q)."""
    text = fraction_text(x)
    if "/" in text:
        return text
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, decimals = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return sign + grouped + ("," + decimals if decimals else "")


def describe_policy(result: Distribution) -> str:
    """The policy and its parameters in French words."""
    return f"{result.policy} v{result.policy_version} ({policy_words(result.policy, result.params)})"


def policy_words(policy: str, p: Params) -> str:
    """A policy's canonical parameters (`Policy.params()`) in French words."""
    if policy == ProRataBounded.id:
        floor_cents, cap = p["floor_cents"], p["cap_cents"]
        assert isinstance(floor_cents, int)
        cap_text = f"plafond {euros_fr(cap)}" if isinstance(cap, int) else "sans plafond"
        what = f"plancher {euros_fr(floor_cents)}, {cap_text}"
    elif policy == Mutualist.id:
        assert isinstance(p["alpha"], str)
        alpha = Fraction(p["alpha"])
        what = (
            f"α = {number_fr(alpha)} : {number_fr(alpha * 100)} % selon les jours de participation, "
            f"{number_fr((1 - alpha) * 100)} % au prorata des contributions"
        )
    elif policy == Solidarity.id:
        coefficients = p["coefficients"]
        assert isinstance(coefficients, dict)
        what = "coefficients " + ", ".join(f"{k} = {number_fr(Fraction(v))}" for k, v in coefficients.items())
    else:
        what = "au prorata des contributions"
    return what


def bar(amount: int, largest: int) -> str:
    """A horizontal bar in eighths of a character, `BAR_WIDTH` long for the largest amount."""
    if largest <= 0:
        return ""
    eighths = floor(Fraction(amount * BAR_WIDTH * 8, largest))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def _percent(amount: int, total: int) -> str:
    if total == 0:
        return "–"
    tenths = floor(Fraction(amount * 1000, total) + Fraction(1, 2))
    return f"{tenths // 10},{tenths % 10} %"


def render_table(result: Distribution, cinemas: Sequence[Participant]) -> str:
    """The French table: the payment, the fee, the pot, then one line per cinema with its share, its
    percentage of the pot and a bar, and the totals."""
    by_cnc = {c.cinema: c for c in cinemas}
    with_days = any(c.days is not None for c in cinemas)
    header = ["Cinéma", "Cat.", "Contribution"] + (["Jours"] if with_days else []) + ["Part", "% du pot"]
    largest = max(result.amounts.values(), default=0)
    rows: list[list[str]] = []
    for cnc, cents in result.amounts.items():
        c = by_cnc[cnc]
        days = [str(c.days) if c.days is not None else "–"] if with_days else []
        rows.append(
            [
                cnc,
                c.category,
                number_fr(c.contribution),
                *days,
                euros_fr(cents),
                _percent(cents, result.pot_cents),
            ]
        )
    total_contribution = sum((c.contribution for c in cinemas), Fraction(0))
    total_days = [""] if with_days else []
    total = ["Total", "", number_fr(total_contribution), *total_days, euros_fr(sum(result.amounts.values()))]
    total.append(_percent(sum(result.amounts.values()), result.pot_cents))
    widths = [max(len(r[i]) for r in [header, *rows, total]) for i in range(len(header))]
    left_aligned = 2  # the CNC number and the category; figures are right-aligned

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i < left_aligned else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    rate = number_fr(result.fee_rate * 100)
    labels = ["Paiement du distributeur", f"Commission SCARE ({rate} %)", "À répartir entre les cinémas"]
    figures = [euros_fr(result.payment_cents), euros_fr(result.fee_cents), euros_fr(result.pot_cents)]
    label_width, figure_width = max(map(len, labels)), max(map(len, figures))
    out = [f"Politique : {describe_policy(result)}", ""]
    out += [
        f"{label.ljust(label_width)}  {figure.rjust(figure_width)}"
        for label, figure in zip(labels, figures, strict=True)
    ]
    out += ["", line(header), line(["─" * w for w in widths])]
    out += [
        f"{line(row)}  {bar(cents, largest)}".rstrip()
        for row, cents in zip(rows, result.amounts.values(), strict=True)
    ]
    out += [line(["─" * w for w in widths]), line(total), ""]
    out.append(f"Empreinte des entrées (SHA-256) : {result.inputs_sha256}")
    return "\n".join(out) + "\n"
