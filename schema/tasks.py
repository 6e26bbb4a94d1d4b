"""Tasks on a customer: the type, the caller's own tasks and the task mutations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models import TaskPriority as ModelTaskPriority
from models import TaskStatus as ModelTaskStatus
from models.activities import TASK
from resolvers import tasks as task_ops
from schema.context import Info
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.lifecycle_errors import CustomerInactive
from schema.node import Node
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires
from schema.refs import CustomerRef, load_customer, load_user, pk_of, pks_in
from schema.row_values import row_values
from schema.users import User

TaskPriority = strawberry.enum(ModelTaskPriority, name="TaskPriority")
TaskStatus = strawberry.enum(ModelTaskStatus, name="TaskStatus")


@strawberry.type
class Task(Node):
    title: str
    description: str
    due_at: datetime | None
    priority: TaskPriority
    status: TaskStatus
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    _responsible: strawberry.Private[Any]
    _created_by: strawberry.Private[Any]
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Task:
        return cls(
            **row_values(TASK, cls, row),
            _responsible=row["responsible_id"],
            _created_by=row["created_by_id"],
            _customer=row["customer_id"],
        )

    @strawberry.field(description="Open and past its due time.")
    def overdue(self) -> bool:
        return self.status == ModelTaskStatus.OPEN and self.due_at is not None and self.due_at < datetime.now(UTC)

    @strawberry.field
    async def responsible(self, info: Info) -> User | None:
        return await load_user(info, self._responsible)

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        return await load_user(info, self._created_by)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.input
class CreateTaskInput:
    customer_id: strawberry.ID
    title: str
    description: str | None = UNSET
    due_at: datetime | None = UNSET
    responsible_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Defaults to you.")
    priority: TaskPriority | None = UNSET


@strawberry.input
class UpdateTaskInput:
    id: strawberry.ID
    title: str | None = UNSET
    description: str | None = UNSET
    due_at: datetime | None = UNSET
    responsible_id: strawberry.ID | None = UNSET
    priority: TaskPriority | None = UNSET
    status: TaskStatus | None = strawberry.field(
        default=UNSET, description="DONE sets completedAt; back to OPEN clears it."
    )


@strawberry.type
class TaskSuccess:
    task: Task | None


TaskResult = Annotated[TaskSuccess | ValidationFailed | NotFound | CustomerInactive, strawberry.union("TaskResult")]
CreateTaskResult = Annotated[
    TaskSuccess | ValidationFailed | NotFound | CustomerInactive, strawberry.union("CreateTaskResult")
]


@strawberry.type
class TaskQuery:
    @strawberry.field(
        extensions=[*paged(), *requires(P.CUSTOMER_READ)],
        description="Tasks you are responsible for, on customers you may see, soonest due first.",
    )
    async def my_tasks(
        self,
        info: Info,
        status: TaskStatus | None = ModelTaskStatus.OPEN,
        due_before: datetime | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Task]:
        rows, cursors, has_next, total_count = await task_ops.my_tasks(
            info.context.access, status=status, due_before=due_before, first=first, after=after
        )
        return build_connection(
            [Task.from_row(r) for r in rows],
            cursors,
            has_next=has_next,
            has_previous=after is not None,
            total_count=total_count,
        )


@strawberry.type
class TaskMutation:
    @strawberry.mutation(extensions=requires(P.TASK_WRITE))
    @returns_errors
    async def create_task(self, info: Info, input: CreateTaskInput) -> CreateTaskResult | None:
        data = pks_in(provided(input), responsibleId="User")
        row = await task_ops.create_task(info.context.access, pk_of(data.pop("customerId"), "Customer"), data)
        return TaskSuccess(task=Task.from_row(row))

    @strawberry.mutation(
        extensions=requires(P.TASK_WRITE),
        description="Edit, complete (DONE) or cancel a task. Reopening a task of an inactive customer is "
        "refused (CustomerInactive), as a new task would be.",
    )
    @returns_errors
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskResult | None:
        data = pks_in(provided(input), responsibleId="User")
        row = await task_ops.update_task(info.context.access, pk_of(data.pop("id"), "Task"), data)
        return TaskSuccess(task=Task.from_row(row))
