"""Turn a request's credential into a Principal, with one SQL statement."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any
from uuid import UUID

from authz.api_keys import effective_role, secret_matches, split_key
from authz.errors import Unauthenticated
from authz.principal import Principal, TenantSettings
from authz.tokens import TokenConfig, verify_token
from models import Role
from models.db import execute, fetchrow, fetchval
from models.sql import Sql
from models.tenancy import use_tenant

log = logging.getLogger("crm.auth")

_TENANT_COLUMNS = """
    t.id AS tenant_id, t.slug AS tenant_slug, t.default_region, t.allow_duplicates,
    t.restricted_visibility, t.hide_contact_from_sellers, t.required_fields
"""
_TEAMS_OF = """
    COALESCE((SELECT array_agg(m.team_id) FROM team_membership m
              WHERE m.tenant_id = t.id AND m.user_id = {user}), '{{}}') AS team_ids
"""

_USER_QUERY = f"""
SELECT u.id AS user_id, u.role, u.name, u.email, u.is_active, {_TENANT_COLUMNS},
       {_TEAMS_OF.format(user="u.id")}
FROM app_user u JOIN tenant t ON t.id = u.tenant_id
WHERE u.id = %s AND u.tenant_id = %s
"""

_KEY_QUERY = f"""
SELECT k.id AS key_id, k.role, k.name, k.secret_hash, k.revoked_at, k.user_id,
       u.id IS NOT NULL AND u.is_active AS user_active, u.role AS user_role, u.email, {_TENANT_COLUMNS},
       {_TEAMS_OF.format(user="k.user_id")}
FROM api_key k JOIN tenant t ON t.id = k.tenant_id
LEFT JOIN app_user u ON u.id = k.user_id AND u.tenant_id = k.tenant_id
WHERE k.id = %s AND k.tenant_id = %s
"""

# Last-use times are informative; write them at most once a minute per key, off the request.
_KEY_TOUCH_SECONDS = 60.0
_key_touched: dict[UUID, float] = {}
_background: set[asyncio.Task[Any]] = set()

# Verified credentials' principals, kept a few seconds: the lookup was half the statements of a
# repeated read. A change made through this process's API (any mutation) forgets them all at once
# (``forget_principals``); one made elsewhere (the CLI, another server process, SQL) as soon as its
# NOTIFY arrives (server/change_events.py, migration 0019), within ``PRINCIPAL_SECONDS`` at worst. Keyed by the user for a token (whose signature and expiry are checked on
# every request) and by a hash of the whole key for an API key (a wrong secret never matches).
PRINCIPAL_SECONDS = 5.0
_PRINCIPALS_MAX = 10_000
_principals: dict[object, tuple[Principal, float]] = {}
# Bumped by each forget: a lookup that started before it may have read the old rows; not kept.
_generation = 0


def configure(*, principal_seconds: float) -> None:
    """How long a verified credential's principal is remembered (CRM_PRINCIPAL_CACHE_SECONDS)."""
    global PRINCIPAL_SECONDS
    PRINCIPAL_SECONDS = principal_seconds


def forget_principals() -> None:
    """Look every credential up again on its next request (users, keys, teams or settings changed)."""
    global _generation
    _generation += 1
    _principals.clear()


def _remembered(key: object) -> Principal | None:
    found = _principals.get(key)
    if found is None:
        return None
    if time.monotonic() >= found[1]:
        _principals.pop(key, None)
        return None
    return found[0]


def _remember(key: object, principal: Principal, generation: int) -> Principal:
    if generation != _generation:
        return principal
    if len(_principals) >= _PRINCIPALS_MAX:
        _principals.clear()
    _principals[key] = (principal, time.monotonic() + PRINCIPAL_SECONDS)
    return principal


def _settings(row: dict[str, Any]) -> TenantSettings:
    return TenantSettings(
        default_region=row["default_region"],
        allow_duplicates=row["allow_duplicates"],
        restricted_visibility=row["restricted_visibility"],
        hide_contact_from_sellers=row["hide_contact_from_sellers"],
        required_fields=tuple(row["required_fields"]),
    )


def credential_from_headers(authorization: str | None, api_key: str | None) -> str | None:
    if api_key:
        return api_key.strip()
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated("Use 'Authorization: Bearer <token or API key>'.")
    return value.strip()


async def authenticate(credential: str | None, tokens: TokenConfig) -> Principal | None:
    """None when no credential was sent; ``Unauthenticated`` when one was sent and is bad.

    The credential's tenant becomes the tenant of the current request or job (models/tenancy.py),
    which row-level security then holds every statement to.
    """
    if credential is None:
        return None
    try:
        principal = await _principal(credential, tokens)
    except Unauthenticated:
        use_tenant(None)
        raise
    use_tenant(principal.tenant_id)
    if principal.api_key_id is not None:
        _touch_key(principal.api_key_id, principal.tenant_id)
    return principal


async def _principal(credential: str, tokens: TokenConfig) -> Principal:
    if credential.startswith("crm_"):
        key = hashlib.sha256(credential.encode()).digest()
        known = _remembered(key)
        if known is not None:
            return known
        generation = _generation
        return _remember(key, await _from_api_key(credential), generation)
    claims = verify_token(tokens, credential)
    user_key = (claims.user_id, claims.tenant_id)
    known = _remembered(user_key)
    if known is not None:
        return known
    generation = _generation
    use_tenant(claims.tenant_id)  # signed: the user is looked up within the company it names
    return _remember(user_key, await _user_principal(claims.user_id, claims.tenant_id), generation)


def _user_row_principal(row: dict[str, Any]) -> Principal:
    return Principal(
        tenant_id=row["tenant_id"],
        tenant_slug=row["tenant_slug"],
        role=Role(row["role"]),
        user_id=row["user_id"],
        team_ids=tuple(row["team_ids"]),
        settings=_settings(row),
        name=row["name"],
        email=row["email"],
    )


def _key_row_principal(row: dict[str, Any], key_id: UUID) -> Principal:
    bound = row["user_id"] is not None
    return Principal(
        tenant_id=row["tenant_id"],
        tenant_slug=row["tenant_slug"],
        # Read with the key, in the same statement: a demotion applies from the next request.
        role=effective_role(Role(row["role"]), Role(row["user_role"]) if bound else None),
        user_id=row["user_id"],
        team_ids=tuple(row["team_ids"]) if bound else (),
        settings=_settings(row),
        api_key_id=key_id,
        name=row["name"],
        email=row["email"],
    )


async def _user_principal(user_id: UUID, tenant_id: UUID) -> Principal:
    row = await fetchrow(Sql(_USER_QUERY, user_id, tenant_id))
    if row is None or not row["is_active"]:
        raise Unauthenticated("The token's user does not exist or is deactivated.")
    return _user_row_principal(row)


async def _from_api_key(credential: str) -> Principal:
    parts = split_key(credential)
    if parts is None:
        raise Unauthenticated("The API key is malformed.")
    key_id, secret = parts
    # The one lookup across companies: which tenant the key belongs to (its secret is checked below).
    tenant_id = await fetchval(Sql("SELECT crm_api_key_tenant(%s)", key_id))
    if tenant_id is None:
        raise Unauthenticated("The API key is not valid.")
    use_tenant(tenant_id)
    row = await fetchrow(Sql(_KEY_QUERY, key_id, tenant_id))
    if row is None or not secret_matches(secret, row["secret_hash"]):
        raise Unauthenticated("The API key is not valid.")
    if row["revoked_at"] is not None:
        raise Unauthenticated("The API key has been revoked.")
    bound = row["user_id"] is not None
    if bound and not row["user_active"]:
        raise Unauthenticated("The API key's user is deactivated or no longer exists.")
    return _key_row_principal(row, key_id)


def _touch_key(key_id: UUID, tenant_id: UUID) -> None:
    now = time.monotonic()
    if now - _key_touched.get(key_id, -_KEY_TOUCH_SECONDS) < _KEY_TOUCH_SECONDS:
        return
    _key_touched[key_id] = now

    async def touch() -> None:
        try:
            await execute(
                Sql("UPDATE api_key SET last_used_at = now() WHERE id = %s AND tenant_id = %s", key_id, tenant_id)
            )
        except Exception:
            log.exception("could not record API key use")

    task = asyncio.get_running_loop().create_task(touch())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def principal_for(tenant_id: UUID, *, user_id: UUID | None, api_key_id: UUID | None) -> Principal:
    """The principal of a user or API key as it is now, for work started by them and done later
    (a background job): a deactivated user or a revoked key can no longer act."""
    if api_key_id is not None:
        row = await fetchrow(Sql(_KEY_QUERY, api_key_id, tenant_id))
        if row is None or row["revoked_at"] is not None:
            raise Unauthenticated("The API key has been revoked.")
        bound = row["user_id"] is not None
        if bound and not row["user_active"]:
            raise Unauthenticated("The API key's user is deactivated or no longer exists.")
        return _key_row_principal(row, api_key_id)
    row = await fetchrow(Sql(_USER_QUERY, user_id, tenant_id)) if user_id is not None else None
    if row is None or not row["is_active"]:
        raise Unauthenticated("The user does not exist or is deactivated.")
    return _user_row_principal(row)
