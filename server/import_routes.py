"""Plain HTTP routes of imports, for integrations and scripts: the template, an upload, the error report.

Thin: the caller is authenticated as on /graphql (bearer token or API key) and every decision is
the import use cases' own (resolvers/imports/service.py), the same the GraphQL mutations call.
Errors answer in the GraphQL error shape with a typed ``extensions.code``.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden, Unauthenticated
from authz.policy_store import PolicyStore
from authz.tokens import TokenConfig
from resolvers.custom_fields import load_definitions
from resolvers.errors import NotFound, ValidationFailed
from resolvers.imports import service
from resolvers.imports.errors import UnreadableCode, UnreadableFile
from resolvers.imports.formula_cells import inert
from resolvers.imports.template import template_csv, template_xlsx
from schema.context import Context
from schema.node import parse_id, to_global_id
from server.graphql_view import encode_json
from server.import_options import BadOption, create_with_options, parse_mapping_json, parse_mode
from server.multipart_form import BadMultipart, read_form
from server.rate_limits import RateLimiter
from server.route_access import route_access

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Raw bodies POST /imports takes; "application/vnd.ms-excel" is what Windows browsers call a .csv.
_RAW_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", XLSX})
_COPY_BYTES = 1024 * 1024

# The answer of POST /imports: the Import as GraphQL shows it, read through the schema itself.
IMPORT_QUERY = """
query ($id: ID!) { node(id: $id) { ... on Import {
  id number fileName format status mode headers encoding delimiter
  mapping { column kind field }
  suggestedMapping { column kind field }
  counts { total processed created updated skipped failed conflicts duplicatesInFile }
  errorMessage createdAt
} } }
"""


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"errors": [{"message": message, "extensions": {"code": code, **extra}}]}


def _answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(encode_json(body), status_code=status, media_type="application/json; charset=utf-8")


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _unreadable(exc: UnreadableFile) -> Refused:
    if exc.code is UnreadableCode.TOO_LARGE:
        return Refused(413, "PAYLOAD_TOO_LARGE", exc.message, reason=exc.code.value)
    if exc.code is UnreadableCode.UNSUPPORTED_TYPE:
        return Refused(415, "UNSUPPORTED_MEDIA_TYPE", exc.message, reason=exc.code.value)
    return Refused(400, "BAD_USER_INPUT", exc.message, reason=exc.code.value)


class ImportRoutes:
    def __init__(
        self,
        schema: Any,
        *,
        policies: PolicyStore,
        tokens: TokenConfig,
        max_bytes: int,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.schema = schema
        self.policies = policies
        self.tokens = tokens
        self.limiter = limiter or RateLimiter(0, 0)
        self.max_bytes = max_bytes

    async def _access(self, request: Request) -> Access:
        return await route_access(request, self.tokens, self.policies, self.limiter)

    async def _guarded(self, request: Request, work: Any) -> Response:
        """Run ``work(access)``; failures become typed JSON errors (never a 500 for bad input)."""
        try:
            return await work(await self._access(request))
        except Refused as refused:
            return _answer(refused.body, refused.status)
        except Unauthenticated as exc:
            return _answer(Refused(401, exc.code, str(exc)).body, 401)
        except Forbidden as exc:
            return _answer(Refused(403, exc.code, str(exc)).body, 403)
        except UnreadableFile as exc:
            answer = _unreadable(exc)
            return _answer(answer.body, answer.status)
        except NotFound as exc:
            return _answer(Refused(404, "NOT_FOUND", f"{exc.kind} not found.").body, 404)
        except ValidationFailed as exc:
            fields = [{"field": f.field, "code": f.code.value, "message": f.message} for f in exc.errors]
            return _answer(Refused(400, "BAD_USER_INPUT", exc.message, fields=fields).body, 400)
        except BadOption as exc:
            return _answer(Refused(400, "BAD_USER_INPUT", str(exc)).body, 400)

    # GET /imports/template.csv and /imports/template.xlsx
    async def template(self, request: Request) -> Response:
        kind = request.path_params["kind"]

        async def work(access: Access) -> Response:
            access.require(P.IMPORT_CREATE)
            if kind not in ("csv", "xlsx"):
                raise Refused(404, "NOT_FOUND", "The template is served as template.csv or template.xlsx.")
            fields = await load_definitions(access.principal.tenant_id)
            if kind == "xlsx":
                content, media = await asyncio.to_thread(template_xlsx, fields), XLSX
            else:
                content, media = template_csv(fields), "text/csv; charset=utf-8"
            name = f"modelo-importacao-{access.principal.tenant_slug}.{kind}"
            return Response(
                content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
            )

        return await self._guarded(request, work)

    # POST /imports
    async def create(self, request: Request) -> Response:
        kept: list[Path] = []

        async def work(access: Access) -> Response:
            # The GraphQL mutation's own guard, before a byte of the file is read.
            access.require(P.IMPORT_CREATE)
            media = _media(request.headers.get("content-type"))
            if media == "multipart/form-data":
                path, name, content_type, mode, mapping = await self._multipart(request, kept)
            elif media in _RAW_TYPES:
                path = await self._raw(request, kept)
                name = request.query_params.get("filename") or ("upload.xlsx" if media == XLSX else "upload.csv")
                content_type, mode = media, request.query_params.get("mode")
                mapping = request.query_params.get("mapping")
            else:
                raise Refused(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    f"Content-Type {media or '(none)'} is not accepted: send multipart/form-data with a field "
                    f'"file", or the file itself as text/csv or {XLSX}.',
                )
            row = await create_with_options(
                access,
                path,
                file_name=name,
                content_type=content_type,
                max_bytes=self.max_bytes,
                mode=parse_mode(mode),
                mapping=parse_mapping_json(mapping),
            )
            return _answer({"import": await self._as_graphql(request, access, row)}, 201)

        try:
            return await self._guarded(request, work)
        finally:
            for path in kept:
                await asyncio.to_thread(path.unlink, missing_ok=True)

    async def _multipart(self, request: Request, kept: list[Path]) -> tuple[Path, str, str | None, Any, Any]:
        try:
            form = await read_form(request, max_files=1, max_fields=4)
        except BadMultipart as exc:
            raise Refused(400, "BAD_REQUEST", str(exc)) from None
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Refused(400, "BAD_REQUEST", 'Send the file in a multipart field named "file".')
            handle = tempfile.NamedTemporaryFile(prefix="crm-upload-", delete=False)  # noqa: SIM115
            path = Path(handle.name)
            kept.append(path)
            with handle:
                await upload.seek(0)
                await asyncio.to_thread(_copy, upload.file, handle)
            mode, mapping = form.get("mode"), form.get("mapping")
            return (
                path,
                upload.filename or "upload",
                upload.content_type,
                mode if isinstance(mode, str) else None,
                mapping if isinstance(mapping, str) else None,
            )
        finally:
            await form.close()

    async def _raw(self, request: Request, kept: list[Path]) -> Path:
        """The body streamed to a temporary file, refused once it passes the limit."""
        handle = tempfile.NamedTemporaryFile(prefix="crm-upload-", delete=False)  # noqa: SIM115
        path = Path(handle.name)
        kept.append(path)
        size = 0
        with handle:
            async for chunk in request.stream():
                size += len(chunk)
                if size > self.max_bytes:
                    raise _unreadable(UnreadableFile(UnreadableCode.TOO_LARGE, _too_large(self.max_bytes)))
                await asyncio.to_thread(handle.write, chunk)
        return path

    async def _as_graphql(self, request: Request, access: Access, row: dict[str, Any]) -> Any:
        context = Context(request=request, _access=access, import_max_bytes=self.max_bytes)
        result = await self.schema.execute(IMPORT_QUERY, variable_values={"id": _global_id(row)}, context_value=context)
        if result.errors:
            raise result.errors[0]
        return result.data["node"]

    # GET /imports/{id}/errors.csv
    async def errors_csv(self, request: Request) -> Response:
        value = request.path_params["id"]

        async def work(access: Access) -> Response:
            pk = parse_id(value, "Import")
            if pk is None:
                raise NotFound("Import", value)
            row = await service.get_import(access, pk)
            headers, rows = await service.error_report_rows(access, pk)
            name = f"importacao-{row['number']}-erros.csv"
            return StreamingResponse(
                report_chunks(headers, rows, report_delimiter(row)),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )

        return await self._guarded(request, work)


def _global_id(row: dict[str, Any]) -> str:
    return str(to_global_id("Import", row["id"]))


def _too_large(limit: int) -> str:
    return f"The file is larger than the limit of {limit / (1024 * 1024):g} MB; split it."


def _copy(source: Any, target: Any) -> None:
    while chunk := source.read(_COPY_BYTES):
        target.write(chunk)


def report_delimiter(row: dict[str, Any]) -> str:
    """The uploaded CSV's own delimiter, so the report opens where the file came from; otherwise
    ";", the list separator of Excel in pt-BR (a comma file opens there as one column)."""
    return row["delimiter"] or ";"


async def report_chunks(
    headers: list[str], rows: AsyncIterator[list[str]], delimiter: str = ";"
) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM (Excel then shows the accents), CRLF, no cell Excel would run as a formula:
    a file to fix and upload again."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([inert(h) for h in headers])
    yield codecs.BOM_UTF8 + out.getvalue().encode()
    pending = 0
    out.seek(0)
    out.truncate()
    async for cells in rows:
        writer.writerow([inert(c) for c in cells])
        pending += 1
        if pending >= 500:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
            pending = 0
    if pending:
        yield out.getvalue().encode()
