from __future__ import annotations

from typing import Annotated, Any

import strawberry

from authz.catalogue import P
from models.tags import TAG
from resolvers import tags as tag_ops
from resolvers.errors import NotFound as Missing
from schema.context import Info
from schema.errors import NotFound, returns_errors
from schema.node import Node, parse_id
from schema.permissions import requires
from schema.row_values import row_values


@strawberry.type
class Tag(Node):
    name: str
    color: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Tag:
        return cls(**row_values(TAG, cls, row))


@strawberry.type(description="A tag and how many of the customers you may see hold it.")
class TagUsage:
    tag: Tag
    customer_count: int


@strawberry.input
class DeleteTagInput:
    id: strawberry.ID


@strawberry.type
class TagDeleted:
    deleted_id: strawberry.ID
    removed_from_customers: int


DeleteTagResult = Annotated[TagDeleted | NotFound, strawberry.union("DeleteTagResult")]


@strawberry.type
class TagQuery:
    @strawberry.field(extensions=requires(P.CUSTOMER_READ), description="The company's tags, by name.")
    async def tags(self, info: Info) -> list[TagUsage]:
        rows = await tag_ops.list_tags(info.context.access)
        return [TagUsage(tag=Tag.from_row(r), customer_count=r["customers"]) for r in rows]


@strawberry.type
class TagMutation:
    @strawberry.mutation(extensions=requires(P.TAG_MANAGE), description="Delete a tag from every customer.")
    @returns_errors
    async def delete_tag(self, info: Info, input: DeleteTagInput) -> DeleteTagResult | None:
        pk = parse_id(input.id, "Tag")
        if pk is None:
            raise Missing("Tag", input.id)
        removed = await tag_ops.delete_tag(info.context.access, pk)
        return TagDeleted(deleted_id=input.id, removed_from_customers=removed)
