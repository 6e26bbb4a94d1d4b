"""Bearer tokens for people: JWT, HS256 with our secret, or RS256 from an identity provider."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

import jwt
from jwt.types import Options

from authz.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: UUID
    tenant_id: UUID


@dataclass(frozen=True, slots=True)
class TokenConfig:
    secret: str
    issuer: str
    audience: str | None = None
    jwks_url: str | None = None


def issue_token(config: TokenConfig, *, user_id: UUID, tenant_id: UUID, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "tid": str(tenant_id),
        "iss": config.issuer,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if config.audience:
        claims["aud"] = config.audience
    return jwt.encode(claims, config.secret, algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


# Tokens already verified, until they expire: a client sends the same token with every request,
# and checking its signature and encoding again costs a quarter of a small request's CPU. Only
# what the signature proves is kept; who the user is now (active, role, teams) is read every time.
_VERIFIED: dict[tuple[TokenConfig, str], tuple[TokenClaims, float]] = {}
_VERIFIED_MAX = 4096


def verify_token(config: TokenConfig, token: str) -> TokenClaims:
    known = _VERIFIED.get((config, token))
    if known is not None:
        if time.time() < known[1]:
            return known[0]
        del _VERIFIED[(config, token)]
    claims, expires = _verify(config, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(config, token)] = (claims, expires)
    return claims


def _verify(config: TokenConfig, token: str) -> tuple[TokenClaims, float]:
    """The token's claims and when it expires, once its signature, issuer and audience are checked."""
    try:
        header = jwt.get_unverified_header(token)
        options: Options = {"require": ["exp", "sub", "tid"]}
        if header.get("alg") == "RS256" and config.jwks_url:
            key = _jwks_client(config.jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=config.audience, options=options)
        else:
            claims = jwt.decode(
                token,
                config.secret,
                algorithms=["HS256"],
                issuer=config.issuer,
                audience=config.audience,
                options=options,
            )
        return TokenClaims(user_id=UUID(claims["sub"]), tenant_id=UUID(claims["tid"])), float(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired.") from None
    except (jwt.InvalidTokenError, jwt.PyJWKClientError, ValueError, KeyError):
        raise Unauthenticated("The token is not valid.") from None
