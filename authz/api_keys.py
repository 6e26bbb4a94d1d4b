"""API keys for integrations: ``crm_<key id>_<secret>``; only a hash of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

PREFIX = "crm_"


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: UUID
    plaintext: str  # shown once, never stored
    secret_hash: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(key_id: UUID) -> NewKey:
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, f"{PREFIX}{key_id.hex}_{secret}", hash_secret(secret))


def split_key(plaintext: str) -> tuple[UUID, str] | None:
    """The key id and secret of a well-formed key, or None."""
    if not plaintext.startswith(PREFIX):
        return None
    body = plaintext[len(PREFIX) :]
    key_hex, sep, secret = body.partition("_")
    if not sep or len(key_hex) != 32 or not secret:
        return None
    try:
        return UUID(hex=key_hex), secret
    except ValueError:
        return None


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
