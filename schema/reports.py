"""Customer reports: a live preview, templates (personal or shared), runs and their CSV."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, cast
from uuid import UUID

import strawberry
from strawberry import UNSET
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from authz.catalogue import P
from models.reports import REPORT_TEMPLATE
from resolvers.errors import FieldErrorCode as Code
from resolvers.errors import NotFound as Missing
from resolvers.errors import ValidationFailed as Refused
from resolvers.imports.uploads import UploadedFile
from resolvers.reports import service, templates
from resolvers.reports.definition import DimensionKind, Measure, SourceKind, TotalKind
from resolvers.reports.source import MAX_JSON_BYTES, checked_document
from resolvers.reports.table import Axis, Row, Table
from schema.context import Info
from schema.customer_inputs import CustomerFilter, PortfolioChoice, filter_from_api
from schema.errors import NotFound, ValidationFailed, returns_errors
from schema.inputs import provided
from schema.node import Node, parse_id, to_global_id
from schema.permissions import requires
from schema.row_values import row_values
from schema.users import User

ReportDimensionKind = strawberry.enum(DimensionKind, name="ReportDimensionKind")
ReportTotalKind = strawberry.enum(TotalKind, name="ReportTotalKind")
ReportMeasure = strawberry.enum(Measure, name="ReportMeasure")
ReportSourceKind = strawberry.enum(SourceKind, name="ReportSourceKind")


@strawberry.input(description="A grouping: FIELD takes a text field's name (city, state...), CUSTOM_FIELD a key.")
class ReportDimensionInput:
    kind: ReportDimensionKind
    field: str | None = None


@strawberry.input(
    description="The rows a report reads: your customers as the `customers` list shows them with the same "
    "arguments (or a saved filter), or an exported JSON file (kind JSON, given as `json` or `file`)."
)
class ReportSourceInput:
    kind: ReportSourceKind = SourceKind.CUSTOMERS
    filter: CustomerFilter | None = UNSET
    search: str | None = UNSET
    portfolio: PortfolioChoice | None = UNSET
    seller_id: strawberry.ID | None = UNSET
    saved_filter_id: strawberry.ID | None = UNSET


@strawberry.input(description="COUNT customers, or SUM / AVG a number custom field or the purchases' amounts.")
class ReportTotalInput:
    kind: ReportTotalKind = TotalKind.COUNT
    measure: ReportMeasure | None = None
    field: str | None = strawberry.field(default=None, description="CUSTOM_FIELD: the number field's key.")
    currency: str | None = strawberry.field(default=None, description="PURCHASES: only this currency.")


@strawberry.input(
    description='Values equal to `from` (case, accents and spaces aside) count as `to` ("SP" -> "São Paulo").'
)
class ReportSynonymInput:
    from_: str = strawberry.field(name="from")
    to: str


@strawberry.input
class ReportDefinitionInput:
    source: ReportSourceInput | None = None
    group_by: list[ReportDimensionInput] = strawberry.field(description="One or two dimensions, as rows.")
    subdivide_by: ReportDimensionInput | None = strawberry.field(
        default=None, description="A second dimension, as columns (with one groupBy)."
    )
    total: ReportTotalInput | None = None
    synonyms: list[ReportSynonymInput] | None = None


def _id_text(value: Any, type_name: str, path: str) -> str:
    pk = parse_id(str(value), type_name)
    if pk is None:
        raise Refused.one(path, Code.INVALID, f"is not a {type_name} id")
    return str(pk)


def definition_from_api(definition: ReportDefinitionInput) -> dict[str, Any]:
    """The definition as resolvers read it and templates keep it: API names, ids as uuid text."""
    source: dict[str, Any] = {"kind": SourceKind.CUSTOMERS.value}
    if definition.source is not None:
        given = provided(definition.source)
        source = {"kind": SourceKind(given.pop("kind", SourceKind.CUSTOMERS)).value}
        if given.get("filter") is not None:
            source["filter"] = filter_from_api(given["filter"])
        if given.get("search"):
            source["search"] = given["search"]
        if given.get("portfolio") is not None:
            source["portfolio"] = getattr(given["portfolio"], "value", given["portfolio"])
        if given.get("sellerId"):
            source["sellerId"] = _id_text(given["sellerId"], "User", "source.sellerId")
        if given.get("savedFilterId"):
            source["savedFilterId"] = _id_text(given["savedFilterId"], "SavedFilter", "source.savedFilterId")

    def dimension(d: ReportDimensionInput) -> dict[str, Any]:
        return {"kind": DimensionKind(d.kind).value, "field": d.field}

    total = definition.total or ReportTotalInput()
    return {
        "source": source,
        "groupBy": [dimension(d) for d in definition.group_by],
        "subdivideBy": dimension(definition.subdivide_by) if definition.subdivide_by else None,
        "total": {
            "kind": TotalKind(total.kind).value,
            "measure": Measure(total.measure).value if total.measure else None,
            "field": total.field,
            "currency": total.currency,
        },
        "synonyms": [{"from": s.from_, "to": s.to} for s in definition.synonyms or []],
    }


def document_from(json: str | None, file: Any) -> str | None:
    """The exported file, given as text or uploaded (multipart); checked, never summed here."""
    if json is not None and file is not None:
        raise Refused.one("file", Code.INVALID, "give the file as json or as file, not both")
    if file is not None:
        if not isinstance(file, UploadedFile):
            raise Refused.one("file", Code.INVALID, "is not an uploaded file")
        if file.path.stat().st_size > MAX_JSON_BYTES:
            raise Refused.one("file", Code.TOO_LONG, f"at most {MAX_JSON_BYTES} bytes")
        try:
            text = file.path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused.one("file", Code.INVALID, "is not UTF-8 text") from None
        return checked_document(text, limit=MAX_JSON_BYTES)
    return checked_document(json) if json is not None else None


# Groups the API names by id (sellers, teams, tags): their keys are its global ids, as everywhere.
_KEY_TYPES = {DimensionKind.OWNER: "User", DimensionKind.TEAM: "Team", DimensionKind.TAG: "Tag"}


def _shown_key(kind: DimensionKind | None, key: str | None) -> str | None:
    type_name = _KEY_TYPES.get(kind) if kind is not None else None
    if key is None or type_name is None:
        return key
    try:
        return to_global_id(type_name, UUID(key))
    except ValueError:  # a report over an export's documents holds global ids already
        return key


@strawberry.type(description="A raw value, as typed, folded into a group, and how many customers hold it.")
class ReportRawValue:
    value: str | None
    count: int


@strawberry.type(
    description="A group of a dimension: its key (the global id of a seller, team or tag, or the folded text), "
    "label and raw values."
)
class ReportGroup:
    key: str | None = strawberry.field(description="Null for customers without a value.")
    label: str | None = strawberry.field(description="The synonym's target, else the most frequent raw value.")
    count: int
    raws: list[ReportRawValue]


@strawberry.type
class ReportAxis:
    kind: ReportDimensionKind
    field: str | None
    column: bool = strawberry.field(description="The subdivision, shown as columns.")
    groups: list[ReportGroup]

    @classmethod
    def of(cls, axis: Axis) -> ReportAxis:
        groups = [
            ReportGroup(
                key=_shown_key(axis.dimension.kind, g.key),
                label=g.label,
                count=g.count,
                raws=[ReportRawValue(value=r.value, count=r.count) for r in g.raws],
            )
            for g in axis.groups
        ]
        return cls(kind=axis.dimension.kind, field=axis.dimension.field, column=axis.column, groups=groups)


@strawberry.type
class ReportCell:
    key: str | None = strawberry.field(description="The subdivision's group.")
    count: int
    value: Decimal | None


@strawberry.type(description="A group of the row dimensions (or a subtotal, or the grand total: rolledUp).")
class ReportRow:
    keys: list[str | None]
    rolled_up: list[bool]
    count: int = strawberry.field(description="Customers.")
    value: Decimal | None = strawberry.field(description="The total asked (the count for COUNT).")
    cells: list[ReportCell] = strawberry.field(description="One per group of the subdivision, in its order.")

    @classmethod
    def of(cls, row: Row, kinds: list[DimensionKind], column: DimensionKind | None) -> ReportRow:
        return cls(
            keys=[_shown_key(kind, key) for kind, key in zip(kinds, row.keys, strict=False)],
            rolled_up=row.rolled_up,
            count=row.count,
            value=row.value,
            cells=[ReportCell(key=_shown_key(column, c.key), count=c.count, value=c.value) for c in row.cells],
        )


@strawberry.type(description="A report: computed by PostgreSQL, within what you may see.")
class ReportTable:
    axes: list[ReportAxis]
    rows: list[ReportRow] = strawberry.field(description="Groups, subtotals, and the grand total last.")
    total: ReportRow

    @classmethod
    def of(cls, table: Table) -> ReportTable:
        kinds = [a.dimension.kind for a in table.axes if not a.column]
        column = next((a.dimension.kind for a in table.axes if a.column), None)
        rows = [ReportRow.of(r, kinds, column) for r in table.rows]
        return cls(axes=[ReportAxis.of(a) for a in table.axes], rows=rows, total=rows[-1])


@strawberry.type(description="A saved report definition; personal unless shared.")
class ReportTemplate(Node):
    name: str
    shared: bool
    created_at: datetime
    updated_at: datetime
    _row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReportTemplate:
        return cls(**row_values(REPORT_TEMPLATE, cls, row), _row=row)

    @strawberry.field(description="The definition, as ReportDefinitionInput takes it (ids as uuids).")
    def definition(self) -> JSON:
        return cast(JSON, self._row["definition"])

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        row = await info.context.loaders.users.load(self._row["owner_id"])
        return User.from_row(row) if row else None


@strawberry.input
class SaveReportTemplateInput:
    name: str
    definition: ReportDefinitionInput
    shared: bool = strawberry.field(default=False, description="Visible to the whole company (report_template:share).")


@strawberry.input
class RenameReportTemplateInput:
    id: strawberry.ID
    name: str


@strawberry.input
class DeleteReportTemplateInput:
    id: strawberry.ID


@strawberry.type
class ReportTemplateSuccess:
    report_template: ReportTemplate | None


@strawberry.type
class ReportTemplateDeleted:
    deleted_id: strawberry.ID


ReportResult = Annotated[ReportTable | ValidationFailed | NotFound, strawberry.union("ReportResult")]
ReportTemplateResult = Annotated[
    ReportTemplateSuccess | ValidationFailed | NotFound, strawberry.union("ReportTemplateResult")
]
DeleteReportTemplateResult = Annotated[ReportTemplateDeleted | NotFound, strawberry.union("DeleteReportTemplateResult")]


def _pk(value: str) -> Any:
    pk = parse_id(value, "ReportTemplate")
    if pk is None:
        raise Missing("ReportTemplate", value)
    return pk


@strawberry.type
class ReportQuery:
    @strawberry.field(
        extensions=requires(P.REPORT_READ),
        description="The report of a definition, at once (the wizard's live preview). An exported JSON "
        "file comes as `json` (text) or `file` (multipart upload) with source kind JSON.",
    )
    @returns_errors
    async def report_preview(
        self, info: Info, definition: ReportDefinitionInput, json: str | None = None, file: Upload | None = None
    ) -> ReportResult | None:
        document = document_from(json, file)
        table = await service.run(info.context.access, definition_from_api(definition), document)
        return ReportTable.of(table)

    @strawberry.field(extensions=requires(P.REPORT_READ), description="A template's report, run now.")
    @returns_errors
    async def run_report(
        self, info: Info, template_id: strawberry.ID, json: str | None = None, file: Upload | None = None
    ) -> ReportResult | None:
        document = document_from(json, file)
        table = await templates.run_template(info.context.access, _pk(template_id), document)
        return ReportTable.of(table)

    @strawberry.field(extensions=requires(P.REPORT_READ), description="Your templates and the shared ones.")
    async def report_templates(self, info: Info) -> list[ReportTemplate]:
        return [ReportTemplate.from_row(r) for r in await templates.list_templates(info.context.access)]


@strawberry.type
class ReportMutation:
    @strawberry.mutation(extensions=requires(P.REPORT_TEMPLATE_CREATE), description="Save a report as a template.")
    @returns_errors
    async def save_report_template(self, info: Info, input: SaveReportTemplateInput) -> ReportTemplateResult | None:
        row = await templates.save_template(
            info.context.access, input.name, definition_from_api(input.definition), input.shared
        )
        return ReportTemplateSuccess(report_template=ReportTemplate.from_row(row))

    @strawberry.mutation(extensions=requires(P.REPORT_TEMPLATE_UPDATE), description="Rename a report template.")
    @returns_errors
    async def rename_report_template(self, info: Info, input: RenameReportTemplateInput) -> ReportTemplateResult | None:
        row = await templates.rename_template(info.context.access, _pk(input.id), input.name)
        return ReportTemplateSuccess(report_template=ReportTemplate.from_row(row))

    @strawberry.mutation(extensions=requires(P.REPORT_TEMPLATE_DELETE))
    @returns_errors
    async def delete_report_template(
        self, info: Info, input: DeleteReportTemplateInput
    ) -> DeleteReportTemplateResult | None:
        await templates.delete_template(info.context.access, _pk(input.id))
        return ReportTemplateDeleted(deleted_id=input.id)
