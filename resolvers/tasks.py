"""Tasks on customers: who does what by when."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from authz.access import Access
from authz.catalogue import P
from authz.errors import Forbidden
from authz.rows import visible_rows
from models import TaskPriority, TaskStatus
from models.activities import TASK
from models.customers import CUSTOMER
from models.db import fetch, fetchrow, fetchval, in_transaction
from models.sql import Sql, and_
from models.webhooks import WebhookEventType
from resolvers import outbox
from resolvers import users as user_ops
from resolvers.audit import Fields, api_values, changed, enum_name, record_audit, ref_to
from resolvers.children import ChildKind, ChildList, RowsById
from resolvers.cursors import ListCursors
from resolvers.customers import locate_for_change
from resolvers.errors import Errors, FieldErrorCode, ValidationFailed
from resolvers.inactivation import refuse_if_inactive
from resolvers.locate import locate_or_refuse
from resolvers.pagination import after_condition, keys_on, order_by, page_size

TITLE_MAX, DESCRIPTION_MAX = 200, 10_000
# What the audit log records of a task, as the API names it.
AUDITED: Fields = {
    "title": "title",
    "description": "description",
    "due_at": "dueAt",
    "priority": ("priority", enum_name(TaskPriority)),
    "status": ("status", enum_name(TaskStatus)),
    "responsible_id": ("responsible", ref_to("User")),
    "customer_id": ("customer", ref_to("Customer")),
}
TASK_COLUMNS = TASK.select("k")
RETURNING = ", ".join(TASK.column_names)
# Open work first by due date (no date last), then the newest.
_TASK_SOURCE = Sql("(SELECT k.*, coalesce(k.due_at, 'infinity'::timestamptz) AS due_sort FROM task k) t")


def _with_status(status: TaskStatus | None) -> ChildList:
    """A customer's tasks of one status (all when None); a cursor continues only the same status."""
    where = Sql("t.status = %s", status.value) if status else None
    return ChildList(_TASK_SOURCE, where, {"status": status})


# A customer's tasks, soonest due first; the list takes a status.
TASKS = ChildKind.of(CUSTOMER.to_many("tasks"), narrow=_with_status)
TASK_ROWS = RowsById("tasks", "Task", "k", TASK_COLUMNS)


def _clean(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors = Errors()
    out: dict[str, Any] = {}
    if creating or "title" in data:
        title = " ".join((data.get("title") or "").split())
        if not title:
            errors.add("title", FieldErrorCode.REQUIRED, "is required")
        elif len(title) > TITLE_MAX:
            errors.add("title", FieldErrorCode.TOO_LONG, f"must be at most {TITLE_MAX} characters")
        out["title"] = title
    if "description" in data:
        description = (data["description"] or "").strip()
        if len(description) > DESCRIPTION_MAX:
            errors.add("description", FieldErrorCode.TOO_LONG, f"must be at most {DESCRIPTION_MAX} characters")
        out["description"] = description
    if "dueAt" in data:
        out["due_at"] = data["dueAt"]
    if "priority" in data:
        if data["priority"] is None:
            errors.add("priority", FieldErrorCode.REQUIRED, "cannot be empty")
        else:
            out["priority"] = TaskPriority(data["priority"]).value
    if "status" in data:
        if data["status"] is None:
            errors.add("status", FieldErrorCode.REQUIRED, "cannot be empty")
        else:
            out["status"] = TaskStatus(data["status"]).value
    errors.raise_if_any()
    return out


async def _check_responsible(access: Access, user_id: UUID, customer_id: UUID) -> None:
    user = await user_ops.active_user(access.principal.tenant_id, user_id)
    if user is None:
        raise ValidationFailed.one("responsibleId", FieldErrorCode.UNKNOWN, "is not an active user of this company")
    if not await user_ops.may_see_customer(access, user, customer_id):
        raise ValidationFailed.one(
            "responsibleId", FieldErrorCode.NOT_ALLOWED, "may not see this customer, so cannot be responsible for it"
        )


async def create_task(access: Access, customer_id: UUID, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.TASK_WRITE)
    p = access.principal
    values = _clean(data, creating=True)
    values.pop("status", None)
    responsible = data.get("responsibleId") or p.user_id
    await locate_for_change(access, customer_id, P.TASK_WRITE, lock=False)
    if responsible is not None:
        await _check_responsible(access, responsible, customer_id)
    values.update(tenant_id=p.tenant_id, customer_id=customer_id, responsible_id=responsible, created_by_id=p.user_id)
    columns = list(values)
    async with in_transaction():
        await refuse_if_inactive(p.tenant_id, customer_id)  # an inactive customer takes no new task
        row = await fetchrow(
            Sql(
                f"INSERT INTO task ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                f"RETURNING {RETURNING}",
                *values.values(),
            )
        )
        assert row is not None
        await record_audit(access, "task.create", "Task", row["id"], after=api_values(row, AUDITED))
        await outbox.emit(access, WebhookEventType.TASK_CREATED, "Task", row["id"], customer_id=customer_id)
    return row


async def update_task(access: Access, task_id: UUID, data: dict[str, Any]) -> dict[str, Any]:
    access.require(P.TASK_WRITE)
    values = _clean(data, creating=False)
    async with in_transaction():
        current = await locate_or_refuse(access, "Task", P.TASK_WRITE, task_id, columns=TASK_COLUMNS, alias="k")
        if data.get("responsibleId") is not None:
            await _check_responsible(access, data["responsibleId"], current["customer_id"])
            values["responsible_id"] = data["responsibleId"]
        elif "responsibleId" in data:
            values["responsible_id"] = None
        status = values.get("status")
        if status == TaskStatus.DONE and current["status"] != TaskStatus.DONE:
            values["completed_at"] = datetime.now().astimezone()
        elif status is not None and status != TaskStatus.DONE:
            if current["status"] == TaskStatus.DONE:  # reopened: a new open task, as inactivation sees it
                await refuse_if_inactive(access.principal.tenant_id, current["customer_id"])
            values["completed_at"] = None
        assignments = "".join(f"{col} = %s, " for col in values)
        row = await fetchrow(
            Sql(
                f"UPDATE task SET {assignments}updated_at = now() WHERE id = %s AND tenant_id = %s "
                f"RETURNING {RETURNING}",
                *values.values(),
                task_id,
                access.principal.tenant_id,
            )
        )
        assert row is not None
        before, after = changed(current, row, AUDITED)
        if after:
            await record_audit(access, "task.update", "Task", task_id, before=before, after=after)
        if status == TaskStatus.DONE and current["status"] != TaskStatus.DONE:
            await outbox.emit(
                access, WebhookEventType.TASK_COMPLETED, "Task", task_id, customer_id=current["customer_id"]
            )
    return row


MY_ORDER = keys_on(CUSTOMER.to_many("tasks").order, "k")  # as a customer's tasks


@dataclass(frozen=True, slots=True)
class MyTasksPlan:
    """What a page of ``myTasks`` reads (``task k JOIN customer c``), before anything is read."""

    limit: int
    where: Sql  # every task of the list (the total count)
    page_where: Sql  # the page's: after the cursor, if any
    cursors: ListCursors


MY_TASKS_FROM = "task k"  # which tasks are visible is the Task rule's (in the WHERE)


def plan_my_tasks(
    access: Access, *, status: TaskStatus | None, due_before: datetime | None, first: int | None, after: str | None
) -> MyTasksPlan:
    """The caller's tasks on customers they may still see, soonest due first (``MY_ORDER``)."""
    limit = page_size(first)
    p = access.principal
    if p.user_id is None:
        raise Forbidden("Only a signed-in user has tasks.")
    where = and_(
        Sql("k.tenant_id = %s AND k.responsible_id = %s", p.tenant_id, p.user_id),
        Sql("k.status = %s", status.value) if status else None,
        Sql("k.due_at < %s", due_before) if due_before else None,
        visible_rows(access, "Task", "k"),
    )
    cursors = ListCursors.of(p, "myTasks", status=status, due_before=due_before)
    page_where = where
    if after:
        page_where = and_(where, after_condition(MY_ORDER, cursors.decode(after, len(MY_ORDER))))
    return MyTasksPlan(limit, where, page_where, cursors)


async def my_tasks(
    access: Access,
    *,
    status: TaskStatus | None,
    due_before: datetime | None,
    first: int | None,
    after: str | None,
) -> tuple[list[dict[str, Any]], list[str], bool, Callable[[], Awaitable[int]]]:
    """A page of the caller's tasks (see ``plan_my_tasks``)."""
    plan = plan_my_tasks(access, status=status, due_before=due_before, first=first, after=after)
    rows = await fetch(
        Sql(
            f"SELECT {TASK_COLUMNS}, coalesce(k.due_at, 'infinity'::timestamptz) AS due_sort FROM {MY_TASKS_FROM} WHERE "
        )
        + plan.page_where
        + Sql(f" ORDER BY {order_by(MY_ORDER)} LIMIT %s", plan.limit + 1)
    )
    page = rows[: plan.limit]

    async def total_count() -> int:
        return await fetchval(Sql(f"SELECT count(*) FROM {MY_TASKS_FROM} WHERE ") + plan.where)

    return page, plan.cursors.encode_rows([k.field for k in MY_ORDER], page), len(rows) > plan.limit, total_count
