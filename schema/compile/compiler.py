"""From a GraphQL selection over described entities to SQL that builds its JSON.

Objects are ``json_build_object`` over a row; to-one relations are scalar subqueries filtered by
the target kind's row rule (``authz.rows.visible_rows``); to-many relations are correlated
subqueries in the relation's order (a page of ``first`` + 1 rows for a connection, the extra row
telling whether more follow, after ``after`` when given). A list's rows are filtered by the rule
``authz.rows.rows_under`` gives for their kind under their parent row: where the registry says
they are visible with that parent, the parent's own filter stands for theirs. Contact columns are
NULL when the caller may not see contact data (``authz.masking``).

Whatever the compiler does not know raises ``Unsupported`` naming it; the caller then runs the
whole operation through the general executor.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema
from graphql.execution.collect_fields import FieldDetailsList, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import OperationDefinitionNode

from authz.access import Access
from authz.masking import CONTACT_FIELD_TYPES
from authz.rows import rows_under, visible_rows
from models import CustomFieldType
from models.descriptors import ENTITIES, Entity, OrderKey, ToMany, ToOne
from models.sql import FALSE, Sql, and_, join
from resolvers.cursors import INVALID, ListCursors, open_cursor
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.pagination import SortKey, after_condition, page_size
from schema.compile.sealing import CHILD_IDENTITY, CursorLists
from schema.compile.values import column_value, cursor_value, enum_name

# json_build_object takes at most 100 arguments.
MAX_KEYS = 50
PAGE_INFO = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"})


class Unsupported(Exception):
    """The compiler does not know this part of the operation."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def build_object(parts: list[tuple[str, Sql]]) -> Sql:
    if len(parts) > MAX_KEYS:
        raise Unsupported(f"more than {MAX_KEYS} fields in one object")
    # Response keys are GraphQL names ([_A-Za-z][_0-9A-Za-z]*): safe as SQL literals.
    return join(", ", (Sql(f"'{key}', ") + value for key, value in parts)).wrap("json_build_object(", ")")


def order_of(keys: tuple[OrderKey, ...], alias: str) -> str:
    return ", ".join(f"{k.on(alias)} {'DESC' if k.descending else 'ASC'}" for k in keys)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


@dataclass
class Page:
    """How a connection's rows are read: ``rows`` is the FROM item (aliased ``alias``) holding up
    to ``limit`` + 1 rows numbered ``_rn`` in order, with their cursor placeholder as ``_cur``."""

    alias: str
    limit: int
    has_previous: bool
    total: Callable[[], Sql]


@dataclass
class Compiler:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDetails]
    variables: VariableValues
    operation: OperationDefinitionNode
    access: Access
    hidden: bool
    cursors: CursorLists = field(default_factory=CursorLists)
    # Fields planned before building (a saved list's customers, planned from the list as read):
    # their SQL by the id of their first AST node.
    planned: dict[int, Sql] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def alias(self) -> str:
        return f"r{next(self._numbers)}"

    def object_type(self, name: str) -> GraphQLObjectType:
        found = self.schema.type_map.get(name)
        if not isinstance(found, GraphQLObjectType):
            raise Unsupported(name)
        return found

    def subfields(self, type_name: str, details: FieldDetailsList) -> list[tuple[str, str, FieldDetailsList]]:
        """(response key, field name, its nodes) of the selection below ``details``, fragments,
        inline fragments and @include/@skip applied, in response order."""
        collected = collect_subfields(
            self.schema, self.fragments, self.variables, self.operation, self.object_type(type_name), details
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        return [(key, found[0].node.name.value, found) for key, found in collected.grouped_field_set.items()]

    def arguments(self, type_name: str, name: str, details: FieldDetailsList) -> dict[str, Any]:
        definition = self.object_type(type_name).fields[name]
        return get_argument_values(definition, details[0].node, self.variables, details[0].fragment_variable_values)

    # --- objects ---------------------------------------------------------------------------------

    def entity(self, entity: Entity, alias: str, details: FieldDetailsList) -> Sql:
        """The JSON of the row ``alias`` of ``entity`` for the selection below ``details``."""
        parts = []
        for key, name, sub in self.subfields(entity.name, details):
            parts.append((key, self.entity_field(entity, alias, name, sub)))
        return build_object(parts)

    def entity_field(self, entity: Entity, alias: str, name: str, sub: FieldDetailsList) -> Sql:
        if name == "__typename":
            return Sql(f"'{entity.name}'")
        column = entity.by_api.get(name)
        if column is not None:
            hidden = column.contact and self.hidden
            return Sql("NULL") if hidden else Sql(column_value(column, alias, entity.name))
        if name in entity.groups:
            return self.group(entity, alias, name, sub)
        relation = entity.relation.get(name)
        if isinstance(relation, ToOne):
            return self.to_one(relation, alias, sub)
        if isinstance(relation, ToMany):
            return self.to_many(entity, relation, alias, sub)
        planned = self.planned.get(id(sub[0].node))
        if planned is not None:
            return planned
        computed = COMPUTED.get((entity.name, name))
        if computed is not None:
            return computed(self, alias, sub)
        raise Unsupported(f"{entity.name}.{name}")

    def group(self, entity: Entity, alias: str, name: str, sub: FieldDetailsList) -> Sql:
        """A nested object made of the row's own columns (a customer's address)."""
        type_name = entity.groups[name]
        columns = entity.group_columns(name)
        parts = []
        for key, field_name, _ in self.subfields(type_name, sub):
            column = columns.get(field_name)
            if field_name == "__typename":
                parts.append((key, Sql(f"'{type_name}'")))
            elif column is None:
                raise Unsupported(f"{type_name}.{field_name}")
            else:
                hidden = column.contact and self.hidden
                parts.append((key, Sql("NULL") if hidden else Sql(column_value(column, alias, type_name))))
        return build_object(parts)

    def to_one(self, relation: ToOne, alias: str, sub: FieldDetailsList) -> Sql:
        target = ENTITIES[relation.target]
        a = self.alias()
        rule = visible_rows(self.access, target.name, a)
        if rule is FALSE:
            return Sql("NULL")
        return (
            Sql("(SELECT ")
            + self.entity(target, a, sub)
            + Sql(f" FROM {target.table} {a} WHERE {a}.id = {alias}.{relation.column} AND ")
            + rule
            + Sql(")")
        )

    # --- lists -----------------------------------------------------------------------------------

    def _rule(self, entity: Entity, relation: ToMany, a: str, parent: str) -> Sql:
        """The filter (``authz.rows``) of the rows of ``relation`` under the row ``parent`` of
        ``entity``, as ``a``: for a direct relation the link to the parent included (and the
        parent's own filter standing for the child's when the registry says the child is visible
        with it), for a link table the target's rule alone; FALSE for none."""
        if relation.through is None:
            return rows_under(self.access, relation.target, a, entity.name, parent, relation.fk)
        return visible_rows(self.access, relation.target, a)

    def _children(self, relation: ToMany, a: str, parent: str, rule: Sql, narrow: Sql | None) -> Sql:
        """``FROM ... WHERE ...`` of the rows of ``relation`` under ``parent`` that ``rule``
        (``_rule``) keeps, as ``a``."""
        target = ENTITIES[relation.target]
        if relation.through is not None:
            link, mine, theirs = relation.through
            sql = Sql(
                f" FROM {link} l_{a} JOIN {target.table} {a} ON {a}.id = l_{a}.{theirs} "
                f"AND {a}.tenant_id = l_{a}.tenant_id WHERE l_{a}.tenant_id = {parent}.tenant_id "
                f"AND l_{a}.{mine} = {parent}.id AND "
            )
        else:
            sql = Sql(f" FROM {target.table} {a} WHERE ")
        sql += rule.wrap("(", ")")
        if relation.where:
            sql += Sql(" AND " + relation.where.format(t=a))
        if narrow is not None:
            sql += Sql(" AND ") + narrow
        return sql

    def to_many(self, entity: Entity, relation: ToMany, parent: str, sub: FieldDetailsList) -> Sql:
        target = ENTITIES[relation.target]
        single = relation.limit == 1 and not relation.connection
        a = self.alias()
        rule = self._rule(entity, relation, a, parent)
        if rule is FALSE:
            if relation.connection:
                raise Unsupported(f"{entity.name}.{relation.api} (hidden kind)")
            return Sql("NULL") if single else Sql("'[]'::json")
        order = order_of(relation.order, a)
        if not relation.connection:
            if self.arguments(entity.name, relation.api, sub):
                raise Unsupported(f"{entity.name}.{relation.api} (arguments)")
            node = self.entity(target, a, sub)
            rows = self._children(relation, a, parent, rule, None)
            if single:
                return Sql("(SELECT ") + node + rows + Sql(f" ORDER BY {order} LIMIT 1)")
            if relation.limit is not None:
                inner = Sql(f"(SELECT {a}.*") + rows + Sql(f" ORDER BY {order} LIMIT {relation.limit}) {a}")
                return (
                    Sql("(SELECT coalesce(json_agg(")
                    + node
                    + Sql(f" ORDER BY {order}), '[]'::json) FROM ")
                    + inner
                    + Sql(")")
                )
            return Sql("(SELECT coalesce(json_agg(") + node + Sql(f" ORDER BY {order}), '[]'::json)") + rows + Sql(")")
        return self.child_connection(entity, relation, target, a, parent, sub)

    def child_connection(
        self, entity: Entity, relation: ToMany, target: Entity, a: str, parent: str, sub: FieldDetailsList
    ) -> Sql:
        arguments = self.arguments(entity.name, relation.api, sub)
        limit = page_size(arguments.get("first"))
        narrow: Sql | None = None
        identity: dict[str, Any] = {}
        for argument, column in relation.filters:
            value = _plain(arguments.get(argument))
            identity[argument] = value
            if value is not None:
                term = Sql(f"{{t}}.{column} = %s", value)
                narrow = term if narrow is None else narrow + Sql(" AND ") + term
        unknown = set(arguments) - {"first", "after"} - {name for name, _ in relation.filters}
        if unknown:
            raise Unsupported(f"{entity.name}.{relation.api}({', '.join(sorted(unknown))})")

        def rows_of(alias: str, after: Sql | None = None) -> Sql:
            scoped = None if narrow is None else Sql(narrow.text.replace("{t}", alias), *narrow.params)
            rule = self._rule(entity, relation, alias, parent)
            return self._children(relation, alias, parent, rule, and_(scoped, after) if after else scoped)

        def total() -> Sql:
            b = self.alias()
            return Sql("(SELECT count(*)") + rows_of(b) + Sql(")")

        lists = ListCursors.of(self.access.principal, relation.tag or relation.api, **identity)
        after = arguments.get("after")
        resume: Sql | None = None
        belongs: Sql | None = None
        if after is not None:
            # Opened here, as the general path opens it: a cursor not of ours, or of another
            # order, is refused before anything is read (DomainError: the general path words it).
            opened, values = open_cursor(after)
            if len(values) != len(relation.order):
                raise ValidationFailed.one("after", FieldErrorCode.INVALID, INVALID)
            keys = [SortKey(k.on(a), k.descending, k.cast, k.field) for k in relation.order]
            resume = after_condition(keys, values)
            # Whether it is of this parent's list is known per parent row only: in SQL.
            belongs = Sql(f"{CHILD_IDENTITY.format(parent=parent)} = %s::bytea", lists.identity, opened)
        page = Page(a, limit, after is not None, total)
        index = self.cursors.add(lists)
        placeholder = self.cursors.placeholder(
            index, f"{parent}.id", [cursor_value(k.on(a), k.cast) for k in relation.order]
        )
        body, cursors = self.connection(target, page, sub)
        order = order_of(relation.order, a)
        inner = (
            Sql(f"(SELECT {a}.*, row_number() OVER (ORDER BY {order}) AS _rn")
            + ((Sql(", ") + placeholder + Sql(" AS _cur")) if cursors else Sql(""))
            + rows_of(a, resume)
            + Sql(f" ORDER BY {order} LIMIT {limit + 1}) {a}")
        )
        # One row even when the selection aggregates nothing (totalCount alone).
        built = Sql("(SELECT ") + body + Sql(" FROM ") + inner + Sql(" GROUP BY ())")
        if belongs is None:
            return built
        # A cursor of another parent's list: the answer is marked refused, and the general path
        # answers the request (with its error on each list refused).
        return (
            Sql("(CASE WHEN ") + belongs + Sql(" THEN ") + built + Sql(" ELSE ") + self.cursors.refusal() + Sql(" END)")
        )

    def connection(self, target: Entity, page: Page, details: FieldDetailsList) -> tuple[Sql, bool]:
        """The aggregate building a connection over ``page``'s rows, and whether it uses their
        cursors."""
        a, limit = page.alias, page.limit
        kept = f"FILTER (WHERE {a}._rn <= {limit})"
        uses_cursors = False
        parts: list[tuple[str, Sql]] = []
        type_name = f"{target.name}Connection"
        for key, name, sub in self.subfields(type_name, details):
            if name == "__typename":
                parts.append((key, Sql(f"'{type_name}'")))
            elif name == "totalCount":
                parts.append((key, page.total()))
            elif name == "nodes":
                node = self.entity(target, a, sub)
                parts.append((key, Sql("coalesce(json_agg(") + node + Sql(f" ORDER BY {a}._rn) {kept}, '[]'::json)")))
            elif name == "edges":
                edge = []
                for edge_key, edge_name, edge_sub in self.subfields(f"{target.name}Edge", sub):
                    if edge_name == "__typename":
                        edge.append((edge_key, Sql(f"'{target.name}Edge'")))
                    elif edge_name == "cursor":
                        uses_cursors = True
                        edge.append((edge_key, Sql(f"{a}._cur")))
                    elif edge_name == "node":
                        edge.append((edge_key, self.entity(target, a, edge_sub)))
                    else:
                        raise Unsupported(f"{target.name}Edge.{edge_name}")
                agg = Sql("coalesce(json_agg(") + build_object(edge) + Sql(f" ORDER BY {a}._rn) {kept}, '[]'::json)")
                parts.append((key, agg))
            elif name == "pageInfo":
                info = []
                for info_key, info_name, _ in self.subfields("PageInfo", sub):
                    if info_name not in PAGE_INFO:
                        raise Unsupported(f"PageInfo.{info_name}")
                    if info_name in ("startCursor", "endCursor"):
                        uses_cursors = True
                    direction = "DESC" if info_name == "endCursor" else "ASC"
                    info.append(
                        (
                            info_key,
                            Sql(
                                {
                                    "__typename": "'PageInfo'",
                                    "hasNextPage": f"count(*) > {limit}",
                                    "hasPreviousPage": "true" if page.has_previous else "false",
                                    "startCursor": f"(array_agg({a}._cur ORDER BY {a}._rn {direction}) {kept})[1]",
                                    "endCursor": f"(array_agg({a}._cur ORDER BY {a}._rn {direction}) {kept})[1]",
                                }[info_name]
                            ),
                        )
                    )
                parts.append((key, build_object(info)))
            else:
                raise Unsupported(f"{type_name}.{name}")
        return build_object(parts), uses_cursors


# --- fields computed from the row and the caller -----------------------------------------------

_TEXT_TYPES = tuple(
    t.value
    for t in CustomFieldType
    if t
    not in {
        CustomFieldType.NUMBER,
        CustomFieldType.DECIMAL,
        CustomFieldType.DATE,
        CustomFieldType.BOOLEAN,
        CustomFieldType.MULTI_SELECT,
    }
)


def _in(expr: str, values: tuple[str, ...]) -> str:
    return f"{expr} IN ({', '.join(repr(v) for v in values)})"


def _custom_fields(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    """The customer's values in the company's custom fields (archived ones aside), in display
    order; a contact-type field withheld from the caller is listed, value-less, whether or not
    the customer has a value (as ``schema.custom_values.custom_field_values`` lists them)."""
    f = compiler.alias()
    masked = _in(f"{f}.type", tuple(t.value for t in CONTACT_FIELD_TYPES)) if compiler.hidden else "false"
    value = f"(CASE WHEN {masked} THEN NULL ELSE {alias}.custom_fields -> {f}.key END)"
    text = f"({value} #>> '{{}}')"
    number = f"({text})::float8"
    typed = {
        "__typename": "'CustomFieldValue'",
        "key": f"{f}.key",
        "label": f"{f}.label",
        "type": enum_name(f"{f}.type", CustomFieldType),
        "value": value,
        "hidden": f"({masked})",
        "text": f"CASE WHEN {_in(f'{f}.type', _TEXT_TYPES)} THEN {text} END",
        # As Python writes a float: an integral one with ".0".
        "number": f"CASE WHEN {f}.type = 'number' AND {value} IS NOT NULL THEN (CASE WHEN {number} = trunc({number}) "
        f"AND abs({number}) < 1e15 THEN (trunc({number})::bigint::text || '.0') ELSE ({number})::text END)::json END",
        "decimal": f"CASE WHEN {f}.type = 'decimal' THEN {text} END",
        "date": f"CASE WHEN {f}.type = 'date' THEN {text} END",
        "boolean": f"CASE WHEN {f}.type = 'boolean' THEN {value} END",
        "choices": f"CASE WHEN {f}.type = 'multi_select' THEN {value} END",
    }
    parts = []
    for key, name, _ in compiler.subfields("CustomFieldValue", details):
        if name not in typed:
            raise Unsupported(f"CustomFieldValue.{name}")
        parts.append((key, Sql(typed[name])))
    return (
        Sql("(SELECT coalesce(json_agg(")
        + build_object(parts)
        + Sql(
            f" ORDER BY {f}.position, {f}.key), '[]'::json) FROM custom_field {f} WHERE {f}.tenant_id = {alias}.tenant_id "
            f"AND NOT {f}.archived AND (({value} IS NOT NULL AND jsonb_typeof({value}) <> 'null') OR {masked}))"
        )
    )


def _saved_sort(alias: str) -> Sql:
    """A saved list's order as CustomerSort takes it, null for the default (as
    ``schema.saved_filters.SavedFilter.sort`` renders it)."""
    sort = f"{alias}.sort"
    return Sql(
        f"(CASE WHEN {sort} IS NULL OR jsonb_typeof({sort}) = 'null' OR {sort} = '{{}}'::jsonb THEN NULL "
        f"ELSE json_build_object('field', upper({sort} ->> 'field'), 'direction', "
        f"CASE WHEN ({sort} ->> 'descending')::boolean THEN 'DESC' ELSE 'ASC' END) END)"
    )


COMPUTED: dict[tuple[str, str], Callable[[Compiler, str, FieldDetailsList], Sql]] = {
    ("Customer", "contactHidden"): lambda c, alias, _: Sql("true" if c.hidden else "false"),
    ("Customer", "customFields"): _custom_fields,
    ("CustomField", "options"): lambda c, a, _: Sql(
        f"(CASE WHEN {a}.options IS NULL OR jsonb_typeof({a}.options) = 'null' THEN '[]'::jsonb ELSE {a}.options END)"
    ),
    ("SavedFilter", "sort"): lambda c, a, _: _saved_sort(a),
    ("Task", "overdue"): lambda c, a, _: Sql(
        f"({a}.status = 'open' AND {a}.due_at IS NOT NULL AND {a}.due_at < now())"
    ),
}
