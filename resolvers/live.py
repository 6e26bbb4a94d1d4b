"""The filter every customer read and write starts from."""

from __future__ import annotations

from authz.access import Access
from authz.catalogue import Permission
from models.sql import Sql, and_


def live_rows(access: Access, perm: Permission, alias: str = "c") -> Sql:
    """Customers the caller may act on with ``perm``: tenant, scope, and not merged away."""
    return and_(access.rows(perm, alias), Sql(f"{alias}.merged_into_id IS NULL"))
