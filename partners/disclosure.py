"""What a partner may learn (IO-free): the one place that decides it.

A partner sees:

- its own view of a segment: the members it could export, as a **released** size (Laplace noise,
  sticky, under the privacy budgets: segments/release.py), or not the segment at all;
- the lists it receives, and the counts of those lists (which it could count itself);
- answers from a closed set of codes, each with a fixed message (`ERRORS`). A message may quote the
  caller's own input back (a format, a limit) or a wait in seconds, never a figure of the audience:
  no exact size, difference, share, cinema or distance to a threshold. Those go to the SCARE's staff,
  in the console and the logs (`ExportRefused.detail`).

The OpenAPI document declares these codes as an enum per status (partners/openapi.py), and
tests/partners/test_disclosure.py scans every partner-facing answer for the exact figures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    status: int
    message: str


ERRORS: dict[str, Answer] = {
    # the caller's own request
    "bad_request": Answer(400, "the request is not valid"),
    "bad_cursor": Answer(400, "this cursor is not one of ours, or belongs to another list"),
    "bad_sync_url": Answer(400, "this sync URL cannot be registered"),
    "no_key": Answer(401, "send your API key as 'Authorization: Bearer pk_…'"),
    "bad_key": Answer(401, "this API key is not valid"),
    "revoked_key": Answer(401, "this API key was revoked"),
    "expired_key": Answer(401, "this API key has expired: ask the SCARE for a new one"),
    "partner_suspended": Answer(403, "this partner account is suspended"),
    "out_of_scope": Answer(403, "this key may not export this segment"),
    "format_out_of_scope": Answer(403, "this key may not download this format"),
    "not_found": Answer(404, "no such resource"),
    "unknown_segment": Answer(404, "no such segment"),
    "unknown_export": Answer(404, "no such export"),
    "unknown_campaign": Answer(404, "no such campaign of yours"),
    "invalid_report": Answer(400, "these delivery figures cannot be recorded"),
    "method_not_allowed": Answer(405, "method not allowed here"),
    "not_acceptable": Answer(406, "none of the accepted media types can be served"),
    # the privacy guards: a code, never a figure
    "not_published": Answer(409, "this segment is not published: it does not pass the privacy guards"),
    "below_k": Answer(
        409, "too few members consent to sharing with you: this segment cannot be exported to you now"
    ),
    "too_few_cinemas": Answer(409, "your members of this segment come from too few cinemas"),
    "dominated": Answer(409, "your members of this segment come mostly from one cinema"),
    "differencing": Answer(
        409, "too few members are new since what you received: try again after the next build"
    ),
    "overlap": Answer(
        409, "this list and one of your live lists of another segment differ by too few members"
    ),
    "campaign_frozen": Answer(
        409, "this campaign's contributions are frozen: its exports can no longer change"
    ),
    "expired": Answer(410, "this export has expired: make a new one"),
    "withdrawn": Answer(410, "this export was withdrawn (your pseudonyms changed): make a new one"),
    "rate_limited": Answer(429, "too many calls: retry after the Retry-After header's seconds"),
    "unavailable": Answer(
        503, "the audience store is unavailable: retry after the Retry-After header's seconds"
    ),
}


def codes_of(status: int) -> list[str]:
    """Every code answered with `status`, sorted (the OpenAPI enum of that status)."""
    return sorted(code for code, a in ERRORS.items() if a.status == status)


def statuses() -> list[int]:
    return sorted({a.status for a in ERRORS.values()})


def error_body(code: str, hint: str = "") -> tuple[int, bytes]:
    """The status and JSON body of an error. `hint` is about the caller's own input only (which
    parameter, which shape); it is never built from the audience."""
    answer = ERRORS[code]
    message = f"{answer.message}: {hint}" if hint else answer.message
    return answer.status, json.dumps({"error": code, "message": message}, ensure_ascii=False).encode()
