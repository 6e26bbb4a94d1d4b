"""GET /exports/{id}: the file of an export, to whoever asked for it (anyone else: NOT_FOUND).

Authenticated as /graphql is (bearer token or API key); errors answer in the GraphQL error shape
with a typed ``extensions.code``. The bytes are streamed, one chunk in memory at a time.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from authz.errors import Forbidden, Unauthenticated
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from models import ExportFormat, ExportStatus
from resolvers.errors import NotFound
from resolvers.exports import service
from resolvers.exports.produce import MEDIA_TYPES
from schema.node import parse_id
from server.graphql_view import encode_json
from server.rate_limits import RateLimiter
from server.route_access import route_access

_WHY = {
    ExportStatus.QUEUED: (409, "NOT_READY", "The export is still being written; try again in a moment."),
    ExportStatus.RUNNING: (409, "NOT_READY", "The export is still being written; try again in a moment."),
    ExportStatus.FAILED: (409, "FAILED", "The export failed; ask for it again."),
    ExportStatus.EXPIRED: (410, "EXPIRED", "The export has expired; ask for it again."),
}


def _error(status: int, code: str, message: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(encode_json(body), status_code=status, media_type="application/json; charset=utf-8")


class ExportRoutes:
    def __init__(self, *, policies: PolicyStore, tokens: TokenConfig, limiter: RateLimiter | None = None) -> None:
        self.policies = policies
        self.tokens = tokens
        self.limiter = limiter or RateLimiter(0, 0)

    async def download(self, request: Request) -> Response:
        value = request.path_params["id"]
        try:
            access = await route_access(request, self.tokens, self.policies, self.limiter)
            pk = parse_id(value, "Export")
            if pk is None:
                raise NotFound("Export", value)
            row, chunks = await service.download(access, pk)
        except Unauthenticated as exc:
            return _error(401, exc.code, str(exc))
        except Forbidden as exc:
            return _error(403, exc.code, str(exc))
        except NotFound:
            return _error(404, "NOT_FOUND", "Export not found.")
        except service.NotDownloadable as exc:
            return _error(*_WHY[exc.status])
        fmt = ExportFormat(row["format"])
        name = f"clientes-{row['created_at']:%Y%m%d-%H%M%S}.{fmt.value}"
        headers: dict[str, Any] = {"Content-Disposition": f'attachment; filename="{name}"'}
        if row["row_count"] is not None:
            headers["X-Row-Count"] = str(row["row_count"])
        return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers=headers)
