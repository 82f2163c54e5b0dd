"""Record framing of the spool (IO-free), built so that damage costs only the records it touches.

A segment written by this version starts with `FILE_MAGIC`; each record is

    <u32 MAGIC> <u32 length> <u32 crc32(length, payload)> <payload>     (little-endian)

The checksum covers the length, so a damaged length is caught like a damaged payload, and the magic
is a resynchronisation point: after a bad record, the reader looks for the next offset where the
magic starts a whole frame whose checksum holds, and goes on from there (as Kafka's log recovery and
SQLite's WAL do). The magic's first byte, 0xC0, never occurs in UTF-8, so it never occurs inside a
payload (JSON): a resynchronisation cannot land inside a good record. The bytes skipped are returned
as damage, for the reader to quarantine and count.

Segments written before this framing (no file magic: `<u32 length><u32 crc32(payload)>`) are still
read by `decode_v1`, which cannot resynchronise: a bad record there costs the rest of its read.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

FILE_MAGIC = b"ARTSPL2\n"
MAGIC = 0xA57D5EC0
_MAGIC_BYTES = struct.pack("<I", MAGIC)
HEADER = struct.Struct("<III")
LENGTH = struct.Struct("<I")
MAX_RECORD = 1 << 20


def _crc(length: int, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(LENGTH.pack(length)))


def encode(payloads: Iterable[bytes]) -> bytes:
    out = bytearray()
    for p in payloads:
        if len(p) > MAX_RECORD:
            raise ValueError(f"a record of {len(p)} bytes is larger than {MAX_RECORD}")
        out += HEADER.pack(MAGIC, len(p), _crc(len(p), p))
        out += p
    return bytes(out)


@dataclass
class Decoded:
    payloads: list[bytes] = field(default_factory=list)
    consumed: int = 0  # bytes accounted for: records read and damage skipped
    damage: list[tuple[int, int]] = field(default_factory=list)  # (start, end) skipped, within buf
    waiting: bool = False  # stopped at an incomplete record that may still be completed


def _frame_at(buf: bytes, pos: int) -> tuple[str, int]:
    """("ok", end) for a whole valid frame at pos, ("short", 0) when buf ends inside what could be
    one, ("bad", 0) otherwise."""
    n = len(buf)
    if n - pos < HEADER.size:
        return ("short", 0) if buf[pos:] == _MAGIC_BYTES[: n - pos] else ("bad", 0)
    magic, length, crc = HEADER.unpack_from(buf, pos)
    if magic != MAGIC or length > MAX_RECORD:
        return "bad", 0
    end = pos + HEADER.size + length
    if end > n:
        return "short", 0
    if _crc(length, buf[pos + HEADER.size : end]) != crc:
        return "bad", 0
    return "ok", end


def decode(buf: bytes, limit: int, final: bool) -> Decoded:
    """Up to `limit` records from the start of `buf`. `final`: nothing will ever follow `buf` (a
    sealed segment read to its end), so an incomplete record at the end is damage, not a wait."""
    out = Decoded()
    pos, n = 0, len(buf)
    while len(out.payloads) < limit and pos < n:
        state, end = _frame_at(buf, pos)
        if state == "ok":
            out.payloads.append(buf[pos + HEADER.size : end])
            pos = end
            continue
        if state == "short" and not final:
            out.waiting = True
            break
        # damage at pos: the next offset where a whole valid frame starts
        nxt = pos + 1
        while True:
            nxt = buf.find(_MAGIC_BYTES, nxt)
            if nxt < 0:
                break
            s, _ = _frame_at(buf, nxt)
            if s == "ok" or (s == "short" and not final):
                break
            nxt += 1
        if nxt < 0:
            if not final:  # maybe the rest of a record being written: wait for more
                out.waiting = True
                break
            nxt = n
        out.damage.append((pos, nxt))
        pos = nxt
    out.consumed = pos
    return out


# -- segments written before the resynchronising framing -------------------------------------------
V1_HEADER = struct.Struct("<II")


class Corrupt(Exception):
    pass


def decode_v1(buf: bytes, limit: int) -> tuple[list[bytes], int, bool]:
    """(payloads, bytes consumed, torn) of `<u32 length><u32 crc32><payload>` frames; Corrupt on a
    bad length or checksum."""
    out: list[bytes] = []
    pos, n = 0, len(buf)
    while len(out) < limit:
        if n - pos < V1_HEADER.size:
            return out, pos, n != pos
        length, crc = V1_HEADER.unpack_from(buf, pos)
        if length > MAX_RECORD:
            raise Corrupt(f"frame length {length} at {pos}")
        end = pos + V1_HEADER.size + length
        if end > n:
            return out, pos, True
        payload = buf[pos + V1_HEADER.size : end]
        if zlib.crc32(payload) != crc:
            raise Corrupt(f"checksum mismatch at {pos}")
        out.append(payload)
        pos = end
    return out, pos, False
