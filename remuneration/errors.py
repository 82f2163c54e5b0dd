"""What the remuneration maths refuses, each with its own code (all are bad input: exit 2, HTTP 400).

A message names the field (and, for a file, the line) so the board can fix the input without reading
code; the maths never guesses a value it was not given.
"""

from __future__ import annotations

from artaud.errors import InvalidInput


class InvalidContributions(InvalidInput):
    """A cinema's row (CNC number, category, contribution, days) or the contributions file itself."""

    code = "invalid_contributions"

    def __init__(
        self, problem: str, *, field: str | None = None, line: int | None = None, source: str | None = None
    ) -> None:
        self.problem, self.field, self.line, self.source = problem, field, line, source
        # `file.csv:3: contribution: …` as the cinema import reports rows, else `line 3, contribution: …`
        where = f"{source}:{line}" if source and line else (source or (f"line {line}" if line else ""))
        what = f"{field}: {problem}" if field else problem
        separator = ": " if source else ", " if field else ": "
        super().__init__(f"{where}{separator}{what}" if where else what)

    def located(self, *, line: int | None = None, source: str | None = None) -> InvalidContributions:
        """The same problem, located in a file (the parser knows the line, the row's checks do not)."""
        return InvalidContributions(
            self.problem, field=self.field, line=line or self.line, source=source or self.source
        )


class InvalidPayment(InvalidInput):
    """The payment or the SCARE's fee rate."""

    code = "invalid_payment"


class InvalidPolicy(InvalidInput):
    """An unknown policy or version, or a parameter outside its range."""

    code = "invalid_policy"


class Undistributable(InvalidInput):
    """Valid inputs the chosen policy cannot share: no cinema, no contribution, infeasible bounds."""

    code = "undistributable"


class InvalidStatement(InvalidInput):
    """A campaign id that cannot be written into a leaf, or a file that is no statement at all (not
    JSON, a key missing, a hash that is not hex). A statement that reads but does not check out is
    no error: `statement.verify` lists its problems."""

    code = "invalid_statement"
