"""Row scopes: a granted scope becomes a filter that PostgreSQL applies.

One function per kind of row, registered in ``ROW_FILTERS``; anything unregistered is denied.
Each filter exists as a SQL fragment (for the hand-written read path) and as a Tortoise ``Q``
(for ORM querysets), built from the same principal and scope so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise.expressions import Q, Subquery

from authz.catalogue import Scope
from authz.principal import Principal
from models import CustomerTeam
from models.sql import FALSE, TRUE, Sql, or_


def customer_sql(principal: Principal, scope: Scope, alias: str = "c") -> Sql:
    """Rows of ``customer`` (as ``alias``) that ``scope`` covers for ``principal``.

    The tenant is not part of it: every statement filters the tenant itself, first.
    """
    if scope is Scope.ALL:
        return TRUE
    if principal.user_id is None:
        return FALSE
    own = Sql(f"{alias}.owner_id = %s", principal.user_id)
    if scope is Scope.OWN or not principal.team_ids:
        return own
    in_team = Sql(
        "EXISTS (SELECT 1 FROM customer_team ct WHERE ct.tenant_id = "
        f"{alias}.tenant_id AND ct.customer_id = {alias}.id AND ct.team_id = ANY(%s::uuid[]))",
        list(principal.team_ids),
    )
    return or_(own, in_team)


def customer_q(principal: Principal, scope: Scope, prefix: str = "") -> Q:
    """The same rule as ``customer_sql`` for a queryset over customers (or rows with ``prefix``
    pointing at a customer, e.g. ``customer__``)."""
    if scope is Scope.ALL:
        return Q()
    if principal.user_id is None:
        return _q(f"{prefix}id__in", [])
    own = _q(f"{prefix}owner_id", principal.user_id)
    if scope is Scope.OWN or not principal.team_ids:
        return own
    team_customers = CustomerTeam.filter(tenant_id=principal.tenant_id, team_id__in=list(principal.team_ids)).values(
        "customer_id"
    )
    return own | _q(f"{prefix}id__in", Subquery(team_customers))


def _q(lookup: str, value: Any) -> Q:
    """``Q(**{lookup: value})`` for a lookup built at run time."""
    condition: dict[str, Any] = {lookup: value}
    return Q(**condition)


ROW_FILTERS: dict[str, Callable[[Principal, Scope, str], Sql]] = {
    "customer": customer_sql,
}


def row_filter(obj: str, principal: Principal, scope: Scope | None, alias: str) -> Sql:
    """Default deny: no scope, or a kind of row without a registered rule, sees nothing."""
    rule = ROW_FILTERS.get(obj)
    if scope is None or rule is None:
        return FALSE
    return rule(principal, scope, alias)
