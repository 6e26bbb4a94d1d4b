"""Locate a row for a change, under its rule in authz/rows.py, or say why not."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import Permission
from authz.errors import Forbidden
from authz.rows import locate_for, refusal_for
from resolvers.errors import NotFound


async def locate_or_refuse(
    access: Access,
    kind: str,
    permission: Permission,
    pk: UUID,
    *,
    lock: bool = True,
    columns: str | None = None,
    alias: str = "x",
) -> dict[str, Any]:
    """The row (locked unless ``lock`` is false) when the caller may act on it with ``permission``;
    else Forbidden when they can see it, NotFound when they cannot (as for an id that never existed)."""
    row = await locate_for(access, kind, permission, pk, lock, columns=columns, alias=alias)
    if row is not None:
        return row
    refusal = await refusal_for(access, kind, permission, pk)
    if refusal is not None:
        raise Forbidden(refusal)
    raise NotFound(kind, str(pk))
