"""One-time confirmation codes: six digits, stored as a salted scrypt hash, compared in constant time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _derive(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(code.strip().encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


async def hash_code(code: str) -> str:
    salt = secrets.token_bytes(16)
    digest = await asyncio.to_thread(_derive, code, salt)
    return f"scrypt${salt.hex()}${digest.hex()}"


async def code_matches(code: str, stored: str) -> bool:
    scheme, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    candidate = await asyncio.to_thread(_derive, code, bytes.fromhex(salt))
    return hmac.compare_digest(candidate, bytes.fromhex(digest))
