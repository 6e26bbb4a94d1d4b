"""The compiled read path: a query over compiled types becomes one SQL statement whose result is
the JSON of ``data``, built by PostgreSQL; Python passes its bytes through.

Roots: ``customers`` (every argument, through ``resolvers.customer_reads.plan_list``, so the rows,
their order and their cursors are the general path's), ``customer(id)``, ``node(id)`` on the
described kinds, ``myTasks`` (through ``resolvers.tasks.plan_my_tasks``) and ``savedFilters``
(the caller's lists read first, each list's ``customers`` planned as ``plan_list`` applies it).
Any other root, any field the compiler does not know, a mutation, a caller
without the root field's permission or with arguments the list refuses: the general executor runs
the whole request (and answers the error, if any, as it always does). A debug log names the
field that sent a request there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLField, located_error
from graphql.execution.collect_fields import FieldDetailsList, collect_fields
from graphql.language import OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.utils.await_maybe import await_maybe

from authz.access import Access
from authz.errors import Forbidden, Unauthenticated
from authz.masking import contact_hidden
from authz.rows import ROW_RULES, visible_rows
from models.db import fetchval
from models.descriptors import ENTITIES
from models.sql import FALSE, Sql, and_, join
from resolvers import customer_reads
from resolvers import saved_filters as filter_ops
from resolvers import tasks as task_ops
from resolvers.customer_filters import read_ahead
from resolvers.errors import DomainError
from resolvers.pagination import SortKey
from schema.compile import history as history_sql
from schema.compile.cache import CompiledCache
from schema.compile.compiler import Compiler, Page, Unsupported, build_object
from schema.compile.later_segments import segment_rows, standalone
from schema.compile.repeats import REPEATS, Key
from schema.compile.sealing import CursorLists
from schema.compile.values import cursor_value
from schema.customers import list_arguments
from schema.node import from_global_id, parse_id
from schema.permissions import Requires

log = logging.getLogger("crm.graphql")

# Off in the differential test to make the general executor answer everything.
ENABLED = True

# Kinds ``node(id)`` answers here: their general builder renders the located row as it is.
NODE_KINDS = frozenset(
    {
        "Customer",
        "Note",
        "Task",
        "Appointment",
        "Purchase",
        "Contract",
        "Conversation",
        "Message",
        "Tag",
        "Team",
        "User",
        "SavedFilter",
        "MessageTemplate",
        "CustomField",
        "HistoryEntry",
        "Merge",
    }
)


class ListRefused(Exception):
    """A nested list was given a cursor of another parent's list: the general path answers."""


@dataclass
class CompiledQuery:
    sql: Sql | None  # None: nothing to read (``{ __typename }``), ``data`` is ``constant``
    cursors: CursorLists
    first_key: str
    first_details: FieldDetailsList
    constant: dict[str, Any] | None = None


Root = Callable[["Roots", str, GraphQLField, FieldDetailsList], Awaitable[Sql]]


@dataclass
class Roots:
    compiler: Compiler
    context: StrawberryGraphQLCoreExecutionContext
    # Planned without reading the database (see schema/compile/cache.py).
    cacheable: bool = True

    @property
    def access(self) -> Access:
        return self.compiler.access

    def python_arguments(self, graphql_field: GraphQLField, details: FieldDetailsList) -> dict[str, Any]:
        """The field's arguments as its resolver would get them (coerced, then Strawberry's types)."""
        definition = graphql_field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        raw = self.compiler.arguments("Query", graphql_field_name(details), details)
        strawberry_schema = self.context.schema._strawberry_schema  # type: ignore[attr-defined]
        return convert_arguments(
            raw,
            definition.arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )

    async def customers(self, key: str, graphql_field: GraphQLField, details: FieldDetailsList) -> Sql:
        arguments = self.python_arguments(graphql_field, details)
        if arguments.get("filter") is not None:
            self.cacheable = False  # a filter's tags, teams and fields are read while planning
        plan = await customer_reads.plan_list(self.access, **list_arguments(**arguments))
        return customer_list(self.compiler, plan, details)

    async def saved_filters(self, key: str, graphql_field: GraphQLField, details: FieldDetailsList) -> Sql:
        """The caller's saved lists, read here first (one statement), then built in the one
        statement with each list's customers planned as that list applies them."""
        compiler = self.compiler
        self.cacheable = False  # the lists (and their filters) are read while planning
        rows = await filter_ops.list_filters(self.access)
        lists = []
        wanted = any(name == "customers" for _, name, _ in compiler.subfields("SavedFilter", details))
        async with read_ahead(self.access.principal.tenant_id, [r["conditions"] for r in rows] if wanted else []):
            for n, row in enumerate(rows):
                lists.append(await self._saved_list(n, row, details))
        if not lists:
            return Sql("'[]'::json")
        return (
            Sql("(SELECT coalesce(json_agg(s.v ORDER BY s.n), '[]'::json) FROM (VALUES ")
            + join(", ", lists)
            + Sql(") s(n, v) WHERE s.v IS NOT NULL)")
        )

    async def _saved_list(self, n: int, row: dict[str, Any], details: FieldDetailsList) -> Sql:
        """``(n, the list's JSON)``: each ``customers`` under it (several, aliased, each with its
        own page) planned as the list applies it."""
        compiler = self.compiler
        compiler.planned = {}
        for _, name, sub in compiler.subfields("SavedFilter", details):
            if name == "customers":
                page = compiler.arguments("SavedFilter", "customers", sub)
                plan = await customer_reads.plan_list(
                    self.access, first=page.get("first"), after=page.get("after"), **filter_ops.applied(row)
                )
                compiler.planned[id(sub[0].node)] = customer_list(compiler, plan, sub)
        built = (
            Sql(f"({n}, (SELECT ")
            + compiler.entity(ENTITIES["SavedFilter"], "x", details)
            + Sql(" FROM saved_filter x WHERE x.id = %s AND ", row["id"])
            + visible_rows(self.access, "SavedFilter", "x")
            + Sql("))")
        )
        compiler.planned = {}
        return built

    async def my_tasks(self, key: str, graphql_field: GraphQLField, details: FieldDetailsList) -> Sql:
        compiler = self.compiler
        arguments = self.python_arguments(graphql_field, details)
        plan = task_ops.plan_my_tasks(self.access, **arguments)
        where = plan.where
        page = Page(
            "k", plan.limit, arguments.get("after") is not None,
            lambda: Sql(f"(SELECT count(*) FROM {task_ops.MY_TASKS_FROM} WHERE ") + where + Sql(")"),
        )  # fmt: skip
        body, uses_cursors = compiler.connection(ENTITIES["Task"], page, details)
        order = ", ".join(f"{k.expr} {'DESC' if k.descending else 'ASC'}" for k in task_ops.MY_ORDER)
        cursor = Sql("")
        if uses_cursors:
            index = compiler.cursors.add(plan.cursors)
            values = [cursor_value(k.expr, k.cast) for k in task_ops.MY_ORDER]
            cursor = Sql(", ") + compiler.cursors.placeholder(index, None, values) + Sql(" AS _cur")
        rows = (
            Sql(f"(SELECT k.*, row_number() OVER (ORDER BY {order}) AS _rn")
            + cursor
            + Sql(f" FROM {task_ops.MY_TASKS_FROM} WHERE ")
            + plan.page_where
            + Sql(f" ORDER BY {order} LIMIT {plan.limit + 1}) k")
        )
        return Sql("(SELECT ") + body + Sql(" FROM ") + rows + Sql(" GROUP BY ())")

    async def customer(self, key: str, graphql_field: GraphQLField, details: FieldDetailsList) -> Sql:
        pk = parse_id(self.compiler.arguments("Query", "customer", details)["id"], "Customer")
        if pk is None:
            return Sql("NULL")
        # A merged-away customer's id answers the customer it was merged into.
        return (
            Sql("(SELECT ")
            + self.compiler.entity(ENTITIES["Customer"], "c", details)
            + Sql(
                " FROM customer c WHERE c.id = (SELECT coalesce(m.merged_into_id, m.id) FROM customer m "
                "WHERE m.id = %s AND m.tenant_id = %s) AND ",
                pk,
                self.access.principal.tenant_id,
            )
            + visible_rows(self.access, "Customer", "c")
            + Sql(")")
        )

    async def node(self, key: str, graphql_field: GraphQLField, details: FieldDetailsList) -> Sql:
        parsed = from_global_id(self.compiler.arguments("Query", "node", details)["id"])
        if parsed is None:
            return Sql("NULL")
        kind, pk = parsed
        if kind not in ROW_RULES:
            return Sql("NULL")  # as the general path answers an id of no kind it knows
        if kind not in NODE_KINDS:
            raise Unsupported(f"node on {kind}")
        entity = ENTITIES[kind]
        rule = visible_rows(self.access, kind, "x")
        if rule is FALSE:
            return Sql("NULL")
        narrow = history_sql.NODE_NARROW.get(kind)
        if narrow is not None:
            rule = and_(rule, narrow(self.compiler, "x"))
        node = self.compiler.entity(entity, "x", details)
        follows = ROW_RULES[kind].follows
        if follows is None:
            return Sql("(SELECT ") + node + Sql(f" FROM {entity.table} x WHERE x.id = %s AND ", pk) + rule + Sql(")")
        return (
            Sql("(SELECT ")
            + node
            + Sql(
                f" FROM {entity.table} asked JOIN {entity.table} x ON x.id = coalesce(asked.{follows}, asked.id) "
                "AND x.tenant_id = asked.tenant_id WHERE asked.id = %s AND asked.tenant_id = %s AND ",
                pk,
                self.access.principal.tenant_id,
            )
            + rule
            + Sql(")")
        )


def customer_list(compiler: Compiler, plan: customer_reads.ListPlan, details: FieldDetailsList) -> Sql:
    """A page of customers as ``plan`` reads it (the root list, a saved list's), as a connection."""
    customer = ENTITIES["Customer"]
    where = plan.where
    page = Page("c", plan.limit, plan.after, lambda: Sql("(SELECT count(*) FROM customer c WHERE ") + where + Sql(")"))
    body, uses_cursors = compiler.connection(customer, page, details)
    index = compiler.cursors.add(plan.cursors) if uses_cursors else -1
    pages = plan.pages()
    if any(k.params for _, _, keys in pages for k in keys):
        raise Unsupported("customers (a parameterised order)")

    def order_of(keys: tuple[SortKey, ...]) -> str:
        return ", ".join(f"{k.expr} {'DESC' if k.descending else 'ASC'}" for k in keys)

    def cursor_of(segment: str | None, keys: tuple[SortKey, ...]) -> Sql | None:
        if not uses_cursors:
            return None
        values = ([segment] if segment is not None else []) + [cursor_value(k.expr, k.cast) for k in keys]
        return compiler.cursors.placeholder(index, None, values)

    selects = []
    # Segments past the second are planned only if the page needs them (schema/compile/later_segments.py).
    later = pages[2:]
    queries: list[str] | None = None
    args: list[Any] = []
    if later and all(keys == later[0][2] for _, _, keys in later):
        texts = [
            standalone(
                Sql(f"SELECT c, {segment}, row_number() OVER (ORDER BY {order_of(keys)}) FROM customer c WHERE ")
                + condition
                + Sql(f" ORDER BY {order_of(keys)} LIMIT {plan.limit + 1}"),
                args,
            )
            for segment, condition, keys in later
        ]
        if all(t is not None for t in texts):
            queries = [t for t in texts if t is not None]
            pages = pages[:2]
    for segment, condition, keys in pages:
        order = order_of(keys)
        cursor = cursor_of(str(segment) if segment is not None else None, keys)
        selects.append(
            Sql(f"(SELECT c.*, {segment or 0} AS _seg, row_number() OVER (ORDER BY {order}) AS _r")
            + (Sql(", ") + cursor + Sql(" AS _cur") if cursor is not None else Sql(""))
            + Sql(" FROM customer c WHERE ")
            + condition
            + Sql(f" ORDER BY {order} LIMIT {plan.limit + 1})")
        )
    if queries is not None:
        selects.append(segment_rows(queries, args, plan.limit + 1, cursor_of("c._seg", later[0][2])))
    if len(selects) == 1:
        rows = selects[0].wrap("(SELECT p.*, p._r AS _rn FROM ", " p) c")
    else:
        # Segments one after the other, as the general path walks them: Append reads its
        # children in order and the limit stops it once the page is full, so a later segment
        # (a slow "contains" scan) runs only when the earlier ones leave room. No ORDER BY on
        # top: a sort would run every segment to its end.
        rows = (
            Sql("(SELECT p.*, row_number() OVER () AS _rn FROM (")
            + join(" UNION ALL ", selects)
            + Sql(f") p LIMIT {plan.limit + 1}) c")
        )
    return Sql("(SELECT ") + body + Sql(" FROM ") + rows + Sql(" GROUP BY ())")


def graphql_field_name(details: FieldDetailsList) -> str:
    return details[0].node.name.value


ROOTS: dict[str, Root] = {
    "customers": Roots.customers,
    "customer": Roots.customer,
    "node": Roots.node,
    "myTasks": Roots.my_tasks,
    "savedFilters": Roots.saved_filters,
}


def _allowed(access: Access, graphql_field: GraphQLField) -> bool:
    """The root field's own ``Requires`` declaration decides, as on the general path."""
    definition = graphql_field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    declared = [e for e in definition.extensions if isinstance(e, Requires)]
    return bool(declared) and all(e.public or all(access.can(p) for p in e.permissions) for e in declared)


COMPILED = CompiledCache()


async def compile_operation(context: StrawberryGraphQLCoreExecutionContext, access: Access) -> CompiledQuery:
    key = CompiledCache.key(context.operation, context.variable_values.coerced, access)
    if key is not None:
        cached = COMPILED.get(key, context.operation)
        if cached is not None:
            REPEATS.remember(cached)
            return cached
    roots, query = await _compile(context, access)
    if key is not None and roots.cacheable:
        COMPILED.put(key, context.operation, query)
        REPEATS.remember(query)
    return query


async def answer_repeat(key: Key) -> Any:
    """The ``data`` of a request answered here before (schema/compile/repeats.py), or None: not
    seen, or its statement failed (the whole pipeline then runs it again and reports the error)."""
    if not ENABLED:
        return None
    query = REPEATS.get(key)
    if query is None:
        return None
    try:
        return await _data(query)
    except Exception:
        REPEATS.forget(key)
        log.debug("a repeated request's statement failed; the pipeline runs it", exc_info=True)
        return None


async def _data(query: CompiledQuery) -> Any:
    if query.sql is None:
        return query.constant
    body = await fetchval(query.sql)
    if query.cursors.refused(body):
        raise ListRefused
    # The JSON of ``data`` as PostgreSQL wrote it: orjson writes a Fragment's bytes as they are.
    return orjson.Fragment(query.cursors.seal(body))


async def _compile(context: StrawberryGraphQLCoreExecutionContext, access: Access) -> tuple[Roots, CompiledQuery]:
    schema = context.schema
    query_type = schema.query_type
    assert query_type is not None
    compiler = Compiler(
        schema, context.fragments, context.variable_values, context.operation, access, contact_hidden(access)
    )
    roots = Roots(compiler, context)
    collected = collect_fields(schema, context.fragments, context.variable_values, query_type, context.operation)
    if collected.new_defer_usages:
        raise Unsupported("@defer")
    parts: list[tuple[str, Sql]] = []
    reads = False
    for key, details in collected.grouped_field_set.items():
        name = graphql_field_name(details)
        if name == "__typename":
            parts.append((key, Sql("'Query'")))
            continue
        reads = True
        build = ROOTS.get(name)
        if build is None:
            raise Unsupported(f"Query.{name}")
        graphql_field = query_type.fields[name]
        if not _allowed(access, graphql_field):
            raise Unsupported(f"Query.{name} (not allowed: the general path refuses it)")
        parts.append((key, await build(roots, key, graphql_field, details)))
    if not parts:
        raise Unsupported("an empty operation")
    first_key, first_details = next(iter(collected.grouped_field_set.items()))
    if not reads:
        constant = dict.fromkeys(collected.grouped_field_set, "Query")
        return roots, CompiledQuery(None, compiler.cursors, first_key, first_details, constant)
    statement = Sql("SELECT convert_to(") + build_object(parts) + Sql("::text, 'UTF8')")
    return roots, CompiledQuery(statement, compiler.cursors, first_key, first_details)


class CompiledExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Runs a query the compiler covers as one statement, anything else as usual."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        if not ENABLED or self.operation.operation is not OperationType.QUERY:
            return super().execute_operation(serially)
        access = getattr(self.context_value, "_access", None)
        if access is None or not access.authenticated:
            return super().execute_operation(serially)  # the general executor answers UNAUTHENTICATED
        return self._compiled(access, serially)

    async def _compiled(self, access: Access, serially: bool | None) -> Any:
        try:
            query = await compile_operation(self, access)
        except Unsupported as exc:
            log.debug("general executor: the compiler does not know %s", exc.where)
            return await await_maybe(super().execute_operation(serially))
        except (Unauthenticated, Forbidden, DomainError):
            # Refused arguments (a page size, a cursor, an id): the general path words the error.
            return await await_maybe(super().execute_operation(serially))
        except Exception:
            # Never worth failing a request over: the general path answers (or reports, masked).
            log.warning("the compiler failed on an operation; the general executor runs it", exc_info=True)
            return await await_maybe(super().execute_operation(serially))
        try:
            data = await _data(query)
        except ListRefused:
            log.debug("general executor: a nested list refused its cursor")
            return await await_maybe(super().execute_operation(serially))
        except Exception as exc:
            # Reported (and masked, or answered as TIMEOUT) as the general path reports a resolver's error.
            error = located_error(exc, [d.node for d in query.first_details], [query.first_key])
            return ExecutionResult(data=None, errors=[error])
        return ExecutionResult(data=data, errors=None)
