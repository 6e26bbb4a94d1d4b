"""Entity descriptors: each table described once, as the API shows it.

A descriptor lists a table's columns with their API names and kinds, which of them are contact
data (withheld by ``authz.masking``), which the history tracks, and the relations the API walks
(to-one through a column; to-many with their default order, keyset and page size). Column lists,
masking sets, history field names and the compiled read path (``schema/compile``) are derived
from it, so adding a column is a migration, one line here and a test.

Data only: no SQL is built here beyond column lists, and nothing above ``models`` is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

# How a column's value reaches the API (and which GraphQL scalar shows it).
KINDS = frozenset(
    {"id", "uuid", "string", "strings", "int", "float", "bool", "datetime", "date", "decimal", "enum", "json"}
)  # strings: a JSON array of text


@dataclass(frozen=True, slots=True)
class SortBy:
    """How a list is sorted by a column: ``name`` is the sort field's value (``CustomerSortField``
    in lower case), ``expr`` SQL over the row as ``{t}``. An expression that is never NULL sorts
    as it is; one that may be (``empty_last``, a text) puts the rows without a value last in
    either direction."""

    name: str
    expr: str
    cast: str = "text"
    empty_last: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """One column. ``api`` is its GraphQL field name, None for a column the API does not show
    (a normalized twin, a sort key). ``group`` names the nested object it is shown in
    (``address``), with ``api`` the field inside it."""

    api: str | None
    sql: str
    kind: str
    contact: bool = False  # contact data: withheld when the company hides it from the caller
    tracked: bool = False  # its changes are recorded in the customer's history
    nullable: bool = True
    enum: type[StrEnum] | None = None  # stored as the enum's value, shown as its NAME
    group: str | None = None
    empty_is_null: bool = False  # an empty string is shown as null
    sort: SortBy | None = None  # lists may be sorted by it
    merge: str | None = None  # the field a merge takes it under (columns of one field go together)
    filter: str | None = None  # the list filter on it: a time range (datetime) or any of some values (enum)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if (self.kind == "enum") != (self.enum is not None):
            raise ValueError(f"{self.sql}: an enum column names its enum, and only it")
        if self.filter is not None and self.kind not in ("datetime", "enum"):
            raise ValueError(f"{self.sql}: only times and enums are filtered by column")


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One term of a list's order. ``expr`` is SQL over the row as ``{t}`` and never NULL;
    ``field`` names its value in the row (and in the list's cursors), ``cast`` its SQL type."""

    expr: str
    descending: bool
    cast: str
    field: str

    def on(self, alias: str) -> str:
        return self.expr.format(t=alias)


@dataclass(frozen=True, slots=True)
class ToOne:
    """A row of ``target`` named by this table's ``column`` (null when the column is)."""

    api: str
    target: str
    column: str


@dataclass(frozen=True, slots=True)
class ToMany:
    """The rows of ``target`` whose ``fk`` names this row, in ``order`` (whose terms are also the
    keyset its cursors carry). ``where`` narrows them (SQL over ``{t}``); ``through`` is a link
    table (``customer_tag``: ``(table, this side's column, target's column)``) for many-to-many.
    ``connection`` lists are Relay connections paged by ``first``/``after`` (``default_first``);
    the others are plain lists, capped at ``limit`` when set. ``tag`` names the list for its
    cursors, as the general path names it."""

    api: str
    target: str
    fk: str
    order: tuple[OrderKey, ...]
    default_first: int | None = 20
    where: str | None = None
    through: tuple[str, str, str] | None = None
    connection: bool = True
    limit: int | None = None
    tag: str | None = None
    # Arguments that narrow the list to rows whose column equals them: (argument, column).
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Entity:
    """A table as the API shows it: ``name`` is its GraphQL type (and its row rule's kind in
    ``authz.rows``)."""

    name: str
    table: str
    columns: tuple[Column, ...]
    relations: tuple[ToOne | ToMany, ...] = ()
    groups: dict[str, str] = field(default_factory=dict)  # API field of a nested object -> its GraphQL type

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.sql for c in self.columns)

    def select(self, alias: str) -> str:
        """The SELECT list of every column, for the table as ``alias``."""
        return ", ".join(f"{alias}.{c}" for c in self.column_names)

    @cached_property
    def by_api(self) -> dict[str, Column]:
        """Top-level API field -> column (the columns of nested objects are in ``group_columns``)."""
        return {c.api: c for c in self.columns if c.api is not None and c.group is None}

    def group_columns(self, group: str) -> dict[str, Column]:
        return {c.api: c for c in self.columns if c.group == group and c.api is not None}

    @cached_property
    def relation(self) -> dict[str, ToOne | ToMany]:
        return {r.api: r for r in self.relations}

    def to_many(self, api: str) -> ToMany:
        """The to-many relation the API calls ``api``."""
        found = self.relation[api]
        if not isinstance(found, ToMany):
            raise TypeError(f"{self.name}.{api} is not a to-many relation")
        return found

    @cached_property
    def contact_columns(self) -> tuple[str, ...]:
        """The columns withheld together when contact data is hidden."""
        return tuple(c.sql for c in self.columns if c.contact)

    @cached_property
    def contact_fields(self) -> frozenset[str]:
        """The API names of the contact columns shown by the API."""
        return frozenset(c.api for c in self.columns if c.contact and c.api is not None and c.group is None)

    @cached_property
    def tracked(self) -> tuple[str, ...]:
        """The columns the history records, in declaration order."""
        return tuple(c.sql for c in self.columns if c.tracked)

    @cached_property
    def sorts(self) -> dict[str, tuple[Column, SortBy]]:
        """Sort field name -> the column and how a list is sorted by it, in declaration order."""
        return {c.sort.name: (c, c.sort) for c in self.columns if c.sort is not None}

    @cached_property
    def filters(self) -> dict[str, Column]:
        """List filter name -> the column it narrows by, in declaration order."""
        return {c.filter: c for c in self.columns if c.filter is not None}

    @cached_property
    def merge_fields(self) -> dict[str, tuple[str, ...]]:
        """Field a merge chooses (API name) -> the columns it takes together, in declaration order."""
        out: dict[str, tuple[str, ...]] = {}
        for c in self.columns:
            if c.merge is not None:
                out[c.merge] = (*out.get(c.merge, ()), c.sql)
        return out

    @cached_property
    def api_name_of(self) -> dict[str, str]:
        """Column -> the API's name for it (``address.city`` for a column of a nested object)."""
        return {c.sql: (f"{c.group}.{c.api}" if c.group else c.api) for c in self.columns if c.api is not None}


ENTITIES: dict[str, Entity] = {}


def register(entity: Entity) -> Entity:
    """Record ``entity`` under its API name (done beside each model)."""
    if entity.name in ENTITIES:
        raise ValueError(f"{entity.name} is described twice")
    ENTITIES[entity.name] = entity
    return entity
