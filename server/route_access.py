"""Who asks on the plain HTTP routes (imports, exports, reports): the credential rules of /graphql,
and the request's log line told who it is."""

from __future__ import annotations

from starlette.requests import Request

from authz.access import Access
from authz.authenticate import authenticate, credential_from_headers
from authz.errors import Unauthenticated
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from server.rate_limits import RateLimiter
from server.request_stats import note_principal


async def route_access(request: Request, tokens: TokenConfig, policies: PolicyStore, limiter: RateLimiter) -> Access:
    """The caller's access; Unauthenticated without a valid bearer token or API key, RateLimited
    when its key or user has spent its allowance."""
    credential = credential_from_headers(request.headers.get("authorization"), request.headers.get("x-api-key"))
    principal = await authenticate(credential, tokens)
    await limiter.charge(principal)
    if principal is None:
        raise Unauthenticated()
    note_principal(principal)
    return Access(principal, policies.current)
