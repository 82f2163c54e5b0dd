"""IAB TCF v2.2 TC string decoder (IO-free).

Decodes the core segment (purposes, special features, vendor consents and legitimate interests in
bit-field and range encodings, publisher restrictions) and the optional disclosed-vendors, allowed-
vendors and publisher-TC segments. Anything malformed raises TCFError; callers turn that into an
explicit "no valid consent" decision. Checked against the IAB's own @iabtechlabtcf/core on generated
strings (tests/consent/test_tcf_reference.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from artaud.errors import InvalidInput

MAX_LENGTH = 20_000  # characters; a full string with thousands of vendors is a few KB


class TCFError(InvalidInput):
    code = "bad_tc_string"


@dataclass(frozen=True)
class PublisherRestriction:
    purpose: int
    type: int  # 0 not allowed, 1 require consent, 2 require legitimate interest
    vendors: frozenset[int]


@dataclass(frozen=True)
class TCString:
    version: int
    created: datetime
    last_updated: datetime
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    policy_version: int
    is_service_specific: bool
    use_non_standard_texts: bool
    special_feature_optins: frozenset[int]
    purpose_consents: frozenset[int]
    purpose_legitimate_interests: frozenset[int]
    purpose_one_treatment: bool
    publisher_country_code: str
    vendor_consents: frozenset[int]
    vendor_legitimate_interests: frozenset[int]
    publisher_restrictions: tuple[PublisherRestriction, ...]
    vendors_disclosed: frozenset[int] | None = None
    vendors_allowed: frozenset[int] | None = None
    publisher_purpose_consents: frozenset[int] = field(default_factory=frozenset)
    publisher_purpose_legitimate_interests: frozenset[int] = field(default_factory=frozenset)

    def restriction(self, purpose: int, vendor: int) -> int | None:
        for r in self.publisher_restrictions:
            if r.purpose == purpose and vendor in r.vendors:
                return r.type
        return None


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "big") if data else 0
        self.length = len(data) * 8
        self.pos = 0

    def read(self, n: int) -> int:
        if self.pos + n > self.length:
            raise TCFError(f"string ends early (needed {n} bits at bit {self.pos} of {self.length})")
        shift = self.length - self.pos - n
        self.pos += n
        return (self.value >> shift) & ((1 << n) - 1)

    def flag(self) -> bool:
        return self.read(1) == 1

    def bitfield(self, n: int) -> frozenset[int]:
        bits = self.read(n)
        return frozenset(i + 1 for i in range(n) if bits >> (n - 1 - i) & 1)

    def letters(self) -> str:
        a, b = self.read(6), self.read(6)
        if a > 25 or b > 25:
            raise TCFError("letter code out of range")
        return chr(65 + a) + chr(65 + b)

    def deciseconds(self) -> datetime:
        ds = self.read(36)
        try:
            return datetime.fromtimestamp(ds / 10, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise TCFError(f"bad timestamp: {exc}") from None


def _decode_b64(segment: str) -> bytes:
    if not segment or any(c not in _B64 for c in segment):
        raise TCFError("segment is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TCFError(f"segment is not base64url: {exc}") from None


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _ranges(bits: _Bits, max_id: int) -> frozenset[int]:
    out: set[int] = set()
    for _ in range(bits.read(12)):
        is_range = bits.flag()
        start = bits.read(16)
        end = bits.read(16) if is_range else start
        if start < 1 or end < start or (max_id and end > max_id):
            raise TCFError(f"bad vendor range {start}-{end} (max {max_id})")
        out.update(range(start, end + 1))
    return frozenset(out)


def _vendor_section(bits: _Bits) -> frozenset[int]:
    max_id = bits.read(16)
    if bits.flag():
        return _ranges(bits, max_id)
    return bits.bitfield(max_id)


@lru_cache(maxsize=4096)  # pure; a visitor's string repeats on every hit of a visit
def decode(tc: str) -> TCString:
    if not isinstance(tc, str) or not tc or len(tc) > MAX_LENGTH:
        raise TCFError("empty or overlong TC string")
    segments = tc.split(".")
    bits = _Bits(_decode_b64(segments[0]))
    version = bits.read(6)
    if version != 2:
        raise TCFError(f"unsupported TC string version {version}")
    created, last_updated = bits.deciseconds(), bits.deciseconds()
    cmp_id, cmp_version, screen = bits.read(12), bits.read(12), bits.read(6)
    language = bits.letters()
    vendor_list_version, policy_version = bits.read(12), bits.read(6)
    service_specific, non_standard = bits.flag(), bits.flag()
    special_features = bits.bitfield(12)
    purpose_consents, purpose_li = bits.bitfield(24), bits.bitfield(24)
    purpose_one_treatment = bits.flag()
    country = bits.letters()
    vendor_consents = _vendor_section(bits)
    vendor_li = _vendor_section(bits)
    restrictions = []
    for _ in range(bits.read(12)):
        purpose, rtype = bits.read(6), bits.read(2)
        if rtype == 3:
            raise TCFError("undefined publisher restriction type 3")
        restrictions.append(PublisherRestriction(purpose, rtype, _ranges(bits, 0)))
    disclosed = allowed = None
    pub_consents: frozenset[int] = frozenset()
    pub_li: frozenset[int] = frozenset()
    for seg in segments[1:]:
        sb = _Bits(_decode_b64(seg))
        kind = sb.read(3)
        if kind == 1:
            disclosed = _vendor_section(sb)
        elif kind == 2:
            allowed = _vendor_section(sb)
        elif kind == 3:
            pub_consents, pub_li = sb.bitfield(24), sb.bitfield(24)
            custom = sb.read(6)
            sb.bitfield(custom)
            sb.bitfield(custom)
        else:
            raise TCFError(f"unknown segment type {kind}")
    return TCString(
        version=version,
        created=created,
        last_updated=last_updated,
        cmp_id=cmp_id,
        cmp_version=cmp_version,
        consent_screen=screen,
        consent_language=language,
        vendor_list_version=vendor_list_version,
        policy_version=policy_version,
        is_service_specific=service_specific,
        use_non_standard_texts=non_standard,
        special_feature_optins=special_features,
        purpose_consents=purpose_consents,
        purpose_legitimate_interests=purpose_li,
        purpose_one_treatment=purpose_one_treatment,
        publisher_country_code=country,
        vendor_consents=vendor_consents,
        vendor_legitimate_interests=vendor_li,
        publisher_restrictions=tuple(restrictions),
        vendors_disclosed=disclosed,
        vendors_allowed=allowed,
        publisher_purpose_consents=pub_consents,
        publisher_purpose_legitimate_interests=pub_li,
    )
