"""IO-free: one reference per film across ticketing systems, from its title and director.

Ticketing systems each number films their own way (`filmid` is per system), so the pooled audience
recognises a film by its normalised title and director, as the SCARE's open data suggests: upper
case, accents, punctuation and the mojibake some systems produce make no difference. The director is
used for this reference only and is not stored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})
_MOJIBAKE = re.compile("[ÃÂÅ][^\x00-\x7f]")


def _unmojibake(text: str) -> str:
    """UTF-8 read as Latin-1/cp1252 (\"Ã©\" for \"é\"), repaired when it round-trips cleanly."""
    if not _MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def normalise(text: str) -> str:
    """`"L'Été DERNIER !"` → `"l-ete-dernier"`."""
    text = unicodedata.normalize("NFKD", _unmojibake(text).lower().translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_ALNUM.sub("-", text).strip("-")[:80]


@lru_cache(maxsize=4096)
def film_ref(title: str, director: str = "") -> str:
    """`title~director` normalised, `title` alone when the page gave no director, "" without title."""
    t = normalise(title)
    if not t:
        return ""
    d = normalise(director)
    return f"{t}~{d}" if d else t
