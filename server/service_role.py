"""The service's database role must be held by row-level security (DESIGN.md, "Defense in depth").

A superuser, a BYPASSRLS role or the tables' owner (who may switch the policies off) would leave the
per-statement tenant filters as the only wall between companies. In production the API and the
worker refuse to start as such a role; in development (a bench comparing with and without the
policies, say) they say so in the log.
"""

from __future__ import annotations

import logging

import asyncpg

from server.database import asyncpg_params
from server.settings import Settings

log = logging.getLogger("crm.database")

_ROLE = """
SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
       EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p')
               AND c.relnamespace = current_schema()::regnamespace) AS owner
FROM pg_roles r WHERE r.rolname = current_user
"""


class UnsafeServiceRole(RuntimeError):
    pass


async def unheld_because(url: str) -> str | None:
    """Why the role ``url`` connects as is not held by the policies, or None when it is."""
    conn = await asyncpg.connect(**asyncpg_params(url))
    try:
        role = await conn.fetchrow(_ROLE)
    finally:
        await conn.close()
    assert role is not None
    reasons = [
        why
        for why, applies in (
            ("is a superuser", role["superuser"]),
            ("has BYPASSRLS", role["bypassrls"]),
            ("owns the tables", role["owner"]),
        )
        if applies
    ]
    if not reasons:
        return None
    said = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
    return f"the service's database role {role['name']!r} {said}"


async def check(url: str, settings: Settings) -> None:
    """Refuse (production) or warn (development) when the service's role escapes the policies."""
    problem = await unheld_because(url)
    if problem is None:
        return
    advice = "row-level security does not hold it: connect with CRM_APP_DATABASE_URL as a role that owns nothing"
    if settings.development:
        log.warning("%s; %s", problem, advice)
        return
    raise UnsafeServiceRole(f"{problem}; {advice} (see README, Row-level security)")
