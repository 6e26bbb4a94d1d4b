"""API keys for integrations: ``crm_<key id>_<secret>``; only a hash of the secret is stored.

A key bound to a user never does more than that user may do now: its effective role is the
lesser of the key's role and the user's current role, and a deactivated or deleted user's keys
stop working. So demoting or deactivating a person is enough; nobody has to hunt their keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

from models import Role

PREFIX = "crm_"

# Widest first: a role covers everything the roles after it do.
ROLE_RANK: dict[Role, int] = {Role.ADMIN: 3, Role.SUPERVISOR: 2, Role.SELLER: 1}


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


def effective_role(key_role: Role, user_role: Role | None) -> Role:
    """What a key may act as: its own role, capped by its user's current role when bound to one."""
    if user_role is None:
        return key_role
    return min(key_role, user_role, key=ROLE_RANK.__getitem__)
