"""The input and answer of a mutation that deletes (or cancels) one record by its id."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.errors import NotFound


@strawberry.input
class DeleteInput:
    id: strawberry.ID


@strawberry.type
class DeleteSuccess:
    deleted_id: strawberry.ID


DeleteResult = Annotated[DeleteSuccess | NotFound, strawberry.union("DeleteResult")]
