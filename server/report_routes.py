"""GET /reports/{templateId}.csv: a saved report, run now for the caller, as CSV.

The caller is authenticated as on /graphql (bearer token or API key); the report is the one
``runReport`` answers (resolvers/reports), within what the caller may see. UTF-8 with BOM and
``;`` between cells (``?delimiter=,`` for a comma). Errors answer in the GraphQL error shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from authz.access import Access
from authz.errors import Forbidden, Unauthenticated
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from resolvers.errors import NotFound, ValidationFailed
from resolvers.reports.csv_out import report_csv
from resolvers.reports.templates import run_template
from schema.node import parse_id
from server.import_routes import Refused, _answer
from server.rate_limits import RateLimiter
from server.route_access import route_access


class ReportRoutes:
    def __init__(self, *, policies: PolicyStore, tokens: TokenConfig, limiter: RateLimiter | None = None) -> None:
        self.policies = policies
        self.tokens = tokens
        self.limiter = limiter or RateLimiter(0, 0)

    async def _access(self, request: Request) -> Access:
        return await route_access(request, self.tokens, self.policies, self.limiter)

    async def _guarded(self, request: Request, work: Callable[[Access], Awaitable[Response]]) -> Response:
        try:
            return await work(await self._access(request))
        except Refused as refused:
            return _answer(refused.body, refused.status)
        except Unauthenticated as exc:
            return _answer(Refused(401, exc.code, str(exc)).body, 401)
        except Forbidden as exc:
            return _answer(Refused(403, exc.code, str(exc)).body, 403)
        except NotFound as exc:
            return _answer(Refused(404, "NOT_FOUND", f"{exc.kind} not found.").body, 404)
        except ValidationFailed as exc:
            fields = [{"field": f.field, "code": f.code.value, "message": f.message} for f in exc.errors]
            return _answer(Refused(400, "BAD_USER_INPUT", exc.message, fields=fields).body, 400)

    # GET /reports/{id}.csv
    async def csv(self, request: Request) -> Response:
        async def work(access: Access) -> Response:
            pk = parse_id(request.path_params["id"], "ReportTemplate")
            if pk is None:
                raise NotFound("ReportTemplate")
            delimiter = request.query_params.get("delimiter", ";")
            if delimiter not in (";", ","):
                raise Refused(400, "BAD_USER_INPUT", "The delimiter is ; or ,.")
            table = await run_template(access, pk)
            return Response(
                report_csv(table, delimiter),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="report.csv"'},
            )

        return await self._guarded(request, work)
