"""Who may hold a customer: the one rule for every path that sets an owner.

A customer's owner is the seller whose portfolio holds it. Admins and supervisors manage
portfolios but hold none (the portfolio overview lists sellers), and a deactivated user takes
no new customers. Create, update, transfer and merge all ask here.
"""

from __future__ import annotations

from uuid import UUID

from models import Role
from models.db import fetchrow
from models.sql import Sql
from resolvers.errors import FieldErrorCode, ValidationFailed


async def check_owner(tenant_id: UUID, user_id: UUID, field: str) -> None:
    """ValidationFailed naming ``field`` unless the user is an active seller of the tenant."""
    user = await fetchrow(
        Sql("SELECT role, is_active FROM app_user WHERE id = %s AND tenant_id = %s", user_id, tenant_id)
    )
    if user is None or not user["is_active"]:
        raise ValidationFailed.one(field, FieldErrorCode.UNKNOWN, "is not an active user of this company")
    if user["role"] != Role.SELLER:
        role = str(user["role"])
        article = "an" if role[0] in "aeiou" else "a"
        raise ValidationFailed.one(
            field, FieldErrorCode.NOT_ALLOWED, f"is {article} {role}: only sellers hold customers in a portfolio"
        )
