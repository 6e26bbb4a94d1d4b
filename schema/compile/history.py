"""History entries, merges and the customer's timeline on the compiled read path.

An entry is masked and rendered in SQL from the same tables ``resolvers.history.present`` and
``schema.history_names.details`` read: ``CHANGE_RULES`` (which changes are withheld),
``NAMED_CUSTOMERS`` (which keys name other customers, and how they are cut), ``NOT_DETAILS``,
``DETAILS`` (how a detail is shown) and the Customer descriptor's names and enums. A rule changed
there changes both paths; the differential test holds them to the same answers.

The timeline is the general path's ``resolvers.timeline.TIMELINE`` list (its source, order and
cursors), each row built as its own type. Its ``after`` is compiled as the other nested lists'
(``Compiler.child_connection``): whether the cursor is of each parent's list is checked in SQL, and
a cursor of another parent's list sends the request to the general path, which words the error.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from graphql.execution.collect_fields import FieldDetailsList

from authz.access import Access
from authz.rows import visible_rows
from models.descriptors import ENTITIES
from models.sql import FALSE, Sql, join
from resolvers import history
from resolvers import merge as merge_ops
from resolvers import timeline as timeline_ops
from resolvers.cursors import INVALID, ListCursors, open_cursor
from resolvers.errors import FieldErrorCode, ValidationFailed
from resolvers.history import CHANGE_RULES, CUSTOM_SOURCE, NAMED_CUSTOMERS, EventKind, Shape
from resolvers.pagination import after_condition, page_size
from schema import history_names as names
from schema.compile.compiler import COMPUTED, Compiler, Page, Unsupported, build_object
from schema.compile.sealing import CHILD_IDENTITY
from schema.compile.values import cursor_value, enum_name, global_id

NULL = "'null'::jsonb"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _array(values: Any) -> str:
    return "ARRAY[" + ", ".join(_lit(v) for v in sorted(values)) + "]::text[]" if values else "ARRAY[]::text[]"


def _uuid(value: str) -> str:
    """The id a jsonb value names (``history.as_uuid``), else NULL."""
    text = f"({value} #>> '{{}}')"
    return f"(CASE WHEN jsonb_typeof({value}) = 'string' AND {text} ~ {_lit(history.UUID_TEXT)} THEN {text}::uuid END)"


def _gid(type_name: str, value: str) -> str:
    """``history_names.global_id``: a global id when the value is an id, else the value."""
    pk = _uuid(value)
    return f"(CASE WHEN {pk} IS NULL THEN {value} ELSE to_jsonb({global_id(type_name, pk)}) END)"


def _object(value: str) -> str:
    return f"(CASE WHEN jsonb_typeof({value}) = 'object' THEN {value} ELSE '{{}}'::jsonb END)"


def _list(value: str) -> str:
    return f"(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} ELSE '[]'::jsonb END)"


class Entry:
    """SQL over one entry row (``customer_event`` as ``e``) for one caller."""

    def __init__(self, compiler: Compiler, e: str) -> None:
        self.compiler, self.e = compiler, e

    def readable(self, pk: str) -> Sql:
        return history.readable_customer(self.compiler.access, Sql(f"{self.e}.tenant_id"), Sql(pk))

    def readable_value(self, value: str) -> Sql:
        return self.readable(_uuid(value))

    # --- which changes are withheld (CHANGE_RULES) --------------------------------------------

    def from_hidden_customer(self, field: str) -> Sql:
        """A value a merge took from a customer the caller may not read (``present``)."""
        e = self.e
        sources = f"nullif({e}.data->'{history.SOURCES}', {NULL})"
        source = f"nullif({sources}->{field}, {NULL})"
        unreadable_duplicate = (
            Sql(
                f"EXISTS (SELECT 1 FROM jsonb_array_elements({_list(f'{e}.data->' + _lit('duplicates'))}) hd(d) WHERE NOT "
            )
            + self.readable_value("hd.d->'id'")
            + Sql(")")
        )
        return (
            Sql(f"({e}.kind = {_lit(CHANGE_RULES.sourced_kind.value)} AND CASE WHEN {sources} IS NULL THEN ")
            + unreadable_duplicate
            + Sql(f" ELSE {source} IS NOT NULL AND NOT ")
            + self.readable_value(source)
            + Sql(" END)")
        )

    def custom_hidden(self, field_type: str) -> str:
        if not self.compiler.hidden:
            return "false"
        return f"NOT coalesce({field_type} = ANY({_array(CHANGE_RULES.plain_custom_types)}), false)"

    def column_withheld(self, column: str, before: str, after: str) -> Sql:
        terms = [self.from_hidden_customer(column)]
        if self.compiler.hidden:
            terms.append(Sql(f"{column} = ANY({_array(CHANGE_RULES.contact_columns)})"))
        for side in (before, after):
            value = f"nullif({side}, {NULL})"
            terms.append(
                Sql(f"({column} = ANY({_array(CHANGE_RULES.customer_columns)}) AND {value} IS NOT NULL AND NOT ")
                + self.readable_value(value)
                + Sql(")")
            )
        return join(" OR ", terms).wrap("(", ")")

    # --- changes, as FieldChange ------------------------------------------------------------

    def changes(self) -> Sql:
        """The rows (g, n, k, field, before, after) of the changes shown, in ``present``'s order."""
        e = self.e
        selects = []
        for g, key in enumerate(history.CHANGE_KEYS):
            pairs = f"jsonb_each({_object(f'{e}.data->{_lit(key)}')}) WITH ORDINALITY hx(col, pair, n)"
            before, after = "hx.pair->0", "hx.pair->1"
            selects.append(
                Sql(
                    f"SELECT {g} AS g, hx.n, '' AS k, hx.col AS field, {before} AS before, {after} AS after FROM {pairs} "
                )
                + Sql("WHERE hx.col <> 'custom_fields' AND NOT ")
                + self.column_withheld("hx.col", before, after)
            )
            old, new = f"nullif({_object(before)}->hk.k, {NULL})", f"nullif({_object(after)}->hk.k, {NULL})"
            field = f"({_lit(CUSTOM_SOURCE)} || hk.k)"
            selects.append(
                Sql(
                    f"SELECT {g}, hx.n, hk.k, {field}, {old}, {new} FROM {pairs} "
                    f"CROSS JOIN LATERAL jsonb_object_keys({_object(before)} || {_object(after)}) hk(k) "
                    f"WHERE hx.col = 'custom_fields' AND {old} IS DISTINCT FROM {new} "
                    f"AND NOT {self.custom_hidden(f'{e}.data->{_lit(history.CUSTOM_TYPES)}->>hk.k')} AND NOT "
                )
                + self.from_hidden_customer(field)
            )
        field_key = f"{e}.data->'field'"
        field_text = (
            f"(CASE jsonb_typeof({field_key}) WHEN 'string' THEN {field_key} #>> '{{}}' WHEN 'null' THEN 'None' "
            f"ELSE coalesce(({field_key})::text, 'None') END)"
        )
        selects.append(
            Sql(
                f"SELECT {len(history.CHANGE_KEYS)}, 0, '', {_lit(CUSTOM_SOURCE)} || {field_text}, {e}.data->'removed', NULL "
                f"WHERE {e}.kind = {_lit(EventKind.CUSTOM_FIELD_DELETED.value)} AND {e}.data ? 'removed' "
                f"AND NOT {self.custom_hidden(f'({e}.data->>{_lit(history.FIELD_TYPE)})')}"
            )
        )
        return join(" UNION ALL ", selects)

    def field_changes(self, details: FieldDetailsList) -> Sql:
        c = "hf"
        parts = []
        for key, name, _ in self.compiler.subfields("FieldChange", details):
            if name == "__typename":
                parts.append((key, Sql("'FieldChange'")))
            elif name == "field":
                parts.append((key, Sql(field_name(f"{c}.field"))))
            elif name in ("before", "after"):
                parts.append((key, field_value(f"{c}.field", f"{c}.{name}", self.compiler.access)))
            elif name == "hidden":
                parts.append((key, Sql("false")))
            else:
                raise Unsupported(f"FieldChange.{name}")
        return (
            Sql("(SELECT coalesce(json_agg(")
            + build_object(parts)
            + Sql(f" ORDER BY {c}.g, {c}.n, {c}.k COLLATE \"C\"), '[]'::json) FROM (")
            + self.changes()
            + Sql(f") {c})")
        )

    # --- details --------------------------------------------------------------------------------

    def masked_data(self) -> Sql:
        """The entry's data as ``present`` leaves it for its details."""
        e = self.e
        dropped = f"{e}.data - {_array(history.NOT_DETAILS)}"
        dropped = (
            f"(CASE WHEN {e}.kind = {_lit(EventKind.CUSTOM_FIELD_DELETED.value)} THEN {dropped} - 'removed' "
            f"ELSE {dropped} END)"
        )
        cases = []
        for kind, keys in NAMED_CUSTOMERS.items():
            parts = [Sql(dropped)]
            for key, shape in keys:
                value = f"({e}.data->{_lit(key)})"
                parts.append(Sql(f" || jsonb_build_object({_lit(key)}, "))
                if shape is Shape.REF:
                    parts += [
                        Sql("CASE WHEN "),
                        self.readable_value(f"{value}->'id'"),
                        Sql(f" THEN {value} ELSE {NULL} END"),
                    ]
                elif shape is Shape.ID:
                    parts += [Sql("CASE WHEN "), self.readable_value(value), Sql(f" THEN {value} ELSE {NULL} END")]
                else:
                    item = "hm.v->'id'" if shape is Shape.REFS else "hm.v"
                    parts += [
                        Sql(
                            f"(SELECT coalesce(jsonb_agg(hm.v ORDER BY hm.n), '[]'::jsonb) FROM "
                            f"jsonb_array_elements({_list(value)}) WITH ORDINALITY hm(v, n) WHERE "
                        ),
                        self.readable_value(item),
                        Sql(")"),
                    ]
                parts.append(Sql(")"))
            cases.append(Sql(f" WHEN {_lit(kind.value)} THEN ") + join("", parts))
        return Sql(f"(CASE {e}.kind") + join("", cases) + Sql(f" ELSE {dropped} END)")

    def details(self) -> Sql:
        return (
            Sql(f"(SELECT coalesce(jsonb_object_agg({camel('hd.key')}, {detail_value('hd.key', 'hd.value', self.e)}), ")
            + Sql("'{}'::jsonb) FROM jsonb_each(")
            + self.masked_data()
            + Sql(") hd)")
        )


# --- names and values as the API spells them (schema.history_names) --------------------------


def field_name(field: str) -> str:
    custom = _lit(CUSTOM_SOURCE)
    cases = [f"WHEN {_lit(col)} THEN {_lit(api)}" for col, (api, _) in names.REFERS_TO.items()]
    cases += [
        f"WHEN {_lit(col)} THEN {_lit(api)}"
        for col, api in names.CUSTOMER.api_name_of.items()
        if col not in names.REFERS_TO
    ]
    return (
        f"(CASE WHEN starts_with({field}, {custom}) THEN {_lit(names.CUSTOM)} || substr({field}, {len(CUSTOM_SOURCE) + 1}) "
        f"ELSE CASE {field} {' '.join(cases)} ELSE {field} END END)"
    )


def _enum(value: str, enum: type[Enum]) -> str:
    cases = " ".join(f"WHEN {_lit(m.value)} THEN to_jsonb({_lit(m.name)}::text)" for m in enum)
    return f"(CASE WHEN jsonb_typeof({value}) = 'string' THEN CASE {value} #>> '{{}}' {cases} ELSE {value} END ELSE {value} END)"


def _named(type_name: str, value: str, access: Access) -> Sql:
    """``history_names.field_value`` of a NAMED reference: ``{id, name}``, the name as the caller may see its row."""
    pk = _uuid(value)
    table = ENTITIES[type_name].table
    return (
        Sql(
            f"(CASE WHEN {pk} IS NULL THEN {value} ELSE jsonb_build_object('id', to_jsonb({global_id(type_name, pk)}), "
            f"'name', (SELECT to_jsonb(hu.name) FROM {table} hu WHERE hu.id = {pk} AND "
        )
        + visible_rows(access, type_name, "hu")
        + Sql(")) END)")
    )


def field_value(field: str, value: str, access: Access) -> Sql:
    cases = [
        Sql(f"WHEN {_lit(col)} THEN ") + _named(type_name, value, access)
        if col in names.NAMED
        else Sql(f"WHEN {_lit(col)} THEN {_gid(type_name, value)}")
        for col, (_, type_name) in names.REFERS_TO.items()
    ]
    cases += [
        Sql(f"WHEN {_lit(col)} THEN {_enum(value, column.enum)}")
        for col, column in names.COLUMNS.items()
        if column.enum is not None and col not in names.REFERS_TO
    ]
    return (
        Sql(f"(CASE WHEN {value} IS NULL OR {value} = {NULL} THEN NULL ELSE CASE {field} ")
        + join(" ", cases)
        + Sql(f" ELSE {value} END END)")
    )


def camel(key: str) -> str:
    """``history_names.camel`` in SQL."""
    return (
        f"(SELECT string_agg(CASE WHEN hp.n = 1 THEN hp.p ELSE upper(left(hp.p, 1)) || substr(hp.p, 2) END, '' "
        f"ORDER BY hp.n) FROM unnest(string_to_array({key}, '_')) WITH ORDINALITY hp(p, n))"
    )


def _ref(type_name: str, value: str) -> str:
    pk = _gid(type_name, f"({value}->'id')")
    return (
        f"(CASE WHEN jsonb_typeof({value}) = 'object' THEN {value} || jsonb_build_object('id', {pk}) ELSE {value} END)"
    )


def _render(rule: names.DetailRule, value: str) -> str:
    render = names.Render
    if rule.render is render.ID:
        return _gid(rule.type_name, value)
    if rule.render is render.REF:
        return _ref(rule.type_name, value)
    if rule.render is render.CUSTOM_KEY:
        return f"(CASE WHEN jsonb_typeof({value}) = 'string' THEN to_jsonb({_lit(names.CUSTOM)} || ({value} #>> '{{}}')) ELSE {value} END)"
    if rule.render is render.MOVED:
        return (
            f"(CASE WHEN jsonb_typeof({value}) = 'object' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', hv.k, "
            f"'count', hv.v) ORDER BY hv.k COLLATE \"C\"), '[]'::jsonb) FROM jsonb_each({value}) hv(k, v)) ELSE {value} END)"
        )
    each = _gid(rule.type_name, "hl.v") if rule.render is render.IDS else _ref(rule.type_name, "hl.v")
    return (
        f"(CASE WHEN jsonb_typeof({value}) = 'array' THEN (SELECT coalesce(jsonb_agg({each} ORDER BY hl.n), '[]'::jsonb) "
        f"FROM jsonb_array_elements({value}) WITH ORDINALITY hl(v, n)) ELSE {value} END)"
    )


def detail_value(key: str, value: str, e: str) -> str:
    cases = []
    for name, rule in names.DETAILS.items():
        only = f" AND {e}.kind = {_lit(rule.kind.value)}" if rule.kind is not None else ""
        cases.append(f"WHEN {key} = {_lit(name)}{only} THEN {_render(rule, value)}")
    return f"(CASE {' '.join(cases)} ELSE {value} END)"


# --- fields -------------------------------------------------------------------------------------


def _changes(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    return Entry(compiler, alias).field_changes(details)


def _details(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    return Entry(compiler, alias).details()


def wholly_withheld(compiler: Compiler, alias: str) -> Sql | None:
    """``node(id)`` on an entry left out of the caller's timeline answers null."""
    return Sql("NOT ") + history.wholly_withheld(alias) if compiler.hidden else None


def _merge_duplicates(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    readable = history.readable_customer(compiler.access, Sql(f"{alias}.tenant_id"), Sql("md.v::uuid"))
    if readable is FALSE:
        return Sql("'[]'::json")
    return (
        Sql(
            f"(SELECT coalesce(json_agg({global_id('Customer', 'md.v::uuid')} ORDER BY md.n), '[]'::json) "
            f"FROM jsonb_array_elements_text({alias}.duplicate_ids) WITH ORDINALITY md(v, n) WHERE "
        )
        + readable
        + Sql(")")
    )


def _moved(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    parts = []
    for key, name, _ in compiler.subfields("MovedRecords", details):
        value = {"__typename": "'MovedRecords'", "kind": "mr.k", "count": "jsonb_array_length(mr.v)"}.get(name)
        if value is None:
            raise Unsupported(f"MovedRecords.{name}")
        parts.append((key, Sql(value)))
    return (
        Sql("(SELECT coalesce(json_agg(")
        + build_object(parts)
        + Sql(f" ORDER BY mr.k COLLATE \"C\"), '[]'::json) FROM jsonb_each({alias}.snapshot->'moved') mr(k, v))")
    )


def _merge_primary(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    """The kept customer, or the one it was merged into since (as ``get_customer`` finds it)."""
    from authz.rows import visible_rows

    a = compiler.alias()
    rule = visible_rows(compiler.access, "Customer", a)
    if rule is FALSE:
        return Sql("NULL")
    return (
        Sql("(SELECT ")
        + compiler.entity(ENTITIES["Customer"], a, details)
        + Sql(
            f" FROM customer {a} WHERE {a}.id = (SELECT coalesce(pm.merged_into_id, pm.id) FROM customer pm "
            f"WHERE pm.id = {alias}.primary_id AND pm.tenant_id = {alias}.tenant_id) AND "
        )
        + rule
        + Sql(")")
    )


def _undoable_until(compiler: Compiler, alias: str, details: FieldDetailsList) -> Sql:
    from schema.compile.values import iso

    seconds = int(merge_ops.UNDO_WINDOW.total_seconds())
    return Sql(iso(f"({alias}.created_at + interval '{seconds} seconds')"))


# --- the timeline -------------------------------------------------------------------------------

# The table each kind of item is read from, and its type.
ITEM_TYPES = {
    timeline_ops.TimelineKind.NOTE: "Note",
    timeline_ops.TimelineKind.TASK: "Task",
    timeline_ops.TimelineKind.CONVERSATION: "Conversation",
    timeline_ops.TimelineKind.APPOINTMENT: "Appointment",
    timeline_ops.TimelineKind.PURCHASE: "Purchase",
    timeline_ops.TimelineKind.HISTORY: "HistoryEntry",
    timeline_ops.TimelineKind.CONTRACT: "Contract",
}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _timeline(compiler: Compiler, parent: str, details: FieldDetailsList) -> Sql:
    arguments = compiler.arguments("Customer", "timeline", details)
    limit = page_size(arguments.get("first"))
    kinds = arguments.get("kinds")
    order = list(timeline_ops.TimelineKind)
    chosen = tuple(sorted({timeline_ops.TimelineKind(_plain(k)) for k in kinds}, key=order.index)) if kinds else None
    listed = timeline_ops.TIMELINE.list((chosen, compiler.hidden))
    keys = timeline_ops.TIMELINE.keys
    ordered = ", ".join(f"{k.expr} {'DESC' if k.descending else 'ASC'}" for k in keys)
    a = compiler.alias()

    lists = ListCursors.of(compiler.access.principal, timeline_ops.TIMELINE.tag, **listed.arguments)
    after = arguments.get("after")
    resume: Sql | None = None
    belongs: Sql | None = None
    if after is not None:
        # As ``Compiler.child_connection``: refused here when not one of ours, per parent in SQL.
        opened, values = open_cursor(after)
        if len(values) != len(keys):
            raise ValidationFailed.one("after", FieldErrorCode.INVALID, INVALID)
        resume = after_condition(keys, values)
        belongs = Sql(f"{CHILD_IDENTITY.format(parent=parent)} = %s::bytea", lists.identity, opened)

    def rows(alias: str, after: Sql | None = None) -> Sql:
        # The list's source is aliased ``t``; its rows are the parent's (visible with it).
        return (
            Sql("(SELECT t.* FROM ")
            + listed.source
            + Sql(f" WHERE t.customer_id = {parent}.id AND t.tenant_id = {parent}.tenant_id")
            + (Sql(" AND ") + after if after is not None else Sql(""))
            + Sql(f") {alias}")
        )

    def total() -> Sql:
        return Sql("(SELECT count(*) FROM ") + rows(compiler.alias()) + Sql(")")

    def node_of(alias: str, sub: FieldDetailsList) -> Sql:
        cases = []
        for kind, type_name in ITEM_TYPES.items():
            entity = ENTITIES[type_name]
            i = compiler.alias()
            cases.append(
                Sql(f" WHEN {_lit(kind.value)} THEN (SELECT ")
                + compiler.entity(entity, i, sub)
                + Sql(f" FROM {entity.table} {i} WHERE {i}.id = {alias}.id AND {i}.tenant_id = {alias}.tenant_id)")
            )
        return Sql(f"(CASE {alias}.kind") + join("", cases) + Sql(" END)")

    index = compiler.cursors.add(lists)
    inner_order = ordered.replace("t.", "s.")
    placeholder = compiler.cursors.placeholder(
        index, f"{parent}.id", [cursor_value(k.expr.replace("t.", "s."), k.cast) for k in keys]
    )
    page = Page(a, limit, after is not None, total)
    body, cursors = compiler.connection(None, page, details, named="Annotated", node_of=node_of)
    inner = (
        Sql(f"(SELECT s.*, row_number() OVER (ORDER BY {inner_order}) AS _rn")
        + ((Sql(", ") + placeholder + Sql(" AS _cur")) if cursors else Sql(""))
        + Sql(" FROM ")
        + rows("s", resume)
        + Sql(f" ORDER BY {inner_order} LIMIT {limit + 1}) {a}")
    )
    built = Sql("(SELECT ") + body + Sql(" FROM ") + inner + Sql(" GROUP BY ())")
    if belongs is None:
        return built
    return (
        Sql("(CASE WHEN ") + belongs + Sql(" THEN ") + built + Sql(" ELSE ") + compiler.cursors.refusal() + Sql(" END)")
    )


COMPUTED.update(
    {
        ("HistoryEntry", "kind"): lambda c, a, _: Sql(enum_name(f"{a}.kind", EventKind)),
        ("HistoryEntry", "changes"): _changes,
        ("HistoryEntry", "details"): _details,
        ("Merge", "duplicateIds"): _merge_duplicates,
        ("Merge", "movedRecords"): _moved,
        ("Merge", "primary"): _merge_primary,
        ("Merge", "undoableUntil"): _undoable_until,
        ("Customer", "timeline"): _timeline,
    }
)

# Conditions ``node(id)`` adds to a kind's row rule.
NODE_NARROW = {"HistoryEntry": wholly_withheld}
