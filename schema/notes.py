"""Internal notes on a customer: the type and its mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from authz.catalogue import P
from models.activities import NOTE
from resolvers import notes as note_ops
from schema.context import Info
from schema.deletion import DeleteInput, DeleteResult, DeleteSuccess
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.node import Node
from schema.permissions import requires
from schema.refs import CustomerRef, load_customer, load_user, pk_of
from schema.row_values import row_values
from schema.users import User


@strawberry.type(description="An internal note; never shown to the customer.")
class Note(Node):
    body: str
    author_name: str
    created_at: datetime
    edited_at: datetime | None
    _author: strawberry.Private[Any]
    _customer: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Note:
        return cls(
            **row_values(NOTE, cls, row),
            _author=row["author_id"],
            _customer=row["customer_id"],
        )

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        return await load_user(info, self._author)

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await load_customer(info, self._customer)


@strawberry.input
class AddNoteInput:
    customer_id: strawberry.ID
    body: str


@strawberry.input
class EditNoteInput:
    id: strawberry.ID
    body: str


@strawberry.type
class NoteSuccess:
    note: Note | None


NoteResult = Annotated[NoteSuccess | ValidationFailed | NotFound, strawberry.union("NoteResult")]


@strawberry.type
class NoteMutation:
    @strawberry.mutation(extensions=requires(P.NOTE_WRITE), description="Add an internal note to a customer.")
    @returns_errors
    async def add_note(self, info: Info, input: AddNoteInput) -> NoteResult | None:
        row = await note_ops.add_note(info.context.access, pk_of(input.customer_id, "Customer"), input.body)
        return NoteSuccess(note=Note.from_row(row))

    @strawberry.mutation(extensions=requires(P.NOTE_WRITE), description="Edit a note (its author, or a moderator).")
    @returns_errors
    async def edit_note(self, info: Info, input: EditNoteInput) -> NoteResult | None:
        row = await note_ops.edit_note(info.context.access, pk_of(input.id, "Note"), input.body)
        return NoteSuccess(note=Note.from_row(row))

    @strawberry.mutation(extensions=requires(P.NOTE_WRITE), description="Delete a note (its author, or a moderator).")
    @returns_errors
    async def delete_note(self, info: Info, input: DeleteInput) -> DeleteResult | None:
        await note_ops.delete_note(info.context.access, pk_of(input.id, "Note"))
        return DeleteSuccess(deleted_id=input.id)
