"""What the edge keeps of the values a hit carries (IO-free): the one place that decides.

Whatever field a value arrives in, it may carry a person: an e-mail address, an IP address, a user
agent, a long opaque identifier (a click id, a session token), or the request's own raw values (the
visitor's IP address, user agent and first-party id, echoed into a field by a page or an attacker).
Each is looked for in the value as sent and in every percent-decoding of it (`%40`, `%2540`, and
`+` for a space), since what one reader decodes once another decodes twice.

- Free text (a film's title, its director): the parts that are such values are replaced by a marker
  (`[email]`, `[ip]`, `[ua]`, `[token]`); when only a decoding shows one, the whole text goes.
- Identifiers from the site (film id, séance id): dropped ("") when they are any of these.
- URL path segments and allow-listed parameters: replaced (`:email`, `:ip`, `:ua`, `:token`) or
  dropped.
- Host names (a referrer's): "" for an IP address.

Derived values (the film reference, from title and director) are computed from what this keeps,
never from the raw values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

_EMAIL = r"[^\s@]+@[^\s@]+"  # any run with an @ inside: over-redacting "to=a@b" is fine
_IPV4 = r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"
_H = "[0-9A-Fa-f]{1,4}"
_TAIL = f"{_H}(?::{_H}){{0,6}}"
_IPV6 = (
    r"(?<![0-9A-Fa-f:])(?:"
    f"(?:{_H}:){{3,7}}{_H}"  # full, or 4+ groups
    f"|(?:{_H}:){{2,7}}:(?:{_TAIL})?"  # compressed, two groups or more before "::"
    f"|{_H}::{_TAIL}"  # compressed, one group before and some after ("fe80::1")
    f"|::{_TAIL}"  # compressed, none before ("::1")
    r")(?![0-9A-Fa-f:])"
)
_UA = r"Mozilla/\d[^\[\]]*|\b(?:AppleWebKit|Gecko|Chrome|Safari|Firefox|HeadlessChrome|Edg|OPR)/\d[\w.]*"
# an opaque identifier (a click id, a session or visitor token): 32+ letters, digits, _ or -; or 20+
# with a digit and a letter, and either no dash or both cases (a lower-case slug with dashes, such
# as "perfect-days-2023-version-longue", is a page name, not an identifier); or 20+ digits and dashes
# (the tag's own identifiers)
_ID = (
    r"(?<![\w-])(?:[\w-]{32,}|\d[\d-]{18,}\d|(?=[\w-]*\d)(?=[\w-]*[A-Za-z])"
    r"(?:[A-Za-z0-9_]{20,}|(?=[\w-]*[a-z])(?=[\w-]*[A-Z])[\w-]{20,}))(?![\w-])"
)

_KINDS = (("email", _EMAIL), ("ip", _IPV4), ("ip", _IPV6), ("ua", _UA), ("token", _ID))
_ANY = re.compile("|".join(f"(?P<{kind}{i}>{rx})" for i, (kind, rx) in enumerate(_KINDS)), re.ASCII)
_IP_HOST = re.compile(rf"^(?:{_IPV4}|\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?)$")


def _kind(match: re.Match[str]) -> str:
    return (match.lastgroup or "token").rstrip("0123456789")


@lru_cache(maxsize=8192)
def decodings(value: str) -> tuple[str, ...]:
    """The value and each distinct percent-decoding of it, up to three levels deep."""
    out = [value]
    current = value
    for _ in range(3):
        nxt = unquote_plus(current) if "+" in current else unquote(current)
        if nxt == current:
            break
        out.append(nxt)
        current = nxt
    return tuple(out)


class Secrets:
    """The request's own raw values, which no field may carry: lower-cased, the short ones left out
    (a two-character user agent says nothing, and would match everywhere)."""

    __slots__ = ("values",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values = tuple({v.strip().lower() for v in values if len(v.strip()) >= 6})

    def found_in(self, value: str) -> bool:
        if not self.values:
            return False
        for text in decodings(value):
            low = text.lower()
            if any(v in low for v in self.values):
                return True
        return False


NO_SECRETS = Secrets()


def _flagged(value: str) -> bool:
    return any(_ANY.search(text) for text in decodings(value))


def text(value: str, secrets: Secrets = NO_SECRETS) -> str:
    """Free text, its identifying parts replaced by a marker."""
    if not value:
        return value
    if secrets.found_in(value):
        return "[redacted]"
    if _ANY.search(value) is not None:
        value = _ANY.sub(lambda m: f"[{_kind(m)}]", value)
    if _flagged(value):  # only a decoding shows it
        return "[redacted]"
    return value


def token(value: str, secrets: Secrets = NO_SECRETS) -> str:
    """An identifier the site gives (film, séance): kept as is, or dropped when it is a person's."""
    if not value or secrets.found_in(value):
        return ""
    for text_ in decodings(value):
        for m in _ANY.finditer(text_):
            if _kind(m) != "token":  # a site's own ids may be long (UUIDs); an e-mail, IP or UA may not
                return ""
    return value


def segment(value: str, secrets: Secrets = NO_SECRETS) -> str | None:
    """A URL path segment or parameter value (already decoded once): None when it is fine to keep,
    else the marker that replaces it."""
    if secrets.found_in(value):
        return ":redacted"
    for text_ in decodings(value):
        m = _ANY.search(text_)
        if m is not None:
            return ":" + _kind(m)
    return None


def host(value: str) -> str:
    """A host name to keep: "" for an IP address (a referrer's host names a site, an address may name
    a person's machine)."""
    return "" if _IP_HOST.match(value) else value
