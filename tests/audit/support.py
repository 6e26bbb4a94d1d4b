"""Reading the audit log through GraphQL."""

from __future__ import annotations

from typing import Any

AUDIT_LOG = """
query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id at action objectType objectId actorName actorApiKey before after details withheld
      actor { id name }
    }
  }
}
"""


async def audit_log(gql: Any, as_: Any, first: int = 100, after: str | None = None, **filter: Any) -> dict[str, Any]:
    data = await gql.data(AUDIT_LOG, {"filter": filter or None, "first": first, "after": after}, as_=as_)
    return data["auditLog"]


async def entries(gql: Any, as_: Any, **filter: Any) -> list[dict[str, Any]]:
    """The entries (newest first) matching ``filter``."""
    return (await audit_log(gql, as_, **filter))["nodes"]


async def one(gql: Any, as_: Any, action: str) -> dict[str, Any]:
    """The newest entry of ``action``."""
    found = await entries(gql, as_, action=action)
    assert found, f"no {action} entry"
    return found[0]
