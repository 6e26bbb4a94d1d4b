"""A compiled path for the hottest read: one page of customers with their scalars, address, tags
and owner.

Most requests from list screens ask exactly that. Here the selection becomes one SQL statement
that builds each node's JSON in PostgreSQL, over the very same rows the normal path reads (the
list's visibility, portfolio, search, filter, order and cursor come from
``resolvers.customer_reads.list_customers``) and with the same field rules (contact data masked
by ``authz.masking``). No per-field Python runs. An operation of any other shape (fragments,
directives, other fields, nested lists such as notes or custom fields), or a caller without the
field's permission, runs through the general executor. Errors the list raises are reported as
the general path reports them. tests/customers/test_compiled_list.py sends a corpus of queries
both ways, for every role, and compares the answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import ExecutionResult, located_error
from graphql.execution.values import get_argument_values
from graphql.language import FieldNode, OperationType, SelectionSetNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from authz.errors import Forbidden, Unauthenticated
from authz.masking import CONTACT_COLUMNS, contact_hidden
from authz.rows import may_see_kind
from models.sql import Sql, join
from resolvers.errors import DomainError
from schema.customers import customers_page
from schema.permissions import Requires, api_error

log = logging.getLogger("crm.graphql")


def _iso(expr: str) -> str:
    """A timestamptz as Python's isoformat() writes it (Strawberry's DateTime): UTC, microseconds
    only when there are some."""
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL "
        f"WHEN extract(microseconds FROM {expr})::bigint %% 1000000 = 0 "
        f"THEN to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"') "
        f"ELSE to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') END"
    )


def _global_id(type_name: str, expr: str) -> str:
    # "Type:uuid" is under 57 bytes, so PostgreSQL's base64 puts no line break in it.
    return f"encode(convert_to('{type_name}:' || {expr}::text, 'UTF8'), 'base64')"


CUSTOMER_SCALARS: dict[str, str] = {
    "id": _global_id("Customer", "c.id"),
    "name": "c.name",
    "tradeName": "c.trade_name",
    "email": "c.email",
    "phone": "c.phone",
    "phoneE164": "c.phone_e164",
    "whatsapp": "c.whatsapp",
    "whatsappE164": "c.whatsapp_e164",
    "document": "c.document",
    "status": "upper(c.status)",
    "originChannel": "upper(c.origin_channel)",
    "createdAt": _iso("c.created_at"),
    "updatedAt": _iso("c.updated_at"),
    "lastInteractionAt": _iso("c.last_interaction_at"),
    "lastContactedAt": _iso("c.last_contacted_at"),
    "version": "c.version",
}
ADDRESS: dict[str, str] = {
    "street": "c.address_street",
    "number": "c.address_number",
    "complement": "c.address_complement",
    "neighbourhood": "c.address_neighbourhood",
    "city": "c.address_city",
    "state": "c.address_state",
    "postalCode": "c.address_postal_code",
    "country": "c.address_country",
}
TAG: dict[str, str] = {"id": _global_id("Tag", "t.id"), "name": "t.name", "color": "t.color"}
USER: dict[str, str] = {
    "id": _global_id("User", "u.id"),
    "name": "u.name",
    "email": "u.email",
    "role": "upper(u.role)",
    "isActive": "u.is_active",
    "canStartConversations": "u.can_start_conversations",
}


def _scalar(name: str, hidden: bool) -> str:
    expr = CUSTOMER_SCALARS[name]
    # The columns authz.masking withholds are withheld here too.
    return "NULL" if hidden and expr.removeprefix("c.") in CONTACT_COLUMNS else expr


class Unsupported(Exception):
    """The operation is not of the compiled shape: run it the normal way."""


def _fields(selection_set: SelectionSetNode | None) -> list[FieldNode]:
    if selection_set is None:
        raise Unsupported
    out = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise Unsupported  # fragments and directives: the normal path handles them
        out.append(selection)
    return out


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _object(selection_set: SelectionSetNode | None, columns: dict[str, str], type_name: str) -> str:
    """json_build_object of the selected scalars of a nested object."""
    parts = []
    for node in _fields(selection_set):
        name = node.name.value
        if name == "__typename":
            parts.append(f"'{_key(node)}', '{type_name}'")
        elif name in columns and node.selection_set is None and not node.arguments:
            parts.append(f"'{_key(node)}', {columns[name]}")
        else:
            raise Unsupported
    return f"json_build_object({', '.join(parts)})"


def compile_node(selection_set: SelectionSetNode | None, hidden: bool) -> str:
    """The SQL building one customer's JSON for this selection, on the row ``c``."""
    parts = []
    for node in _fields(selection_set):
        name, key = node.name.value, _key(node)
        if node.arguments:
            raise Unsupported
        if name == "__typename":
            parts.append(f"'{key}', 'Customer'")
        elif name in CUSTOMER_SCALARS and node.selection_set is None:
            parts.append(f"'{key}', {_scalar(name, hidden)}")
        elif name == "contactHidden" and node.selection_set is None:
            parts.append(f"'{key}', {'true' if hidden else 'false'}")
        elif name == "address":
            parts.append(f"'{key}', {_object(node.selection_set, ADDRESS, 'Address')}")
        elif name == "tags":
            tag = _object(node.selection_set, TAG, "Tag")
            parts.append(
                f"'{key}', (SELECT coalesce(json_agg({tag} ORDER BY t.name_key), '[]') FROM customer_tag ct "
                "JOIN tag t ON t.id = ct.tag_id WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id)"
            )
        elif name == "owner":
            user = _object(node.selection_set, USER, "User")
            parts.append(
                f"'{key}', (SELECT {user} FROM app_user u WHERE u.id = c.owner_id AND u.tenant_id = c.tenant_id)"
            )
        else:
            raise Unsupported
    return f"json_build_object({', '.join(parts)})"


@dataclass
class ConnectionPlan:
    """Where each part of the answer goes; ``nodes`` are the node selections compiled to columns."""

    key: str
    field_node: FieldNode
    counts: bool = False
    nodes: list[str] = field(default_factory=list)
    build: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)


def _plan(field_node: FieldNode, hidden: bool) -> ConnectionPlan:
    plan = ConnectionPlan(_key(field_node), field_node)

    def node_column(selection_set: SelectionSetNode | None) -> int:
        plan.nodes.append(compile_node(selection_set, hidden))
        return len(plan.nodes) - 1

    for node in _fields(field_node.selection_set):
        name, key = node.name.value, _key(node)
        if name == "__typename":
            plan.build.append((key, lambda page, total: "CustomerConnection"))
        elif name == "totalCount":
            plan.counts = True
            plan.build.append((key, lambda page, total: total))
        elif name == "pageInfo":
            info = []
            for sub in _fields(node.selection_set):
                if sub.name.value not in {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"}:
                    raise Unsupported
                info.append((_key(sub), sub.name.value))
            plan.build.append((key, lambda page, total, info=info: {k: _page_info(page, n) for k, n in info}))
        elif name == "nodes":
            column = node_column(node.selection_set)
            plan.build.append((key, lambda page, total, column=column: [r[f"_n{column}"] for r in page.rows]))
        elif name == "edges":
            edge = []
            for sub in _fields(node.selection_set):
                if sub.name.value == "node":
                    edge.append((_key(sub), "node", node_column(sub.selection_set)))
                elif sub.name.value in {"cursor", "__typename"} and sub.selection_set is None:
                    edge.append((_key(sub), sub.name.value, -1))
                else:
                    raise Unsupported
            plan.build.append((key, lambda page, total, edge=edge: _edges(edge, page)))
        else:
            raise Unsupported
    return plan


def _page_info(page: Any, name: str) -> Any:
    cursors = page.cursors
    return {
        "hasNextPage": page.has_next,
        "hasPreviousPage": page.has_previous,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
        "__typename": "PageInfo",
    }[name]


def _edges(edge: list[tuple[str, str, int]], page: Any) -> list[dict[str, Any]]:
    out = []
    for row, cursor in zip(page.rows, page.cursors, strict=True):
        one: dict[str, Any] = {}
        for key, name, column in edge:
            one[key] = row[f"_n{column}"] if name == "node" else cursor if name == "cursor" else "CustomerEdge"
        out.append(one)
    return out


class CompiledListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Runs a lone ``customers`` query through the compiled path, anything else as usual."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        try:
            plan = self._compiled_plan()
        except Unsupported:
            plan = None
        except Exception:
            # Arguments the general executor reports better; never worth failing a request over.
            log.warning("compiled list declined the operation", exc_info=True)
            plan = None
        if plan is None:
            return super().execute_operation(serially)
        return self._execute_compiled(*plan)

    def _compiled_plan(self) -> tuple[ConnectionPlan, dict[str, Any]] | None:
        operation = self.operation
        if operation.operation is not OperationType.QUERY or operation.directives:
            return None
        roots = _fields(operation.selection_set)
        if len(roots) != 1 or roots[0].name.value != "customers":
            return None
        root_type = self.schema.query_type
        assert root_type is not None
        graphql_field = root_type.fields["customers"]
        definition = graphql_field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        access = getattr(self.context_value, "_access", None)
        if access is None or not access.authenticated:
            return None  # the general executor answers UNAUTHENTICATED
        # The field's own Requires declaration decides, as it does on the general path.
        for extension in definition.extensions:
            if isinstance(extension, Requires) and not all(access.can(p) for p in extension.permissions):
                return None  # ... and FORBIDDEN
        # Coerced by graphql-core, then turned into the resolver's Python arguments by Strawberry,
        # exactly as the normal path does it.
        raw = get_argument_values(graphql_field, roots[0], self.variable_values)
        strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
        arguments = convert_arguments(
            raw,
            definition.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )
        if not may_see_kind(access, "User"):
            return None  # owners are hidden from this caller: the general path answers them null
        return _plan(roots[0], contact_hidden(access)), arguments

    async def _execute_compiled(self, plan: ConnectionPlan, arguments: dict[str, Any]) -> ExecutionResult:
        # Only the sort values when no node is selected (a count, or page info alone).
        columns = (
            join(", ", (Sql(f"{sql} AS _n{i}") for i, sql in enumerate(plan.nodes))) if plan.nodes else Sql("c.id")
        )
        try:
            page = await customers_page(self.context_value.access, columns=columns, **arguments)
            total = await page.total_count() if plan.counts else None
        except (Unauthenticated, Forbidden, DomainError) as exc:
            return ExecutionResult(data=None, errors=[located_error(api_error(exc), [plan.field_node], [plan.key])])
        except Exception as exc:
            # Reported, and masked, exactly as the normal path reports a resolver's error.
            return ExecutionResult(data=None, errors=[located_error(exc, [plan.field_node], [plan.key])])
        data = {key: build(page, total) for key, build in plan.build}
        return ExecutionResult(data={plan.key: data}, errors=None)
