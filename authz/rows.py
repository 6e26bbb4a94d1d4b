"""Which rows of each kind a caller may see or act on: one rule per (kind, permission), default deny.

A kind is named as the API names it (the Relay type name). Its reading rule is registered under
``READ``: the permission a caller needs to see any row of it (the one its root field requires)
and the filter, in SQL, of the rows that permission shows. Acting on a row (editing a note,
cancelling an appointment, tagging a customer) has its own rule, registered under the permission
it takes. Root fields, nested lists, rows read by id, ``node(id)``, a mutation's "locate this row
for update" and ``crm policy explain`` all take their filter from here, so no rule is written
twice. A kind or permission without a rule sees nothing.

Children follow their parent: a note, task, appointment, purchase, contract, conversation, history entry
or merge is visible exactly when its customer is; a message when its conversation is. A list read
under a parent row the caller may see takes its filter from ``rows_under``, which knows when the
parent already satisfies the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P, Permission, Scope
from models.db import fetchrow
from models.sql import FALSE, TRUE, Sql, and_, or_

Where = Callable[[Access, str], Sql]
READ = "read"  # the registry's name for reading a kind (its root field's permission decides)


@dataclass(frozen=True, slots=True)
class RowRule:
    table: str
    # What a caller needs to see or act on any row under this rule; None: every signed-in caller
    # of the tenant (the filter may still narrow it to nothing).
    permission: Permission | None
    # The rows the caller may see or act on, for the table under ``alias`` (the tenant included).
    where: Where
    # A column naming the row that now stands for this one (a customer merged into another):
    # an old id keeps resolving, to the row it became, under that row's rule.
    follows: str | None = None
    # Why a row the caller can see is refused under this rule (the row as read is given).
    refusal: Callable[[Access, dict[str, Any]], str] | None = None
    # Whether rows of the kind are API objects with a global id (``node(id)`` finds them).
    node: bool = True


# --- the customer scope: the one place a granted scope becomes SQL ---------------------------


def _scope_sql(access: Access, scope: Scope, alias: str) -> Sql:
    """Customers (as ``alias``) that ``scope`` covers for the caller; the tenant is not part of it."""
    p = access.principal
    if scope is Scope.ALL:
        return TRUE
    if p.user_id is None:
        return FALSE
    own = Sql(f"{alias}.owner_id = %s", p.user_id)
    if scope is Scope.OWN or not p.team_ids:
        return own
    in_team = Sql(
        "EXISTS (SELECT 1 FROM customer_team ct WHERE ct.tenant_id = "
        f"{alias}.tenant_id AND ct.customer_id = {alias}.id AND ct.team_id = ANY(%s::uuid[]))",
        list(p.team_ids),
    )
    return or_(own, in_team)


def owner_of_every_customer(access: Access, perm: Permission = P.CUSTOMER_READ) -> UUID | None:
    """The one owner of every customer the caller's grant of ``perm`` covers (an own-portfolio
    scope), else None. A list narrowed to that owner adds nothing to the scope's own condition."""
    scope = access.scope(perm)
    user = access.principal.user_id
    if user is None or scope is None or scope is Scope.ALL:
        return None
    if scope is Scope.OWN or not access.principal.team_ids:
        return user
    return None


def _tenant(access: Access, alias: str) -> Sql:
    return Sql(f"{alias}.tenant_id = %s", access.principal.tenant_id)


def customer_scope(access: Access, perm: Permission, alias: str = "c") -> Sql:
    """Customers (as ``alias``), merged-away ones included and deleted ones not, that the caller's
    grant of ``perm`` covers: tenant first, then scope. FALSE without a grant: to the caller those rows do not
    exist. Only history and merges look at merged-away rows; everything else reads ``rows_for``."""
    scope = access.scope(perm)
    if scope is None:
        return FALSE
    # A deleted customer (waiting for its purge) is gone for every reader at once.
    return and_(_tenant(access, alias), Sql(f"{alias}.deleted_at IS NULL"), _scope_sql(access, scope, alias))


def deleted_customers(access: Access, perm: Permission, alias: str = "c") -> Sql:
    """Deleted, not yet purged customers (as ``alias``) the caller's grant of ``perm`` covers (to restore)."""
    scope = access.scope(perm)
    if scope is None:
        return FALSE
    return and_(
        _tenant(access, alias),
        Sql(f"{alias}.deleted_at IS NOT NULL AND {alias}.merged_into_id IS NULL"),
        _scope_sql(access, scope, alias),
    )


def _live(perm: Permission) -> Where:
    """Customers the caller may act on with ``perm``: tenant, scope, and not merged away."""

    def where(access: Access, alias: str) -> Sql:
        return and_(customer_scope(access, perm, alias), Sql(f"{alias}.merged_into_id IS NULL"))

    return where


customers = _live(P.CUSTOMER_READ)


@dataclass(frozen=True, slots=True)
class Through:
    """Rows visible with the row of ``parent_table`` that their ``column`` names, under ``parent``.

    A rule of its own kind (not a bare function) so that a list read under its parent row can
    tell that the parent already satisfies it (see ``rows_under``)."""

    parent_table: str
    column: str
    parent: Where

    def __call__(self, access: Access, alias: str) -> Sql:
        up = f"{alias}_{self.column}"
        inner = self.parent(access, up)
        if inner is FALSE:
            return FALSE
        exists = (
            Sql(
                f"EXISTS (SELECT 1 FROM {self.parent_table} {up} WHERE {up}.id = {alias}.{self.column} "
                f"AND {up}.tenant_id = {alias}.tenant_id AND "
            )
            + inner
            + Sql(")")
        )
        return and_(_tenant(access, alias), exists)


def _through(parent_table: str, column: str, parent: Where) -> Where:
    """Rows visible with the row of ``parent_table`` that ``column`` names."""
    return Through(parent_table, column, parent)


def _both(*wheres: Where) -> Where:
    def where(access: Access, alias: str) -> Sql:
        return and_(*(w(access, alias) for w in wheres))

    return where


_with_customer = _through("customer", "customer_id", customers)


def _with_customer_for(perm: Permission) -> Where:
    """Children of a customer the caller sees and may act on with ``perm`` (e.g. a task to edit)."""
    return _through("customer", "customer_id", _both(customers, _live(perm)))


def _customer_refusal(perm: Permission) -> Callable[[Access, dict[str, Any]], str]:
    return lambda _access, _row: perm.refusal("this customer")


# --- rules of other kinds ------------------------------------------------------------------


def _own_or_shared(access: Access, alias: str) -> Sql:
    return and_(_tenant(access, alias), Sql(f"({alias}.owner_id = %s OR {alias}.shared)", access.principal.user_id))


def _filter_to_change(access: Access, alias: str) -> Sql:
    """A list its owner changes; a shared one also those who may share lists."""
    mine = Sql(f"{alias}.owner_id = %s", access.principal.user_id)
    shared = Sql(f"{alias}.shared") if access.can(P.SAVED_FILTER_SHARE) else FALSE
    return and_(_own_or_shared(access, alias), or_(mine, shared))


def _note_to_change(access: Access, alias: str) -> Sql:
    """A moderator changes any note they see; its author one on a customer they still write notes on."""
    if access.can(P.NOTE_MODERATE):
        return _with_customer(access, alias)
    user = access.principal.user_id
    if user is None:
        return FALSE
    return and_(Sql(f"{alias}.author_id = %s", user), _with_customer_for(P.NOTE_WRITE)(access, alias))


def _note_refusal(access: Access, row: dict[str, Any]) -> str:
    if row["author_id"] is not None and row["author_id"] == access.principal.user_id:
        return P.NOTE_WRITE.refusal("this customer")
    return "Only the note's author (or a moderator) may change it."


def _imports_for(perm: Permission) -> Where:
    """A company's imports; with an "own" grant only those the caller started (as a person,
    or through an API key bound to them)."""

    def where(access: Access, alias: str) -> Sql:
        scope = access.scope(perm)
        if scope is None:
            return FALSE
        if scope is Scope.ALL:
            return _tenant(access, alias)
        user = access.principal.user_id
        if user is None:
            return FALSE
        return and_(_tenant(access, alias), Sql(f"{alias}.created_by_id = %s", user))

    return where


def _templates_for(perm: Permission) -> Where:
    """Report templates the caller changes with ``perm``: "own" their own only; "all" any they see
    (their own and the shared ones)."""

    def where(access: Access, alias: str) -> Sql:
        scope = access.scope(perm)
        if scope is None:
            return FALSE
        if scope is Scope.ALL:
            return _own_or_shared(access, alias)
        user = access.principal.user_id
        if user is None:
            return FALSE
        return and_(_tenant(access, alias), Sql(f"{alias}.owner_id = %s", user))

    return where


def _own_export(access: Access, alias: str) -> Sql:
    """An export only its creator sees (the user, else the API key that asked for it)."""
    p = access.principal
    if p.user_id is not None:
        return and_(_tenant(access, alias), Sql(f"{alias}.created_by_id = %s", p.user_id))
    if p.api_key_id is not None:
        return and_(_tenant(access, alias), Sql(f"{alias}.created_by_api_key_id = %s", p.api_key_id))
    return FALSE


def _the_callers_tenant(access: Access, alias: str) -> Sql:
    return Sql(f"{alias}.id = %s", access.principal.tenant_id)


# Permissions whose scope decides which customers one may act on.
CUSTOMER_ACTIONS = (
    P.CUSTOMER_UPDATE,
    P.CUSTOMER_TAG,
    P.CUSTOMER_ASSIGN,
    P.CUSTOMER_MERGE,
    P.CUSTOMER_TEAMS,
    P.DUPLICATE_READ,
    P.NOTE_WRITE,
    P.TASK_WRITE,
    P.APPOINTMENT_WRITE,
    P.PURCHASE_WRITE,
    P.CONVERSATION_REPLY,
    P.CUSTOMER_STATUS,
    P.CONTRACT_WRITE,
    P.CUSTOMER_EXPORT,
    P.CUSTOMER_DELETE,
    P.CUSTOMER_DATA_EXPORT,
)

RULES: dict[tuple[str, str], RowRule] = {
    ("Customer", READ): RowRule("customer", P.CUSTOMER_READ, customers, follows="merged_into_id"),
    **{
        ("Customer", perm.key): RowRule("customer", perm, _live(perm), refusal=_customer_refusal(perm))
        for perm in CUSTOMER_ACTIONS
    },
    ("Note", READ): RowRule("note", P.CUSTOMER_READ, _with_customer),
    ("Note", P.NOTE_WRITE.key): RowRule("note", None, _note_to_change, refusal=_note_refusal),
    ("Task", READ): RowRule("task", P.CUSTOMER_READ, _with_customer),
    ("Task", P.TASK_WRITE.key): RowRule(
        "task", P.TASK_WRITE, _with_customer_for(P.TASK_WRITE), refusal=_customer_refusal(P.TASK_WRITE)
    ),
    ("Appointment", READ): RowRule("appointment", P.CUSTOMER_READ, _with_customer),
    ("Appointment", P.APPOINTMENT_WRITE.key): RowRule(
        "appointment",
        P.APPOINTMENT_WRITE,
        _with_customer_for(P.APPOINTMENT_WRITE),
        refusal=_customer_refusal(P.APPOINTMENT_WRITE),
    ),
    ("Purchase", READ): RowRule("purchase", P.CUSTOMER_READ, _with_customer),
    ("ExternalId", READ): RowRule("customer_external_id", P.CUSTOMER_READ, _with_customer, node=False),
    ("Contract", READ): RowRule("contract", P.CUSTOMER_READ, _with_customer),
    ("Contract", P.CONTRACT_WRITE.key): RowRule(
        "contract", P.CONTRACT_WRITE, _with_customer_for(P.CONTRACT_WRITE), refusal=_customer_refusal(P.CONTRACT_WRITE)
    ),
    ("Conversation", READ): RowRule("conversation", P.CUSTOMER_READ, _with_customer),
    ("Conversation", P.CONVERSATION_REPLY.key): RowRule(
        "conversation",
        P.CONVERSATION_REPLY,
        _with_customer_for(P.CONVERSATION_REPLY),
        refusal=_customer_refusal(P.CONVERSATION_REPLY),
    ),
    ("Message", READ): RowRule("message", P.CUSTOMER_READ, _through("conversation", "conversation_id", _with_customer)),
    ("HistoryEntry", READ): RowRule("customer_event", P.CUSTOMER_READ, _with_customer),
    # A customer's timeline mixes its notes, tasks, conversations... : each item is the customer's.
    ("TimelineItem", READ): RowRule("customer_event", P.CUSTOMER_READ, _with_customer, node=False),
    ("Merge", READ): RowRule("customer_merge", P.CUSTOMER_READ, _through("customer", "primary_id", customers)),
    ("Tag", READ): RowRule("tag", P.CUSTOMER_READ, _tenant),
    ("Team", READ): RowRule("team", P.TEAM_READ, _tenant),
    ("User", READ): RowRule("app_user", P.USER_READ, _tenant),
    ("CustomField", READ): RowRule("custom_field", P.CUSTOM_FIELD_READ, _tenant),
    ("MessageTemplate", READ): RowRule("message_template", P.TEMPLATE_READ, _tenant),
    ("SavedFilter", READ): RowRule("saved_filter", P.SAVED_FILTER_WRITE, _own_or_shared),
    ("SavedFilter", P.SAVED_FILTER_WRITE.key): RowRule(
        "saved_filter",
        P.SAVED_FILTER_WRITE,
        _filter_to_change,
        refusal=lambda _a, _r: "Only its owner (or, for a shared list, who may share lists) changes this list.",
    ),
    ("ReportTemplate", READ): RowRule("report_template", P.REPORT_READ, _own_or_shared),
    **{
        ("ReportTemplate", perm.key): RowRule(
            "report_template",
            perm,
            _templates_for(perm),
            refusal=lambda _a, _r: "Only its owner (or an admin) changes this report template.",
        )
        for perm in (P.REPORT_TEMPLATE_UPDATE, P.REPORT_TEMPLATE_DELETE)
    },
    ("Tenant", READ): RowRule("tenant", None, _the_callers_tenant),
    ("AuditEntry", READ): RowRule("audit_entry", P.AUDIT_READ, _tenant),
    ("Export", READ): RowRule("customer_export", P.CUSTOMER_EXPORT, _own_export),
    ("Import", READ): RowRule("customer_import", P.IMPORT_READ, _imports_for(P.IMPORT_READ)),
    ("Import", P.IMPORT_CREATE.key): RowRule(
        "customer_import",
        P.IMPORT_CREATE,
        _imports_for(P.IMPORT_CREATE),
        refusal=lambda _a, _r: P.IMPORT_CREATE.refusal(),
    ),
    ("Import", P.IMPORT_REVERT.key): RowRule(
        "customer_import",
        P.IMPORT_REVERT,
        _imports_for(P.IMPORT_REVERT),
        refusal=lambda _a, _r: P.IMPORT_REVERT.refusal(),
    ),
}

# The kinds ``node(id)`` and the schema test know: every kind of API object with a reading rule.
ROW_RULES: dict[str, RowRule] = {kind: rule for (kind, action), rule in RULES.items() if action == READ and rule.node}


def rule_for(kind: str, permission: Permission | None = None) -> RowRule | None:
    """The rule for reading ``kind`` (``permission`` None, or the permission reading takes) or
    acting on it with ``permission``."""
    if permission is None:
        return RULES.get((kind, READ))
    rule = RULES.get((kind, permission.key))
    if rule is None and (read := RULES.get((kind, READ))) is not None and read.permission == permission:
        return read
    return rule


def _admits(access: Access, rule: RowRule | None) -> bool:
    return rule is not None and (rule.permission is None or access.can(rule.permission))


def may_see_kind(access: Access, kind: str) -> bool:
    """Whether the caller may see rows of ``kind`` at all (default deny)."""
    return _admits(access, rule_for(kind))


def rows_for(access: Access, kind: str, permission: Permission | None, alias: str) -> Sql:
    """The filter of the rows of ``kind`` (as ``alias``) the caller may read (``permission``
    None) or act on with ``permission``; FALSE for none, and for a kind or permission without a rule."""
    rule = rule_for(kind, permission)
    if rule is None or not _admits(access, rule):
        return FALSE
    return rule.where(access, alias)


def rows_under(access: Access, kind: str, alias: str, parent_kind: str, parent_alias: str, column: str) -> Sql:
    """The filter of the rows of ``kind`` (as ``alias``) listed under one row of ``parent_kind``
    (as ``parent_alias``), whose id their ``column`` holds; FALSE for none.

    The parent row must be one the caller may read (it passed ``parent_kind``'s reading rule).
    When the kind's rule is "visible with that parent" under that very rule, the parent already
    satisfies it: the link and the tenant are the whole filter, with no second look at the parent
    per row. Any other rule is applied whole, beside the link."""
    rule = rule_for(kind)
    if rule is None or not _admits(access, rule):
        return FALSE
    link = Sql(f"{alias}.{column} = {parent_alias}.id")
    parent = rule_for(parent_kind)
    through = rule.where
    if (
        isinstance(through, Through)
        and parent is not None
        and through.column == column
        and through.parent_table == parent.table
        and through.parent is parent.where
    ):
        return and_(_tenant(access, alias), link)
    where = rule.where(access, alias)
    return FALSE if where is FALSE else and_(_tenant(access, alias), link, where)


def visible_rows(access: Access, kind: str, alias: str) -> Sql:
    """The filter of the rows of ``kind`` (as ``alias``) the caller may see; FALSE for none."""
    return rows_for(access, kind, None, alias)


async def locate(access: Access, kind: str, pk: UUID) -> dict[str, Any] | None:
    """The row of ``kind`` that ``pk`` names (or now stands for), if the caller may see it.

    None whether the row does not exist or is hidden: the answer never tells the two apart.
    One statement; the columns are the table's own.
    """
    rule = rule_for(kind)
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


async def locate_for(
    access: Access,
    kind: str,
    permission: Permission | None,
    pk: UUID,
    lock: bool = True,
    *,
    columns: str | None = None,
    alias: str = "x",
) -> dict[str, Any] | None:
    """The row of ``kind`` with id ``pk`` if the caller may act on it with ``permission`` (read it,
    for None), locked ``FOR UPDATE`` unless ``lock`` is false; None otherwise. ``columns`` are
    written with ``alias`` (all the table's columns by default). See ``refusal_for`` for why."""
    rule = rule_for(kind, permission)
    where = rows_for(access, kind, permission, alias)
    if rule is None or where is FALSE:
        return None
    return await fetchrow(
        Sql(f"SELECT {columns or alias + '.*'} FROM {rule.table} {alias} WHERE {alias}.id = %s AND ", pk)
        + where
        + Sql(f" FOR UPDATE OF {alias}" if lock else "")
    )


async def refusal_for(access: Access, kind: str, permission: Permission, pk: UUID) -> str | None:
    """Why ``locate_for`` found nothing: the refusal to say when the caller can see the row
    (Forbidden), None when they cannot (NotFound, exactly as for an id that never existed)."""
    seen = await locate_for(access, kind, None, pk, lock=False)
    if seen is None:
        return None
    rule = rule_for(kind, permission)
    if rule is not None and rule.refusal is not None:
        return rule.refusal(access, seen)
    return permission.refusal("this customer")
