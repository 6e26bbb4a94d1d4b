"""GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec):
an ``operations`` field (the usual JSON request), a ``map`` field naming where each file goes in
the variables, then the files. Files are spooled to disk by the form parser as they arrive and
then handed over as temporary files on disk, never held whole in memory."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from pathlib import Path
from typing import IO, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from resolvers.imports.uploads import UploadedFile
from server.graphql_http import GraphQLRequest, Refusal, decode_request
from server.multipart_form import BadMultipart, read_form

MAX_FILES = 1
_COPY_BYTES = 1024 * 1024


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def _put(variables: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    if parts[0] != "variables" or len(parts) < 2:
        raise Refusal(400, f'The multipart "map" path {path!r} must point into "variables".')
    missing = Refusal(400, f'The multipart "map" path {path!r} names no variable.')
    target: Any = variables
    try:
        for part in parts[1:-1]:
            target = target[int(part)] if isinstance(target, list) else target.get(part)
            if target is None:
                raise missing
        last = parts[-1]
        if isinstance(target, list):
            target[int(last)] = value
        elif isinstance(target, dict):
            target[last] = value
        else:
            raise missing
    except (ValueError, IndexError, AttributeError):  # a list indexed by a name or past its end
        raise missing from None


async def _to_disk(upload: UploadFile, keep: list[Path]) -> UploadedFile:
    handle = tempfile.NamedTemporaryFile(prefix="crm-upload-", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    keep.append(path)
    with handle:
        await upload.seek(0)
        digest = await asyncio.to_thread(_copy_hashed, upload.file, handle)
    return UploadedFile(
        path=path, filename=upload.filename or "upload", content_type=upload.content_type, sha256=digest
    )


def _copy_hashed(source: IO[bytes], target: IO[bytes]) -> str:
    """Copy in chunks; answer the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    while chunk := source.read(_COPY_BYTES):
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


async def decode_multipart(request: Request, keep: list[Path]) -> GraphQLRequest:
    """The GraphQL request of a multipart body, its files saved to disk (their paths added to
    ``keep``, for the caller to remove when the request is over)."""
    try:
        form = await read_form(request, max_files=MAX_FILES, max_fields=2)
    except BadMultipart as exc:
        raise Refusal(400, str(exc)) from None
    try:
        operations, mapping = form.get("operations"), form.get("map")
        if not isinstance(operations, str) or not isinstance(mapping, str):
            raise Refusal(400, 'A multipart GraphQL request needs the fields "operations" and "map", in that order.')
        request_ = decode_request("application/json", operations.encode())
        try:
            files = json.loads(mapping)
        except ValueError:
            raise Refusal(400, 'The multipart "map" field is not valid JSON.') from None
        if not isinstance(files, dict):
            raise Refusal(400, 'The multipart "map" field must be a JSON object.')
        variables = dict(request_.variables or {})
        for name, paths in files.items():
            upload = form.get(name)
            if not isinstance(upload, UploadFile):
                raise Refusal(400, f'The multipart "map" names a file {name!r} that was not sent.')
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise Refusal(400, f'The multipart "map" entry {name!r} must be a list of paths.')
            saved = await _to_disk(upload, keep)
            for path in paths:
                _put(variables, path, saved)
        return GraphQLRequest(request_.query, variables, request_.operation_name, request_.extensions)
    finally:
        await form.close()
