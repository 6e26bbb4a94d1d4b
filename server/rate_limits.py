"""Rate limits per API key and per user: a token bucket each, shared by every API process
(models/rate_limits.py). A caller over its limit gets HTTP 429 with ``Retry-After`` and one error
coded RATE_LIMITED, before anything of its request runs. Requests without a credential are not
counted here (they are refused as soon as they need one)."""

from __future__ import annotations

import logging
import math

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from authz.principal import Principal
from models.rate_limits import Bucket, take_token

log = logging.getLogger("crm.ratelimit")

CODE = "RATE_LIMITED"


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.3f} s")
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        """Whole seconds, rounded up: what ``Retry-After`` takes."""
        return str(max(math.ceil(self.retry_after), 1))


class RateLimiter:
    def __init__(self, per_second: float, burst: int) -> None:
        # A zero rate turns the limits off (no statement at all).
        self.bucket = Bucket(capacity=float(burst), per_second=per_second) if per_second > 0 else None

    async def charge(self, principal: Principal | None) -> None:
        """Take one token from the caller's bucket, or raise ``RateLimited``."""
        if self.bucket is None or principal is None:
            return
        if principal.api_key_id is not None:
            subject = f"key:{principal.api_key_id}"
        elif principal.user_id is not None:
            subject = f"user:{principal.user_id}"
        else:
            return
        wait = await take_token(principal.tenant_id, subject, self.bucket)
        if wait is not None:
            log.info("rate limited: %s in tenant %s (next token in %.2f s)", subject, principal.tenant_slug, wait)
            raise RateLimited(wait)


class RateLimitResponses:
    """Answer ``RateLimited``, raised by any route once it knows its caller, as HTTP 429."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except RateLimited as limited:
            message = f"Too many requests for this API key or user; retry in {limited.retry_after_header} s."
            response = JSONResponse(
                {
                    "errors": [
                        {"message": message, "extensions": {"code": CODE, "retryAfter": round(limited.retry_after, 3)}}
                    ]
                },
                status_code=429,
                headers={"Retry-After": limited.retry_after_header},
            )
            await response(scope, receive, send)
