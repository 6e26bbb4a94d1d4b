"""Customer exports: the export (what was asked, by whom, how it went) and its file in chunks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.fields.db_defaults import SqlDefault

from models.base import TenantOwned


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class ExportStatus(StrEnum):
    READY = "ready"  # small: streamed from GET /exports/{id} when downloaded
    QUEUED = "queued"  # large: a background job writes the file
    RUNNING = "running"
    FINISHED = "finished"  # the file is stored, to download until expires_at
    FAILED = "failed"
    EXPIRED = "expired"  # past expires_at: its file is gone


class CustomerExport(TenantOwned):
    """One export of the customer list, as its creator asked for it."""

    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", null=True, related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    created_by_api_key: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.ApiKey", null=True, related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    format = fields.CharEnumField(ExportFormat, max_length=8)
    status = fields.CharEnumField(ExportStatus, max_length=16)
    # The list's arguments (search, portfolio, seller, sort, filter, saved filter), the columns
    # and the delimiter, as resolvers/exports/arguments.py keeps them.
    arguments: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict, db_default=SqlDefault("'{}'::jsonb"))
    row_count = fields.BigIntField(null=True)
    size_bytes = fields.BigIntField(null=True)
    error = fields.TextField(null=True)
    finished_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "customer_export"


class ExportChunk(TenantOwned):
    """A slice of a finished export's file: any API process streams it back one chunk at a time."""

    customer_export: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.CustomerExport", related_name=False, on_delete=fields.CASCADE, db_index=False
    )
    seq = fields.IntField()
    data = fields.BinaryField()

    class Meta:
        table = "export_chunk"
        unique_together = (("tenant", "customer_export", "seq"),)
