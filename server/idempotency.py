"""Idempotent mutation requests: the ``Idempotency-Key`` header.

The first answer to a mutation request sent with a key is kept per company and key for 24 hours,
beside a fingerprint of the request (its query, variables, operation name and the digest of an
uploaded file) and of the caller.
A repeat with the same fingerprint gets that answer again, byte for byte, without executing; the
same key with another request (or from another caller) is refused. Queries ignore the header.

The key's row is inserted in the transaction that runs the mutation, and the answer is written
into it before that transaction commits: the writes and the answer commit together, or neither
does. A concurrent repeat's insert of the same key waits on that uncommitted row (PostgreSQL's
unique index), then sees the stored answer, or, when the first one rolled back, runs itself.
A request that fails unexpectedly (INTERNAL_SERVER_ERROR, TIMEOUT) or whose document was never
executed rolls everything back, its key included, so a retry runs afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from graphql import GraphQLError, OperationType, get_operation_ast, parse

from authz.principal import Principal
from models.db import execute, fetchrow, in_transaction
from models.sql import Sql
from resolvers.imports.uploads import UploadedFile
from server.graphql_http import GraphQLRequest

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Expired keys of the company removed by each claim (besides the claimed key itself).
SWEEP = 20
# Errors that say the execution failed rather than answered: the key is released.
_FAILURE_CODES = frozenset({"INTERNAL_SERVER_ERROR", "TIMEOUT"})
_LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True, slots=True)
class Config:
    ttl_seconds: int = 24 * 60 * 60  # how long an answer is kept
    wait_ms: int = 10_000  # how long a repeat waits for the first request with its key (then 409)


DEFAULT = Config()


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as the endpoint sends it (and as a replay sends it again)."""

    body: bytes
    status: int
    media_type: str
    replayed: bool = False


class Failed(Exception):
    """The execution failed: its transaction (and the key's row) is rolled back."""

    def __init__(self, answer: Answer) -> None:
        super().__init__("idempotent execution failed")
        self.answer = answer


def key_fault(key: str) -> str | None:
    """What is wrong with an Idempotency-Key value, or None."""
    if not key:
        return "is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"is longer than {MAX_KEY_LENGTH} characters"
    if any(not (" " <= ch <= "~") for ch in key):
        return "must be printable ASCII characters"
    return None


def is_mutation(request: GraphQLRequest) -> bool:
    """Whether the operation the request names is a mutation (a broken document is not)."""
    try:
        operation = get_operation_ast(parse(request.query), request.operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.MUTATION


def caller_of(principal: Principal) -> str:
    if principal.api_key_id is not None:
        return f"api-key:{principal.api_key_id}"
    return f"user:{principal.user_id}"


def fingerprint(request: GraphQLRequest, principal: Principal) -> str:
    """SHA-256 of the canonical JSON of the request and the caller."""
    canonical = json.dumps(
        {
            "query": request.query,
            "variables": request.variables or {},
            "operationName": request.operation_name,
            "caller": caller_of(principal),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_uploaded,
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _uploaded(value: Any) -> Any:
    """A file of a multipart request, in the fingerprint: its name, type and bytes' digest."""
    if isinstance(value, UploadedFile):
        return {"upload": value.filename, "type": value.content_type, "sha256": value.sha256}
    raise TypeError(f"{type(value).__name__} is not part of a request")


def error_answer(status: int, code: str, message: str, media_type: str) -> Answer:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Answer(json.dumps(body).encode(), status, media_type)


def failed(body: dict[str, Any], executed: bool) -> bool:
    """Whether an answer reports a failed execution rather than a result to keep."""
    if not executed:
        return True
    return any((e.get("extensions") or {}).get("code") in _FAILURE_CODES for e in body.get("errors") or [])


def _lock_timed_out(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if getattr(current, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__ or (current.args[0] if current.args else None)
        if not isinstance(current, BaseException):
            current = None
    return False


async def _claim(config: Config, tenant_id: UUID, key: str, print_: str) -> UUID | None:
    """Insert the key's row (or take over an expired one): its id, or None when a live one exists.

    Waits (at most ``config.wait_ms``) for a concurrent request holding the same key to commit or roll back.
    """
    await execute(Sql("SELECT set_config('lock_timeout', %s, true)", str(config.wait_ms)))
    row = await fetchrow(
        Sql(
            "WITH swept AS (DELETE FROM idempotency_key WHERE id IN ("
            " SELECT id FROM idempotency_key WHERE tenant_id = %s AND expires_at < now() AND key <> %s"
            " ORDER BY expires_at LIMIT %s FOR UPDATE SKIP LOCKED)) "
            "INSERT INTO idempotency_key (id, tenant_id, key, fingerprint, status, media_type, body, expires_at) "
            "VALUES (gen_random_uuid(), %s, %s, %s, 0, '', ''::bytea, now() + %s * interval '1 second') "
            "ON CONFLICT (tenant_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = 0, "
            "media_type = '', body = ''::bytea, created_at = now(), expires_at = EXCLUDED.expires_at "
            "WHERE idempotency_key.expires_at < now() RETURNING id",
            tenant_id,
            key,
            SWEEP,
            tenant_id,
            key,
            print_,
            config.ttl_seconds,
        )
    )
    await execute(Sql("SET LOCAL lock_timeout TO DEFAULT"))
    return row["id"] if row else None


async def _stored(tenant_id: UUID, key: str) -> dict[str, Any] | None:
    return await fetchrow(
        Sql(
            "SELECT fingerprint, status, media_type, body FROM idempotency_key WHERE tenant_id = %s AND key = %s",
            tenant_id,
            key,
        )
    )


async def _store(row_id: UUID, answer: Answer) -> None:
    await execute(
        Sql(
            "UPDATE idempotency_key SET status = %s, media_type = %s, body = %s WHERE id = %s",
            answer.status,
            answer.media_type,
            answer.body,
            row_id,
        )
    )


class _Found(Exception):
    """A live row holds the key: leave the transaction and answer from it."""

    def __init__(self, stored: dict[str, Any] | None) -> None:
        super().__init__("idempotency key already used")
        self.stored = stored


async def answer_once(
    config: Config,
    principal: Principal,
    key: str,
    request: GraphQLRequest,
    media_type: str,
    run: Callable[[], Awaitable[Answer]],
) -> Answer:
    """The answer to a mutation request carrying ``key``: ``run`` at most once per key and request.

    ``run`` executes the request (inside the transaction opened here) and answers it; it raises
    ``Failed`` when the execution failed, which rolls back its writes and releases the key.
    """
    fault = key_fault(key)
    if fault:
        return error_answer(400, "IDEMPOTENCY_KEY_INVALID", f"The Idempotency-Key header {fault}.", media_type)
    print_ = fingerprint(request, principal)
    for _ in range(3):  # a row removed between the claim and the read: claim again
        try:
            async with in_transaction():
                row_id = await _claim(config, principal.tenant_id, key, print_)
                if row_id is None:
                    raise _Found(await _stored(principal.tenant_id, key))
                answer = await run()
                await _store(row_id, answer)
            return answer
        except Failed as failure:
            return failure.answer
        except _Found as found:
            if found.stored is not None:
                return _replay(found.stored, print_, media_type)
        except Exception as exc:
            if not _lock_timed_out(exc):
                raise
            return error_answer(
                409,
                "IDEMPOTENCY_KEY_IN_PROGRESS",
                "A request with this Idempotency-Key is still running; try again shortly.",
                media_type,
            )
    return error_answer(409, "IDEMPOTENCY_KEY_IN_PROGRESS", "The Idempotency-Key is changing; try again.", media_type)


def _replay(stored: dict[str, Any], print_: str, media_type: str) -> Answer:
    if stored["fingerprint"] != print_:
        return error_answer(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used for another request (or by another caller); use a new key.",
            media_type,
        )
    return Answer(bytes(stored["body"]), stored["status"], stored["media_type"], replayed=True)
