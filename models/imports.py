"""Customer imports: the uploaded file (in chunks), the import itself, and one record per row."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import SqlDefault

from models.base import TenantOwned
from models.descriptors import Column, Entity, ToOne, register


class ImportStatus(StrEnum):
    UPLOADED = "uploaded"
    PLANNING = "planning"
    PLANNED = "planned"
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    REVERTING = "reverting"
    REVERTED = "reverted"


class ImportMode(StrEnum):
    CREATE_ONLY = "create_only"
    UPSERT = "upsert"  # replace existing customers with the same email or phone


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"  # matches an existing customer and changes nothing
    DUPLICATE_IN_FILE = "duplicate_in_file"
    CONFLICT = "conflict"  # matches a customer the caller may not update (or several)
    ERROR = "error"


class CustomerImport(TenantOwned):
    """One uploaded file and what became of it. ``number`` is the company's "import #N"."""

    number = fields.IntField()
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    created_by_api_key: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.ApiKey", null=True, related_name=False, on_delete=fields.SET_NULL, db_index=False
    )
    file_name = fields.CharField(max_length=255)
    format = fields.CharField(max_length=8)  # csv or xlsx
    size_bytes = fields.BigIntField()
    encoding = fields.CharField(max_length=32, null=True)
    delimiter = fields.CharField(max_length=4, null=True)
    headers: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"))
    # header -> {"kind": ..., "field": ...}; see resolvers/imports/mapping.py
    mapping: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))
    mode = fields.CharEnumField(ImportMode, max_length=16, default=ImportMode.CREATE_ONLY, db_default="create_only")
    status = fields.CharEnumField(ImportStatus, max_length=16, default=ImportStatus.UPLOADED, db_default="uploaded")
    # The plan's counts were taken with this mode and mapping; a change makes them stale.
    planned_mode = fields.CharField(max_length=16, null=True)
    total = fields.IntField(default=0, db_default=0)
    processed = fields.IntField(default=0, db_default=0)
    created = fields.IntField(default=0, db_default=0)
    updated = fields.IntField(default=0, db_default=0)
    skipped = fields.IntField(default=0, db_default=0)
    failed = fields.IntField(default=0, db_default=0)
    conflicts = fields.IntField(default=0, db_default=0)
    duplicates_in_file = fields.IntField(default=0, db_default=0)
    # The last file row whose result is committed: a restarted run goes on after it.
    applied_through = fields.IntField(default=0, db_default=0)
    error_message = fields.TextField(null=True)
    # What a revert kept and why: {"kept": [{"customerId", "reason"}], "deleted": n, "restored": n}
    revert_report: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    reverted_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer_import"
        unique_together = (("tenant", "number"),)


class ImportChunk(TenantOwned):
    """A slice of the uploaded file, so any worker process can read it back with flat memory."""

    customer_import: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.CustomerImport", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    seq = fields.IntField()
    data = fields.BinaryField()

    class Meta:
        table = "import_chunk"
        unique_together = (("tenant", "customer_import", "seq"),)


class ImportRow(TenantOwned):
    """What the plan or the run decided for one row of the file."""

    customer_import: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.CustomerImport", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    row_number = fields.IntField()  # 1 is the header line's row; data starts at 2
    action = fields.CharEnumField(RowAction, max_length=20)
    errors: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(
        default=list, db_default=SqlDefault("'[]'::jsonb")
    )
    cells: fields.JSONField[list[str]] = fields.JSONField(default=list, db_default=SqlDefault("'[]'::jsonb"))
    customer_id = fields.UUIDField(null=True)  # no foreign key: a revert deletes customers, the record stays
    # The customer's columns (and tags) before an UPDATE, for revert; its version after it.
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    version_after = fields.IntField(null=True)
    applied = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "import_row"
        unique_together = (("tenant", "customer_import", "row_number"),)


class ImportKey(TenantOwned):
    """A contact key (or a matched customer) of a row already decided in this import's current
    pass, with the first row giving it: duplicates in the file are found here rather than in the
    worker's memory, and a resumed run still knows the keys of the batches committed before."""

    customer_import: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.CustomerImport", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    kind = fields.CharField(max_length=8)  # email, phone, or customer (an upsert's target)
    value = fields.CharField(max_length=254)
    row_number = fields.IntField()

    class Meta:
        table = "import_key"
        unique_together = (("tenant", "customer_import", "kind", "value"),)


IMPORT = register(
    Entity(
        "Import",
        "customer_import",
        (
            Column("id", "id", "id", nullable=False),
            Column(None, "tenant_id", "uuid", nullable=False),
            Column("number", "number", "int", nullable=False),
            Column(None, "created_by_id", "uuid"),
            Column(None, "created_by_api_key_id", "uuid"),
            Column("fileName", "file_name", "string", nullable=False),
            Column("format", "format", "string", nullable=False),
            Column("sizeBytes", "size_bytes", "int", nullable=False),
            Column("encoding", "encoding", "string"),
            Column("delimiter", "delimiter", "string"),
            Column(None, "headers", "json", nullable=False),  # shown as Import.headers, a list of strings
            Column(None, "mapping", "json", nullable=False),
            Column("mode", "mode", "enum", nullable=False, enum=ImportMode),
            Column("status", "status", "enum", nullable=False, enum=ImportStatus),
            Column(None, "planned_mode", "string"),
            # The counters: shown together as Import.counts.
            *(
                Column(None, sql, "int", nullable=False)
                for sql in (
                    "total",
                    "processed",
                    "created",
                    "updated",
                    "skipped",
                    "failed",
                    "conflicts",
                    "duplicates_in_file",
                )
            ),
            Column(None, "applied_through", "int", nullable=False),
            Column("errorMessage", "error_message", "string"),
            Column(None, "revert_report", "json"),
            Column("createdAt", "created_at", "datetime", nullable=False),
            Column("startedAt", "started_at", "datetime"),
            Column("finishedAt", "finished_at", "datetime"),
            Column("revertedAt", "reverted_at", "datetime"),
            Column("updatedAt", "updated_at", "datetime", nullable=False),
        ),
        (ToOne("createdBy", "User", "created_by_id"),),
    )
)
