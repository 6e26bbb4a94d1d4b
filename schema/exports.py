"""Customer exports: ask for one, follow it (``node(id)``), download it from ``downloadUrl``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from authz.catalogue import P
from models import ExportFormat, ExportStatus
from resolvers.exports import service
from resolvers.exports.arguments import ExportArguments
from schema.context import Info
from schema.customer_inputs import CustomerFilter, CustomerSort, PortfolioChoice
from schema.customers import list_arguments
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.node import Node, parse_id, to_global_id
from schema.permissions import requires

ExportFormatType = strawberry.enum(ExportFormat, name="ExportFormat")
ExportStatusType = strawberry.enum(
    ExportStatus,
    name="ExportStatus",
    description="READY: small, written when downloaded; QUEUED/RUNNING: a job writes the file; FINISHED: the "
    "file waits to be downloaded; FAILED (see error); EXPIRED: its 24 hours are over, the file is gone.",
)


@strawberry.type(description="An export of the customer list; only who asked for it sees and downloads it.")
class Export(Node):
    status: ExportStatusType
    format: ExportFormatType
    row_count: int | None = strawberry.field(description="Known once the file is written (at once for small ones).")
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime = strawberry.field(description="After this the file is gone.")
    error: str | None
    download_url: str | None = strawberry.field(
        description="GET it with the same credentials (READY or FINISHED), else null."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Export:
        status = service.status_of(row)
        gid = to_global_id("Export", row["id"])
        downloadable = status in (ExportStatus.READY, ExportStatus.FINISHED)
        return cls(
            id=gid,
            status=status,
            format=ExportFormat(row["format"]),
            row_count=row["row_count"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            expires_at=row["expires_at"],
            error=row["error"],
            download_url=f"/exports/{gid}" if downloadable else None,
        )


@strawberry.type
class ExportSuccess:
    export: Export | None


ExportResult = Annotated[ExportSuccess | ValidationFailed | NotFound, strawberry.union("ExportResult")]


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        extensions=requires(P.CUSTOMER_EXPORT, P.CUSTOMER_READ),
        description="Export the customers your `customers` list shows with the same arguments (or a saved list's, "
        "by savedFilterId, alone), in its order, contact data withheld as there. columns: API names (e.g. 'name', "
        "'address.city', 'tags', 'owner', 'customFields.<key>'), all by default; delimiter: ';' (default) or ',' "
        "for CSV.",
    )
    @returns_errors
    async def export_customers(
        self,
        info: Info,
        format: ExportFormatType,
        filter: CustomerFilter | None = None,
        search: str | None = None,
        portfolio: PortfolioChoice | None = None,
        seller_id: strawberry.ID | None = None,
        saved_filter_id: strawberry.ID | None = None,
        sort: CustomerSort | None = None,
        columns: list[str] | None = None,
        delimiter: str | None = ";",
    ) -> ExportResult | None:
        listed = list_arguments(search=search, portfolio=portfolio, seller_id=seller_id, sort=sort, filter=filter)
        saved = None
        if saved_filter_id is not None:
            saved = parse_id(saved_filter_id, "SavedFilter")
            if saved is None:
                return NotFound(message="Saved filter not found.", id=saved_filter_id)
        arguments = ExportArguments(
            search=listed["search"],
            portfolio=listed["portfolio"],
            seller_id=listed["seller_id"],
            sort=listed["sort"],
            filter=listed["filter"],
            saved_filter_id=saved,
            columns=columns,
            delimiter=delimiter if delimiter is not None else ";",
        )
        row = await service.create_export(info.context.access, ExportFormat(format), arguments)
        return ExportSuccess(export=Export.from_row(row))
