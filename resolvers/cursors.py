"""Cursors: opaque, tamper-proof, and valid only on the list they came from.

A cursor holds the sort values of a row (a name, an email, a duplicate group's phone number...),
so it is sealed with AES-SIV under a key derived from the server's secret: the caller can neither
read those values nor forge others. The sealed payload starts with a short digest of the list's
identity (which connection, its arguments, its parent, and who asked: tenant, user or API key,
role), so a cursor reused on another search, filter, sort, parent or by another caller is refused
instead of silently skipping rows.

SIV is deterministic: the same position in the same list always gives the same cursor, so the
compiled list path and the general executor answer identical cursors. It reveals only that two
cursors are equal, which the caller knows anyway. Sealing costs a few microseconds per cursor
(tests/unit/test_cursor_codec.py keeps a page of 100 under a millisecond).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from authz.principal import Principal
from resolvers.errors import FieldErrorCode, ValidationFailed

log = logging.getLogger("crm.cursors")

_DIGEST = 8  # bytes of the list identity carried in each cursor
_INFO = b"crm list cursors v1"
_cipher: AESSIV | None = None

INVALID = "is not a valid cursor"
ANOTHER_LIST = "This cursor belongs to another list"


def configure(secret: str) -> None:
    """Derive the cursor key from the server secret (every worker derives the same key)."""
    global _cipher
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_INFO).derive(secret.encode())
    _cipher = AESSIV(key)


def _get_cipher() -> AESSIV:
    global _cipher
    if _cipher is None:
        # Only code run outside the server (a script, a unit test) gets here: cursors then
        # last as long as the process.
        log.info("cursor key not configured; using a key for this process only")
        _cipher = AESSIV(secrets.token_bytes(64))
    return _cipher


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)  # UUIDs, decimals, and whatever else an argument holds


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, default=_plain, option=orjson.OPT_SORT_KEYS)


def caller_of(principal: Principal) -> list[Any]:
    """Who a list belongs to: the same arguments show another caller other rows."""
    return [principal.tenant_id, principal.user_id, principal.api_key_id, principal.role.value]


@dataclass(frozen=True, slots=True)
class ListCursors:
    """The cursors of one list: ``ListCursors.of(principal, "customers", search=..., sort=...)``."""

    identity: bytes

    @classmethod
    def of(cls, principal: Principal, kind: str, **arguments: Any) -> ListCursors:
        return cls.bound([kind, caller_of(principal), arguments])

    @classmethod
    def bound(cls, identity: Any) -> ListCursors:
        return cls(hashlib.blake2b(_canonical(identity), digest_size=_DIGEST).digest())

    def child(self, parent: UUID) -> ListCursors:
        """The same list under one parent (a customer's notes, a conversation's messages).

        SHA-256, which PostgreSQL computes too: the compiled read path tells, per parent row,
        whether a cursor is of that row's list (``schema.compile.sealing.CHILD_IDENTITY``)."""
        return ListCursors(hashlib.sha256(self.identity + parent.bytes).digest()[:_DIGEST])

    def encode(self, values: Sequence[Any]) -> str:
        sealed = _get_cipher().encrypt(self.identity + _canonical(list(values)), None)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def encode_rows(self, fields: Iterable[str], rows: Iterable[dict[str, Any]]) -> list[str]:
        names = tuple(fields)
        return [self.encode([row[f] for f in names]) for row in rows]

    def decode(self, cursor: str, count: int, field: str = "after") -> list[Any]:
        """The values of a cursor of this list, else BAD_USER_INPUT naming ``field``."""
        identity, values = open_cursor(cursor, field)
        if identity != self.identity:
            raise ValidationFailed.one(field, FieldErrorCode.INVALID, ANOTHER_LIST)
        if len(values) != count:
            raise ValidationFailed.one(field, FieldErrorCode.INVALID, INVALID)
        return values


def open_cursor(cursor: str, field: str = "after") -> tuple[bytes, list[Any]]:
    """A cursor's list identity and values, whatever list it is of; refused if not one of ours."""
    try:
        sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = _get_cipher().decrypt(sealed, None)
        values = orjson.loads(payload[_DIGEST:])
        if not isinstance(values, list):
            raise ValueError
    except (ValueError, TypeError, InvalidTag, orjson.JSONDecodeError):
        raise ValidationFailed.one(field, FieldErrorCode.INVALID, INVALID) from None
    return payload[:_DIGEST], values
