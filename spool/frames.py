"""Record framing: <u32 length><u32 crc32><payload>, little-endian."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

HEADER = struct.Struct("<II")
MAX_RECORD = 1 << 20


def encode(payloads: Iterable[bytes]) -> bytes:
    out = bytearray()
    for p in payloads:
        out += HEADER.pack(len(p), zlib.crc32(p))
        out += p
    return bytes(out)


class Corrupt(Exception):
    pass


def decode(buf: bytes, limit: int) -> tuple[list[bytes], int, bool]:
    """Decode up to `limit` whole frames from `buf`.

    Returns (payloads, bytes consumed, torn) where `torn` says the buffer ends inside a
    frame. Raises Corrupt on a bad length or checksum.
    """
    out: list[bytes] = []
    pos = 0
    n = len(buf)
    while len(out) < limit:
        if n - pos < HEADER.size:
            return out, pos, n != pos
        length, crc = HEADER.unpack_from(buf, pos)
        if length > MAX_RECORD:
            raise Corrupt(f"frame length {length} at {pos}")
        end = pos + HEADER.size + length
        if end > n:
            return out, pos, True
        payload = buf[pos + HEADER.size : end]
        if zlib.crc32(payload) != crc:
            raise Corrupt(f"checksum mismatch at {pos}")
        out.append(payload)
        pos = end
    return out, pos, False
