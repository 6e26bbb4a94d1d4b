"""Helpers of the export tests: ask for an export, download it, read it back; the list to compare."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from python_calamine import CalamineWorkbook

EXPORT = """mutation($format: ExportFormat!, $filter: CustomerFilter, $search: String, $portfolio: Portfolio,
  $savedFilterId: ID, $sort: CustomerSort, $columns: [String!], $delimiter: String) {
  exportCustomers(format: $format, filter: $filter, search: $search, portfolio: $portfolio,
    savedFilterId: $savedFilterId, sort: $sort, columns: $columns, delimiter: $delimiter) {
    __typename
    ... on ExportSuccess { export { id status format rowCount createdAt finishedAt expiresAt downloadUrl error } }
    ... on ValidationFailed { fields { field code } }
    ... on NotFound { message }
  } }"""

LIST = """query($after: String, $filter: CustomerFilter, $search: String, $portfolio: Portfolio, $sort: CustomerSort) {
  customers(first: 100, after: $after, filter: $filter, search: $search, portfolio: $portfolio, sort: $sort) {
    pageInfo { hasNextPage endCursor }
    nodes { id name email phone whatsapp contactHidden tags { name } owner { email } } } }"""


async def export(gql: Any, user: Any, format: str = "CSV", **arguments: Any) -> dict[str, Any]:
    body = await gql.data(EXPORT, {"format": format, **arguments}, as_=user)
    return body["exportCustomers"]


async def exported(gql: Any, user: Any, format: str = "CSV", **arguments: Any) -> dict[str, Any]:
    answer = await export(gql, user, format, **arguments)
    assert answer["__typename"] == "ExportSuccess", answer
    return answer["export"]


async def download(gql: Any, user: Any, export: dict[str, Any]) -> Any:
    return await gql.http.get(export["downloadUrl"], headers={"Authorization": f"Bearer {user.token}"})


async def listed(gql: Any, user: Any, **arguments: Any) -> list[dict[str, Any]]:
    """Every row of the ``customers`` list, page after page."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gql.data(LIST, {"after": after, **arguments}, as_=user))["customers"]
        rows += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def read_csv(content: bytes, delimiter: str = ";") -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def read_xlsx(content: bytes) -> list[dict[str, Any]]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    headers = [str(h) for h in sheet[0]]
    return [dict(zip(headers, row, strict=True)) for row in sheet[1:]]


def read_json(content: bytes) -> list[dict[str, Any]]:
    return json.loads(content)


def read(format: str, content: bytes) -> list[dict[str, Any]]:
    """Rows with the API's names for what the comparisons use: id, name, email, tags (names)."""
    if format == "JSON":
        return [
            {"id": r["id"], "name": r["name"], "email": r.get("email"), "tags": [t["name"] for t in r["tags"]]}
            for r in read_json(content)
        ]
    rows = read_csv(content) if format == "CSV" else read_xlsx(content)
    return [
        {
            "id": r["ID"],
            "name": r["Nome"],
            "email": r["E-mail"] or None,
            "tags": [t for t in str(r["Tags"]).split(";") if t],
        }
        for r in rows
    ]


def as_listed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "name": r["name"], "email": r["email"], "tags": [t["name"] for t in r["tags"]]} for r in rows
    ]
