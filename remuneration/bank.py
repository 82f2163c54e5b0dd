"""IO-free: a bank account a SEPA credit transfer can pay, validated, and how it is shown and written.

`BankAccount(holder, iban, bic)` checks every field at once and raises `InvalidBankAccount` naming
each wrong one: the IBAN's checksum and length (schwifty), its country in the SEPA scheme, the BIC's
form and its country matching the IBAN's; without a BIC, the one schwifty's bank registry gives for
the IBAN's bank code is taken when it knows one (since 2016 a SEPA transfer needs no BIC, so an
unknown bank code is no error). The holder's name is kept as typed for display (« Cinéma Le
Méliès »); `holder_sepa` is the name in the SEPA character set, which is what goes in a file.

An IBAN is sensitive: it is shown masked (`masked`), its country and check digits and its last four
characters only, and stored encrypted (`bank_store.py`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from artaud.errors import InvalidFields

# The EPC's SEPA character set ("Latin basic", SEPA Credit Transfer rulebook, implementation
# guidelines § 1.4): what every bank in the scheme must accept in names and remittance text.
SEPA_CHARS = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
MAX_HOLDER = 70  # the EPC's limit for a name (the XSD allows 140)
# letters NFKD does not decompose, and signs outside the set with a usual spelling in it
_SPELLED = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "&": "+",
        "’": "'",
        "‘": "'",
        "«": "",
        "»": "",
        "–": "-",
        "—": "-",
        "_": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)
# French overseas departments and collectivities have IBANs under FR, while some of their banks'
# BICs carry the territory's own code; Monaco's banks are in the French banking system too.
_FRENCH = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "MC"}


class InvalidBankAccount(InvalidFields):
    code = "invalid_bank_account"


def sepa_text(raw: str) -> str:
    """`raw` transliterated into the SEPA character set (accents dropped, « œ » spelled out, runs of
    spaces collapsed); characters with no spelling in it are left as they are, for `is_sepa_text` to
    catch."""
    decomposed = unicodedata.normalize("NFKD", raw.translate(_SPELLED))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def is_sepa_text(text: str) -> bool:
    return SEPA_CHARS.fullmatch(text) is not None


def compact(raw: str) -> str:
    """An IBAN or BIC as typed (spaces, dashes, lower case) in its compact upper-case form."""
    return "".join(c for c in raw if c.isalnum()).upper()


def masked(iban: str) -> str:
    """An IBAN shown without its account: country, check digits and the last four characters, in
    groups of four as printed on a RIB (`FR76 •••• •••• •••• •••• •••0 189`)."""
    value = compact(iban)
    if len(value) < 9:
        return "•" * len(value)
    hidden = value[:4] + "•" * (len(value) - 8) + value[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


@dataclass(frozen=True)
class BankAccount:
    """A payee's (or the SCARE's own) account. Construction validates and normalises: the IBAN and
    the BIC compact and upper case, the BIC derived from the IBAN when not given and known."""

    holder: str
    iban: str
    bic: str | None = None

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        holder = " ".join(self.holder.split())
        if not holder:
            problems["holder"] = "required"
        elif len(sepa_text(holder)) > MAX_HOLDER:
            problems["holder"] = f"longer than {MAX_HOLDER} characters"
        elif not is_sepa_text(sepa_text(holder)):
            odd = sorted({c for c in sepa_text(holder) if not is_sepa_text(c)})
            problems["holder"] = (
                f"characters a SEPA transfer cannot carry: {' '.join(odd)} "
                "(letters, digits, spaces and / - ? : ( ) . , ' + only)"
            )
        iban: IBAN | None = None
        try:
            iban = IBAN(self.iban)
        except SchwiftyException as exc:
            shown = compact(self.iban)
            problems["iban"] = f"not a valid IBAN ({exc}): {masked(shown) if len(shown) > 12 else shown!r}"
        if iban is not None and not iban.in_sepa_zone:
            problems["iban"] = f"country {iban.country_code} is not in the SEPA scheme"
            iban = None
        bic: str | None = None
        if self.bic is not None and compact(self.bic):
            try:
                given = BIC(self.bic)
            except SchwiftyException as exc:
                problems["bic"] = f"not a valid BIC ({exc}): {compact(self.bic)[:20]!r}"
            else:
                bic = str(given.compact)
                if iban is not None and not _same_country(given.country_code, iban.country_code):
                    problems["bic"] = (
                        f"a bank in {given.country_code}, but the IBAN's account is in {iban.country_code}"
                    )
        elif iban is not None:
            derived = iban.bic
            bic = None if derived is None else str(derived.compact)
        if problems:
            raise InvalidBankAccount(problems)
        assert iban is not None
        object.__setattr__(self, "holder", holder)
        object.__setattr__(self, "iban", str(iban.compact))
        object.__setattr__(self, "bic", bic)

    @property
    def holder_sepa(self) -> str:
        """The holder's name as written in a SEPA file."""
        return sepa_text(self.holder)

    @property
    def iban_masked(self) -> str:
        return masked(self.iban)

    @property
    def country(self) -> str:
        return self.iban[:2]


def _same_country(bic_country: str, iban_country: str) -> bool:
    return bic_country == iban_country or {bic_country, iban_country} <= _FRENCH
