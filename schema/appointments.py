"""Appointments with a customer: the type and its mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from authz.catalogue import P
from models.activities import APPOINTMENT
from resolvers import appointments as appointment_ops
from schema.context import Info
from schema.deletion import DeleteInput, DeleteResult, DeleteSuccess
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.node import Node
from schema.permissions import requires
from schema.refs import CustomerRef, load_customer, load_user, pk_of, pks_in
from schema.row_values import row_values
from schema.users import User


@strawberry.type
class Appointment(Node):
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    notes: str
    created_at: datetime
    _with: strawberry.Private[Any]
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Appointment:
        return cls(
            **row_values(APPOINTMENT, cls, row),
            _with=row["with_user_id"],
            _customer=row["customer_id"],
        )

    @strawberry.field(description="Who from the company meets the customer.")
    async def with_user(self, info: Info) -> User | None:
        return await load_user(info, self._with)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.input
class ScheduleAppointmentInput:
    customer_id: strawberry.ID
    title: str
    starts_at: datetime
    ends_at: datetime
    with_user_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Defaults to you.")
    location: str | None = UNSET
    notes: str | None = UNSET


@strawberry.input
class RescheduleAppointmentInput:
    id: strawberry.ID
    title: str | None = UNSET
    starts_at: datetime | None = UNSET
    ends_at: datetime | None = UNSET
    with_user_id: strawberry.ID | None = UNSET
    location: str | None = UNSET
    notes: str | None = UNSET


@strawberry.type
class AppointmentSuccess:
    appointment: Appointment | None


AppointmentResult = Annotated[AppointmentSuccess | ValidationFailed | NotFound, strawberry.union("AppointmentResult")]


@strawberry.type
class AppointmentMutation:
    @strawberry.mutation(extensions=requires(P.APPOINTMENT_WRITE))
    @returns_errors
    async def schedule_appointment(self, info: Info, input: ScheduleAppointmentInput) -> AppointmentResult | None:
        data = pks_in(provided(input), withUserId="User")
        row = await appointment_ops.schedule(info.context.access, pk_of(data.pop("customerId"), "Customer"), data)
        return AppointmentSuccess(appointment=Appointment.from_row(row))

    @strawberry.mutation(extensions=requires(P.APPOINTMENT_WRITE))
    @returns_errors
    async def reschedule_appointment(self, info: Info, input: RescheduleAppointmentInput) -> AppointmentResult | None:
        data = pks_in(provided(input), withUserId="User")
        row = await appointment_ops.reschedule(info.context.access, pk_of(data.pop("id"), "Appointment"), data)
        return AppointmentSuccess(appointment=Appointment.from_row(row))

    @strawberry.mutation(extensions=requires(P.APPOINTMENT_WRITE))
    @returns_errors
    async def cancel_appointment(self, info: Info, input: DeleteInput) -> DeleteResult | None:
        await appointment_ops.cancel(info.context.access, pk_of(input.id, "Appointment"))
        return DeleteSuccess(deleted_id=input.id)
