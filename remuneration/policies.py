"""The four distribution policies the SCARE board chooses from, versioned.

A policy turns a pot (whole cents) and the participating cinemas into exact shares (fractions of a
cent that sum exactly to the pot); money.apportion then rounds them to cents. Each policy has an `id`
and a `version`: a version's arithmetic never changes once shares have been paid with it (a change is
a new version), and `params()` is what a statement records, from which `policy_of` rebuilds it.

`shares` expects what distribution.distribute checks: at least one cinema, each once.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

from artaud.remuneration.errors import InvalidContributions, InvalidPolicy, Undistributable
from artaud.remuneration.inputs import CATEGORIES, Participant
from artaud.remuneration.numbers import exact_number, fraction_text, sqrt_floor

Params = dict[str, str | int | dict[str, str] | None]


class Policy(ABC):
    id: ClassVar[str]
    version: ClassVar[int]

    @classmethod
    @abstractmethod
    def from_params(cls, params: Mapping[str, object]) -> Policy:
        """The policy with these parameters (the inverse of `params()`); InvalidPolicy if they are wrong."""

    @abstractmethod
    def params(self) -> Params:
        """The parameters in canonical JSON form: cents as integers, exact numbers as text."""

    @abstractmethod
    def shares(self, pot_cents: int, cinemas: Sequence[Participant]) -> dict[str, Fraction]:
        """Each cinema's exact share of the pot, in cents."""


def _pro_rata(
    amount: Fraction, weights: Mapping[str, Fraction], policy: str, what: str
) -> dict[str, Fraction]:
    total = sum(weights.values(), Fraction(0))
    if total == 0:
        # Refused rather than shared equally: an all-zero audience is almost always the wrong file,
        # and the board should choose an equal split knowingly (mutualist with alpha = 1).
        raise Undistributable(
            f"{policy}: every cinema's {what} is 0, nothing to share the pot in proportion to"
        )
    return {key: amount * w / total for key, w in weights.items()}


def _cents(value: object, name: str) -> int:
    # ASCII digits only: str.isdigit() would let `²` through to int()
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,15}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidPolicy(f"{name}: a whole number of cents ≥ 0, got {value!r}")
    return value


def _number(value: object, name: str) -> Fraction:
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str):
        try:
            return exact_number(value)
        except ValueError as exc:
            raise InvalidPolicy(f"{name}: {exc}") from None
    raise InvalidPolicy(f"{name}: an exact number (int, Fraction or decimal text), got {value!r}")


@dataclass(frozen=True)
class ProRata(Policy):
    """s_i = P·a_i / Σa."""

    id: ClassVar[str] = "pro_rata"
    version: ClassVar[int] = 1

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> Policy:
        _only(params, cls.id)
        return cls()

    def params(self) -> Params:
        return {}

    def shares(self, pot_cents: int, cinemas: Sequence[Participant]) -> dict[str, Fraction]:
        return _pro_rata(
            Fraction(pot_cents), {c.cinema: c.contribution for c in cinemas}, self.id, "contribution"
        )


@dataclass(frozen=True)
class ProRataBounded(Policy):
    """Pro rata, each share clamped to [floor, cap]; what clamping frees or takes is shared pro rata
    among the unclamped cinemas, until nothing changes.

    That fixed point is s_i = clamp(λ·a_i, floor, cap) for the one level λ at which the shares sum to
    the pot: the shares of the unclamped are in proportion to their contributions, a capped cinema
    would get more at that level, a floored one less. It is computed directly (see `_level`), not by
    clamping repeatedly: a cinema clamped at the cap in an early round can fall below the cap once
    floors have taken their part of the pot, and a repeated clamp never releases it.

    A cinema without contribution sits at the floor. When every contributing cinema is at the cap, the
    rest of the pot is shared equally among the cinemas without contribution (it fits under their cap:
    cap·N ≥ P), which is also what a tiny equal contribution would give them.
    """

    floor_cents: int = 0
    cap_cents: int | None = None
    id: ClassVar[str] = "pro_rata_bounded"
    version: ClassVar[int] = 1

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> Policy:
        _only(params, cls.id, "floor_cents", "cap_cents")
        cap = params.get("cap_cents")
        return cls(
            floor_cents=_cents(params.get("floor_cents", 0), "floor_cents"),
            cap_cents=None if cap is None else _cents(cap, "cap_cents"),
        )

    def __post_init__(self) -> None:
        object.__setattr__(self, "floor_cents", _cents(self.floor_cents, "floor_cents"))
        if self.cap_cents is not None:
            object.__setattr__(self, "cap_cents", _cents(self.cap_cents, "cap_cents"))
            if self.cap_cents < self.floor_cents:
                raise InvalidPolicy(
                    f"the cap ({self.cap_cents} cents) is below the floor ({self.floor_cents} cents)"
                )

    def params(self) -> Params:
        return {"floor_cents": self.floor_cents, "cap_cents": self.cap_cents}

    def shares(self, pot_cents: int, cinemas: Sequence[Participant]) -> dict[str, Fraction]:
        n, floor, cap = len(cinemas), self.floor_cents, self.cap_cents
        if floor * n > pot_cents:
            raise Undistributable(
                f"{self.id}: a floor of {floor} cents for {n} cinemas needs {floor * n} cents, "
                f"more than the pot of {pot_cents} cents"
            )
        if cap is not None and cap * n < pot_cents:
            raise Undistributable(
                f"{self.id}: a cap of {cap} cents for {n} cinemas shares at most {cap * n} cents, "
                f"less than the pot of {pot_cents} cents"
            )
        if all(c.contribution == 0 for c in cinemas):
            raise Undistributable(
                f"{self.id}: every cinema's contribution is 0, nothing to share the pot in proportion to"
            )
        level = self._level(pot_cents, cinemas)
        low, high = Fraction(floor), None if cap is None else Fraction(cap)
        shares = {c.cinema: max(low, level * c.contribution) for c in cinemas}
        if high is not None:
            shares = {key: min(high, s) for key, s in shares.items()}
        left = pot_cents - sum(shares.values(), Fraction(0))
        if left:  # every contributing cinema is at the cap: the rest goes to those without contribution
            zeros = [c.cinema for c in cinemas if c.contribution == 0]
            for key in zeros:
                shares[key] += left / len(zeros)
        return shares

    def _level(self, pot_cents: int, cinemas: Sequence[Participant]) -> Fraction:
        """λ with Σ clamp(λ·a_i, floor, cap) = P, found by sweeping λ upwards across the points where a
        cinema leaves the floor (floor/a_i) or reaches the cap (cap/a_i). Between two such points the
        sum is linear in λ; the last point is returned when even it falls short (all at the cap)."""
        floor = Fraction(self.floor_cents)
        contributing = [c.contribution for c in cinemas if c.contribution > 0]
        # (λ, 0 = leaves the floor / 1 = reaches the cap, a_i): at one λ, leaving comes first
        events = [(floor / a, 0, a) for a in contributing]
        cap = Fraction(self.cap_cents) if self.cap_cents is not None else None
        if cap is not None:
            events += [(cap / a, 1, a) for a in contributing]
        fixed = floor * len(cinemas)  # what the clamped cinemas take: below the first point, all floors
        free = Fraction(0)  # Σa of the cinemas in between, whose shares are λ·a_i
        level = Fraction(0)
        for point, kind, a in sorted(events):
            if fixed + point * free >= pot_cents:
                break  # the sum reaches the pot between the previous point and this one
            level = point
            if kind == 0:
                fixed, free = fixed - floor, free + a
            else:
                assert cap is not None
                fixed, free = fixed + cap, free - a
        # free == 0: the sum is flat here, so the last point reached is as good as any (all floors, or
        # all caps with the rest left to the cinemas without contribution)
        return (pot_cents - fixed) / free if free else level


@dataclass(frozen=True)
class Mutualist(Policy):
    """s_i = α·P·d_i/Σd + (1−α)·P·a_i/Σa: a part α of the pot in proportion to days of participation
    (equal parts when no cinema's days are given: all took part throughout), the rest pro rata."""

    alpha: Fraction
    id: ClassVar[str] = "mutualist"
    version: ClassVar[int] = 1

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> Policy:
        _only(params, cls.id, "alpha")
        if "alpha" not in params:
            raise InvalidPolicy(f"{cls.id}: alpha (0 to 1) is required")
        return cls(alpha=_number(params["alpha"], "alpha"))

    def __post_init__(self) -> None:
        alpha = _number(self.alpha, "alpha")
        if not 0 <= alpha <= 1:
            raise InvalidPolicy(f"alpha: between 0 and 1, got {fraction_text(alpha)}")
        object.__setattr__(self, "alpha", alpha)

    def params(self) -> Params:
        return {"alpha": fraction_text(self.alpha)}

    def shares(self, pot_cents: int, cinemas: Sequence[Participant]) -> dict[str, Fraction]:
        shares = {c.cinema: Fraction(0) for c in cinemas}
        if self.alpha > 0:
            given = [c for c in cinemas if c.days is not None]
            if given and len(given) < len(cinemas):
                missing = next(c.cinema for c in cinemas if c.days is None)
                # a missing value is not "throughout": the flight's length is not known here
                raise InvalidContributions(
                    f"given for some cinemas but not for {missing}: give every cinema's days or none",
                    field="days",
                )
            days = {c.cinema: Fraction(c.days if c.days is not None else 1) for c in cinemas}
            for key, s in _pro_rata(self.alpha * pot_cents, days, self.id, "days").items():
                shares[key] += s
        if self.alpha < 1:
            audience = {c.cinema: c.contribution for c in cinemas}
            for key, s in _pro_rata((1 - self.alpha) * pot_cents, audience, self.id, "contribution").items():
                shares[key] += s
        return shares


@dataclass(frozen=True)
class Solidarity(Policy):
    """s_i = P·k(cat_i)·√a_i / Σ_j k(cat_j)·√a_j: the square root damps the largest audiences and the
    category coefficient k (A to E of the Art & Essai classement) weighs the cinema's situation.

    v1 takes √a_i floored to 30 decimals (numbers.sqrt_floor): integer arithmetic, so every machine
    gets the same weights, and exact from there on.
    """

    coefficients: Mapping[str, Fraction]
    id: ClassVar[str] = "solidarity"
    version: ClassVar[int] = 1

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> Policy:
        _only(params, cls.id, "coefficients")
        coefficients = params.get("coefficients")
        if not isinstance(coefficients, Mapping):
            raise InvalidPolicy(f"{cls.id}: coefficients for the categories A to E are required")
        return cls(coefficients=coefficients)

    def __post_init__(self) -> None:
        if not isinstance(self.coefficients, Mapping):
            raise InvalidPolicy("coefficients: a mapping of the categories A to E to numbers")
        unknown = sorted(str(k) for k in self.coefficients if k not in CATEGORIES)
        if unknown:
            raise InvalidPolicy(f"coefficients: unknown category {unknown[0]!r} (categories are A to E)")
        missing = [k for k in CATEGORIES if k not in self.coefficients]
        if missing:
            raise InvalidPolicy(f"coefficients: missing {', '.join(missing)} (give one for each of A to E)")
        checked = {}
        for category in CATEGORIES:
            k = _number(self.coefficients[category], f"coefficients: {category}")
            if k <= 0:
                raise InvalidPolicy(f"coefficients: {category} must be above 0, got {fraction_text(k)}")
            checked[category] = k
        object.__setattr__(self, "coefficients", checked)

    def __hash__(self) -> int:  # the generated one would hash the dict and fail
        return hash(tuple(self.coefficients.items()))

    def params(self) -> Params:
        return {"coefficients": {k: fraction_text(v) for k, v in self.coefficients.items()}}

    def shares(self, pot_cents: int, cinemas: Sequence[Participant]) -> dict[str, Fraction]:
        weights = {c.cinema: self.coefficients[c.category] * sqrt_floor(c.contribution) for c in cinemas}
        return _pro_rata(Fraction(pot_cents), weights, self.id, "contribution")


POLICIES: dict[str, dict[int, type[Policy]]] = {
    cls.id: {cls.version: cls} for cls in (ProRata, ProRataBounded, Mutualist, Solidarity)
}


def policy_of(policy_id: str, params: Mapping[str, object], version: int | None = None) -> Policy:
    """The policy a statement records (id, version, params), rebuilt to rerun it; the latest version
    when none is given. Params are the canonical ones (`Policy.params()`) or their text."""
    versions = POLICIES.get(policy_id)
    if versions is None:
        raise InvalidPolicy(f"unknown policy {policy_id!r} (one of {', '.join(POLICIES)})")
    cls = versions.get(max(versions) if version is None else version)
    if cls is None:
        raise InvalidPolicy(
            f"{policy_id} has no version {version} (versions: {', '.join(map(str, versions))})"
        )
    return cls.from_params(params)


def _only(params: Mapping[str, object], policy: str, *names: str) -> None:
    unknown = sorted(set(params) - set(names))
    if unknown:
        allowed = f"its parameters are {', '.join(names)}" if names else "it has no parameter"
        raise InvalidPolicy(f"{policy}: no parameter {unknown[0]!r} ({allowed})")
