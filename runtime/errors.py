"""The one base of the errors the product reports to people.

An `ArtaudError` carries a stable machine code, the HTTP status it maps to and a message for the
operator. The command line prints the message (exit 2), the console and the partners' API render the
code and status (the partners' API with its own fixed, figure-free wording: partners/disclosure.py).
Internal signals that never reach a person (a full sink, a damaged spool record) are not ArtaudErrors.

This module imports nothing from the product: every package may raise these errors.
"""

from __future__ import annotations


class ArtaudError(Exception):
    """Base: subclasses set `code` and `status`; one raise may refine them."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InvalidInput(ArtaudError):
    """What a person sent (a form, a file, a command's argument) cannot be used as it is."""

    code = "invalid_input"
    status = 400


class InvalidFields(InvalidInput):
    """Several fields of one record are wrong at once; `problems` maps each field to its problem, so
    that a person can mend them all in one go (the CLI prints a line per field)."""

    code = "invalid_fields"

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


class NotFound(ArtaudError):
    code = "not_found"
    status = 404


class Conflict(ArtaudError):
    code = "conflict"
    status = 409


class Unavailable(ArtaudError):
    """A part the product depends on (the warehouse, the broker, the key file, the disk) cannot serve."""

    code = "unavailable"
    status = 503
