"""IO-free: passwords, hashed with Argon2id (argon2-cffi, RFC 9106 parameters) and checked for the
few rules that matter (length, not the login, not one character repeated)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256
_HASHER = PasswordHasher()  # Argon2id
# checked against when the login is unknown, so that an unknown login costs what a known one does
_DUMMY = _HASHER.hash("artaud: no such account, the same work anyway")


def weakness(password: str, login: str) -> str | None:
    """Why a new password is refused (French, for the setup page), or None."""
    if len(password) < MIN_LENGTH:
        return f"au moins {MIN_LENGTH} caractères"
    if len(password) > MAX_LENGTH:
        return f"au plus {MAX_LENGTH} caractères"
    if password.strip().casefold() == login.strip().casefold():
        return "différent de l'identifiant"
    if len(set(password)) < 4:
        return "au moins quatre caractères différents"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; an account without a password costs the same work."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
