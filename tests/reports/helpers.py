from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from models.db import execute
from models.sql import Sql

PREVIEW = """
query ($d: ReportDefinitionInput!, $json: String) {
  reportPreview(definition: $d, json: $json) {
    __typename
    ... on ReportTable {
      axes { kind field column groups { key label count raws { value count } } }
      rows { keys rolledUp count value cells { key count value } }
      total { count value }
    }
    ... on ValidationFailed { fields { field code message } }
    ... on NotFound { message }
  }
}
"""


def dims(*kinds: str | tuple[str, str]) -> list[dict[str, Any]]:
    out = []
    for k in kinds:
        kind, field = (k, None) if isinstance(k, str) else k
        out.append({"kind": kind, "field": field})
    return out


async def preview(gql: Any, user: Any, definition: dict[str, Any], json_text: str | None = None) -> dict[str, Any]:
    data = await gql.data(PREVIEW, {"d": definition, "json": json_text}, as_=user)
    return data["reportPreview"]


def counts(table: dict[str, Any]) -> dict[tuple[Any, ...], int]:
    """Row keys (labels through the axes; 'TOTAL' where rolled up) -> customer count."""
    labels = [{g["key"]: g["label"] for g in a["groups"]} for a in table["axes"] if not a["column"]]
    out = {}
    for row in table["rows"]:
        key = tuple(
            "TOTAL" if rolled else labels[i].get(k)
            for i, (k, rolled) in enumerate(zip(row["keys"], row["rolledUp"], strict=False))
        )
        out[key] = row["count"]
    return out


def values(table: dict[str, Any]) -> dict[tuple[Any, ...], Decimal | None]:
    labels = [{g["key"]: g["label"] for g in a["groups"]} for a in table["axes"] if not a["column"]]
    out = {}
    for row in table["rows"]:
        key = tuple(
            "TOTAL" if rolled else labels[i].get(k)
            for i, (k, rolled) in enumerate(zip(row["keys"], row["rolledUp"], strict=False))
        )
        out[key] = None if row["value"] is None else Decimal(row["value"])
    return out


def groups(table: dict[str, Any], axis: int = 0) -> dict[str | None, dict[str, Any]]:
    """Label -> group (with its raw values) of an axis."""
    return {g["label"]: g for g in table["axes"][axis]["groups"]}


def as_json(values: dict[str, Any]) -> str:
    return json.dumps(values)


async def tag(tenant_id: UUID, customer_id: UUID, name: str) -> UUID:
    from models import Tag

    found = await Tag.filter(tenant_id=tenant_id, name_key=name.lower()).first()
    if found is None:
        found = await Tag.create(tenant_id=tenant_id, name=name, name_key=name.lower())
    await execute(
        Sql(
            "INSERT INTO customer_tag (tenant_id, customer_id, tag_id) VALUES (%s, %s, %s)",
            tenant_id,
            customer_id,
            found.id,
        )
    )
    return found.id


async def purchase(tenant_id: UUID, customer_id: UUID, amount: str, currency: str = "BRL") -> None:
    await execute(
        Sql(
            "INSERT INTO purchase (tenant_id, customer_id, amount, currency, occurred_at) VALUES (%s, %s, %s, %s, now())",
            tenant_id,
            customer_id,
            Decimal(amount),
            currency,
        )
    )
