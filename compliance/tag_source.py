"""The first-party identifier's lifetime, read from the tag's own code (IO-free: takes the texts).

The tag (collector/static/tag.src.js, `vid`) keeps `{i: id, t: time of consent}` and replaces it
only when it is older than N days (`now - v.t > N * 864e5`): the time is the consent's, never
refreshed, so the identifier is not extended on each visit. The compliance file reads N from the
source and checks that the build the collector serves (tag.js, minified by terser, which folds the
product into one literal such as `33696e6`) carries the same number of milliseconds; if either is
missing, nothing visible bounds the identifier, and the check says so.
"""

from __future__ import annotations

import re

DAY_MS = 86_400_000
_SOURCE = re.compile(r"now\s*-\s*v\.t\s*>\s*(\d+)\s*\*\s*864e5")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:e\d+)?)(?![\w.])")


def lifetime_days(source: str) -> int | None:
    """N in `now - v.t > N * 864e5` (the only such comparison), or None."""
    found = _SOURCE.findall(source)
    return int(found[0]) if len(found) == 1 else None


def built_carries(built: str, days: int) -> bool:
    """Whether the minified tag holds `days` days in milliseconds, as one literal or `days*864e5`."""
    wanted = days * DAY_MS
    if re.search(rf"(?<![\w.]){days}\s*\*\s*864e5", built):
        return True
    return any(float(n) == wanted for n in _NUMBER.findall(built))
