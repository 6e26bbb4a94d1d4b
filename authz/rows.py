"""Which rows of each kind a caller may see: one rule per kind, default deny.

A kind is named as the API names it (the Relay type name). Its rule is the permission a caller
needs to see any row of it (the same one its root field requires) and the filter, in SQL, of the
rows that permission shows. ``node(id)`` locates rows through this registry, and the schema test
insists every type implementing ``Node`` has a rule here and that its root field asks for the
same permission, so a kind added later cannot be reached around its rule. A kind without a rule
shows nothing.

Children follow their parent: a note, task, appointment, purchase, conversation, history entry
or merge is visible exactly when its customer is; a message when its conversation is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P, Permission
from models.db import fetchrow
from models.sql import FALSE, Sql, and_

Where = Callable[[Access, str], Sql]


@dataclass(frozen=True, slots=True)
class RowRule:
    table: str
    # What a caller needs to see any row of the kind; None: every signed-in caller of the tenant.
    permission: Permission | None
    # The rows the caller may see, for the table under ``alias`` (the tenant included).
    where: Where
    # A column naming the row that now stands for this one (a customer merged into another):
    # an old id keeps resolving, to the row it became, under that row's rule.
    follows: str | None = None


def _tenant(access: Access, alias: str) -> Sql:
    return Sql(f"{alias}.tenant_id = %s", access.principal.tenant_id)


def customers(access: Access, alias: str) -> Sql:
    """Customers the caller may read: tenant, the read scope, and not merged away."""
    return and_(access.rows(P.CUSTOMER_READ, alias), Sql(f"{alias}.merged_into_id IS NULL"))


def _through(parent_table: str, column: str, parent: Where) -> Where:
    """Rows visible with the row of ``parent_table`` that ``column`` names."""

    def where(access: Access, alias: str) -> Sql:
        up = f"{alias}_{column}"
        exists = (
            Sql(
                f"EXISTS (SELECT 1 FROM {parent_table} {up} WHERE {up}.id = {alias}.{column} "
                f"AND {up}.tenant_id = {alias}.tenant_id AND "
            )
            + parent(access, up)
            + Sql(")")
        )
        return and_(_tenant(access, alias), exists)

    return where


_with_customer = _through("customer", "customer_id", customers)


def _own_or_shared(access: Access, alias: str) -> Sql:
    return and_(_tenant(access, alias), Sql(f"({alias}.owner_id = %s OR {alias}.shared)", access.principal.user_id))


def _the_callers_tenant(access: Access, alias: str) -> Sql:
    return Sql(f"{alias}.id = %s", access.principal.tenant_id)


ROW_RULES: dict[str, RowRule] = {
    "Customer": RowRule("customer", P.CUSTOMER_READ, customers, follows="merged_into_id"),
    "Note": RowRule("note", P.CUSTOMER_READ, _with_customer),
    "Task": RowRule("task", P.CUSTOMER_READ, _with_customer),
    "Appointment": RowRule("appointment", P.CUSTOMER_READ, _with_customer),
    "Purchase": RowRule("purchase", P.CUSTOMER_READ, _with_customer),
    "Conversation": RowRule("conversation", P.CUSTOMER_READ, _with_customer),
    "Message": RowRule("message", P.CUSTOMER_READ, _through("conversation", "conversation_id", _with_customer)),
    "HistoryEntry": RowRule("customer_event", P.CUSTOMER_READ, _with_customer),
    "Merge": RowRule("customer_merge", P.CUSTOMER_READ, _through("customer", "primary_id", customers)),
    "Tag": RowRule("tag", P.CUSTOMER_READ, _tenant),
    "Team": RowRule("team", P.TEAM_READ, _tenant),
    "User": RowRule("app_user", P.USER_READ, _tenant),
    "CustomField": RowRule("custom_field", P.CUSTOM_FIELD_READ, _tenant),
    "MessageTemplate": RowRule("message_template", P.TEMPLATE_READ, _tenant),
    "SavedFilter": RowRule("saved_filter", P.SAVED_FILTER_WRITE, _own_or_shared),
    "Tenant": RowRule("tenant", None, _the_callers_tenant),
}


def may_see_kind(access: Access, kind: str) -> bool:
    """Whether the caller may see rows of ``kind`` at all (default deny)."""
    rule = ROW_RULES.get(kind)
    return rule is not None and (rule.permission is None or access.can(rule.permission))


def visible_rows(access: Access, kind: str, alias: str) -> Sql:
    """The filter of the rows of ``kind`` (as ``alias``) the caller may see; FALSE for none."""
    rule = ROW_RULES.get(kind)
    if rule is None or not may_see_kind(access, kind):
        return FALSE
    return rule.where(access, alias)


async def locate(access: Access, kind: str, pk: UUID) -> dict[str, Any] | None:
    """The row of ``kind`` that ``pk`` names (or now stands for), if the caller may see it.

    None whether the row does not exist or is hidden: the answer never tells the two apart.
    One statement; the columns are the table's own.
    """
    rule = ROW_RULES.get(kind)
    where = visible_rows(access, kind, "x")
    if rule is None or where is FALSE:
        return None
    if rule.follows is None:
        query = Sql(f"SELECT x.* FROM {rule.table} x WHERE x.id = %s AND ", pk) + where
    else:
        query = (
            Sql(
                f"SELECT x.* FROM {rule.table} asked JOIN {rule.table} x "
                f"ON x.id = coalesce(asked.{rule.follows}, asked.id) AND x.tenant_id = asked.tenant_id "
                "WHERE asked.id = %s AND asked.tenant_id = %s AND ",
                pk,
                access.principal.tenant_id,
            )
            + where
        )
    return await fetchrow(query)
