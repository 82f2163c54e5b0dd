"""IO-free: the TOTP second factor (RFC 6238, 30-second steps, 6 digits, pyotp). A code is accepted
for the current step or the one before (clock drift), and never twice: the caller keeps the last
accepted step."""

from __future__ import annotations

import base64
import io
from datetime import datetime

import pyotp
import segno

ISSUER = "Audience Art et Essai (SCARE)"


def new_secret() -> str:
    return pyotp.random_base32()


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The step the code belongs to when it is valid now and newer than `last_step`, else None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1):
        if (last_step is None or candidate > last_step) and pyotp.utils.strings_equal(
            totp.generate_otp(candidate), code
        ):
            return candidate
    return None


def provisioning_uri(secret: str, login: str) -> str:
    return str(pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER))


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (the console serves no script for it)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")
