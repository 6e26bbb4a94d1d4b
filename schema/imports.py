"""Customer imports: upload, mapping, dry run, run, revert."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.file_uploads import Upload

from authz.catalogue import P
from models import ImportMode, ImportStatus, RowAction
from models.imports import IMPORT
from resolvers.errors import NotFound as Missing
from resolvers.imports import service
from resolvers.imports.errors import UnreadableFile
from resolvers.imports.mapping import ColumnTarget, TargetKind
from resolvers.imports.uploads import UploadedFile
from schema.context import Info
from schema.customer_type import Customer
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.node import Node, parse_id, to_global_id
from schema.pagination import Connection, build_connection, paged
from schema.permissions import requires
from schema.row_values import row_values
from schema.users import User

ImportStatusType = strawberry.enum(ImportStatus, name="ImportStatus")
ImportModeType = strawberry.enum(ImportMode, name="ImportMode")
ImportRowActionType = strawberry.enum(RowAction, name="ImportRowAction")
ImportTargetKindType = strawberry.enum(TargetKind, name="ImportTargetKind")


@strawberry.type(description="Where one column of the file goes.")
class ColumnMapping:
    column: str = strawberry.field(description="The column's header, as in the file.")
    kind: ImportTargetKindType
    field: str | None = strawberry.field(
        description="FIELD: the standard field (e.g. 'email', 'address.city'); CUSTOM_FIELD: its key; else null."
    )


@strawberry.input(description="Where one column of the file goes; give one per column, in the file's order.")
class ColumnMappingInput:
    kind: ImportTargetKindType
    field: str | None = None


@strawberry.type
class ImportCounts:
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    conflicts: int
    duplicates_in_file: int


@strawberry.type(description="A problem with one cell (or with the row as a whole: column null).")
class ImportCellError:
    column: str | None
    field: str
    code: str
    message: str


@strawberry.type(description="What the dry run plans, or the run did, with one row of the file.")
class ImportRow:
    row_number: int = strawberry.field(description="The line in the file; the header is row 1.")
    action: ImportRowActionType
    errors: list[ImportCellError]
    _customer_id: strawberry.Private[Any]

    @strawberry.field(description="The customer created or updated (or matched), if you may see it.")
    async def customer(self, info: Info) -> Customer | None:
        if self._customer_id is None:
            return None
        row = await info.context.loaders.customers.load(self._customer_id)
        return Customer.from_row(row, info.context.contact_hidden) if row else None


@strawberry.type
class RevertKept:
    row_number: int
    customer_id: strawberry.ID
    reason: str = strawberry.field(
        description="HAS_ACTIVITY (notes, tasks, conversations... since), EDITED_SINCE, MERGED, GONE, CONTACT_TAKEN."
    )


@strawberry.type
class RevertReport:
    deleted: int
    restored: int
    kept: list[RevertKept]


def _mapping(row: dict[str, Any], targets: list[ColumnTarget | None] | list[ColumnTarget]) -> list[ColumnMapping]:
    return [
        ColumnMapping(column=header, kind=(t.kind if t else TargetKind.IGNORE), field=t.field if t else None)
        for header, t in zip(row["headers"], targets, strict=False)
    ]


@strawberry.type(description="An import of customers from a CSV or Excel file.")
class Import(Node):
    number: int = strawberry.field(description='The company\'s import number ("import #N").')
    file_name: str
    format: str
    size_bytes: int
    encoding: str | None
    delimiter: str | None
    status: ImportStatusType
    mode: ImportModeType
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reverted_at: datetime | None
    updated_at: datetime
    headers: list[str] = strawberry.field(description="The file's column headers.")
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Import:
        values = row_values(IMPORT, cls, row)
        values["id"] = to_global_id("Import", row["id"])
        values["headers"] = list(row["headers"])
        return cls(**values, _row=row)

    @strawberry.field(description="Who started it (null for an API key of nobody, or a deleted user).")
    async def created_by(self, info: Info) -> User | None:
        user_id = self._row["created_by_id"]
        row = await info.context.loaders.users.load(user_id) if user_id else None
        return User.from_row(row) if row else None

    @strawberry.field(description="The mapping in force.")
    def mapping(self) -> list[ColumnMapping]:
        return _mapping(self._row, service.mapping_of(self._row))

    @strawberry.field(description="What the headers suggest (by name, accents and case aside, pt/es/en).")
    async def suggested_mapping(self, info: Info) -> list[ColumnMapping]:
        return _mapping(self._row, await service.suggested_mapping(info.context.access, self._row))

    @strawberry.field(description="Counts of the dry run or of the run so far.")
    def counts(self) -> ImportCounts:
        r = self._row
        return ImportCounts(
            total=r["total"],
            processed=r["processed"],
            created=r["created"],
            updated=r["updated"],
            skipped=r["skipped"],
            failed=r["failed"],
            conflicts=r["conflicts"],
            duplicates_in_file=r["duplicates_in_file"],
        )

    @strawberry.field(description="Each row's action, in file order.", extensions=paged())
    async def rows(
        self, info: Info, action: ImportRowActionType | None = None, first: int | None = 20, after: str | None = None
    ) -> Connection[ImportRow]:
        page = await service.import_rows(
            info.context.access, self._row, action=RowAction(action) if action else None, first=first, after=after
        )
        nodes = [
            ImportRow(
                row_number=r["row_number"],
                action=RowAction(r["action"]),
                errors=[
                    ImportCellError(column=e.get("column"), field=e["field"], code=e["code"], message=e["message"])
                    for e in r["errors"] or []
                ],
                _customer_id=r["customer_id"],
            )
            for r in page.rows
        ]
        return build_connection(
            nodes, page.cursors, has_next=page.has_next, has_previous=bool(after), total_count=page.total_count
        )

    @strawberry.field(description="After a revert: what was removed, restored, and kept (and why).")
    def revert_report(self) -> RevertReport | None:
        report = self._row["revert_report"]
        if report is None:
            return None
        return RevertReport(
            deleted=report.get("deleted", 0),
            restored=report.get("restored", 0),
            kept=[
                RevertKept(
                    row_number=k["rowNumber"], customer_id=to_global_id("Customer", k["customerId"]), reason=k["reason"]
                )
                for k in report.get("kept", [])
            ],
        )


@strawberry.type
class ImportSuccess:
    import_: Import | None = strawberry.field(name="import")


ImportResult = Annotated[ImportSuccess | ValidationFailed | NotFound, strawberry.union("ImportResult")]


def _pk(value: str) -> Any:
    pk = parse_id(value, "Import")
    if pk is None:
        raise Missing("Import", value)
    return pk


def _mode(mode: Any) -> ImportMode | None:
    return ImportMode(mode) if mode is not None else None


def _done(row: dict[str, Any]) -> ImportSuccess:
    return ImportSuccess(import_=Import.from_row(row))


@strawberry.type
class ImportQuery:
    @strawberry.field(
        extensions=[*paged(), *requires(P.IMPORT_READ)],
        description="Imports you may see (a seller: their own), newest first.",
    )
    async def imports(
        self, info: Info, first: int | None = 20, after: str | None = None, status: ImportStatusType | None = None
    ) -> Connection[Import]:
        page = await service.list_imports(
            info.context.access, first=first, after=after, status=ImportStatus(status) if status else None
        )
        return build_connection(
            [Import.from_row(r) for r in page.rows],
            page.cursors,
            has_next=page.has_next,
            has_previous=bool(after),
            total_count=page.total_count,
        )


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        extensions=requires(P.IMPORT_CREATE),
        description="Upload a CSV or .xlsx file (GraphQL multipart request). An unreadable file is a "
        "BAD_USER_INPUT error (extensions.reason says why) and creates nothing.",
    )
    @returns_errors
    async def create_import(
        self, info: Info, file: Upload, mode: ImportModeType | None = ImportMode.CREATE_ONLY
    ) -> ImportResult | None:
        if not isinstance(file, UploadedFile):
            raise GraphQLError("Send the file as a multipart request.", extensions={"code": "BAD_USER_INPUT"})
        try:
            row = await service.create_import(
                info.context.access,
                file.path,
                file_name=file.filename,
                content_type=file.content_type,
                mode=_mode(mode) or ImportMode.CREATE_ONLY,
                max_bytes=info.context.import_max_bytes,
            )
        except UnreadableFile as exc:
            raise GraphQLError(exc.message, extensions={"code": "BAD_USER_INPUT", "reason": exc.code.value}) from None
        return _done(row)

    @strawberry.mutation(extensions=requires(P.IMPORT_CREATE), description="Change where the columns go.")
    @returns_errors
    async def update_import_mapping(
        self, info: Info, id: strawberry.ID, mapping: list[ColumnMappingInput]
    ) -> ImportResult | None:
        targets = [ColumnTarget(TargetKind(m.kind), m.field) for m in mapping]
        return _done(await service.update_mapping(info.context.access, _pk(id), targets))

    @strawberry.mutation(extensions=requires(P.IMPORT_CREATE), description="Queue the dry run: nothing is written.")
    @returns_errors
    async def plan_import(
        self, info: Info, id: strawberry.ID, mode: ImportModeType | None = None
    ) -> ImportResult | None:
        return _done(await service.plan_import(info.context.access, _pk(id), _mode(mode)))

    @strawberry.mutation(extensions=requires(P.IMPORT_CREATE), description="Queue the import itself.")
    @returns_errors
    async def start_import(
        self, info: Info, id: strawberry.ID, mode: ImportModeType | None = None
    ) -> ImportResult | None:
        return _done(await service.start_import(info.context.access, _pk(id), _mode(mode)))

    @strawberry.mutation(
        extensions=requires(P.IMPORT_REVERT),
        description="Queue the revert of a finished import (or one that failed part-way): its new customers are "
        "removed and the customers it updated get their values back, except those used or edited since (listed "
        "in revertReport).",
    )
    @returns_errors
    async def revert_import(self, info: Info, id: strawberry.ID) -> ImportResult | None:
        return _done(await service.revert_import(info.context.access, _pk(id)))
