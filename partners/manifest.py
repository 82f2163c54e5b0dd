"""Export manifests (IO-free): canonical JSON, signed with Ed25519 so partners can verify them.

The signature covers the manifest's canonical bytes (sorted keys, no spaces, UTF-8); the manifest
carries the SHA-256 of the member list as served (one partner pseudonym per line, sorted), so a
changed member, count, date or segment fails verification.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(manifest: dict[str, Any], key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(canonical(manifest))).decode()


def verify(manifest: dict[str, Any], signature: str, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), canonical(manifest))
    except (InvalidSignature, ValueError):
        return False
    return True


def signing_key(secret: bytes) -> Ed25519PrivateKey:
    """The SCARE's export-signing key from a 32-byte secret of the key ring."""
    return Ed25519PrivateKey.from_private_bytes(secret)


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
