"""Driving imports through POST /graphql: multipart uploads, the mutations, the job queue."""

from __future__ import annotations

import json
from typing import Any

from resolvers.jobs.testing import run_pending_jobs

IMPORT_FIELDS = """
  id number fileName format status mode headers encoding delimiter
  mapping { column kind field }
  suggestedMapping { column kind field }
  counts { total processed created updated skipped failed conflicts duplicatesInFile }
  errorMessage
"""

CREATE_IMPORT = f"""
mutation($file: Upload!, $mode: ImportMode) {{
  createImport(file: $file, mode: $mode) {{
    __typename
    ... on ImportSuccess {{ import {{ {IMPORT_FIELDS} }} }}
    ... on ValidationFailed {{ fields {{ field code message }} }}
  }}
}}
"""

RESULT = f"""__typename
    ... on ImportSuccess {{ import {{ {IMPORT_FIELDS} }} }}
    ... on ValidationFailed {{ message fields {{ field code message }} }}
    ... on NotFound {{ message }}"""

UPDATE_MAPPING = f"""
mutation($id: ID!, $mapping: [ColumnMappingInput!]!) {{
  updateImportMapping(id: $id, mapping: $mapping) {{ {RESULT} }}
}}
"""
PLAN = f"mutation($id: ID!, $mode: ImportMode) {{ planImport(id: $id, mode: $mode) {{ {RESULT} }} }}"
START = f"mutation($id: ID!, $mode: ImportMode) {{ startImport(id: $id, mode: $mode) {{ {RESULT} }} }}"
REVERT = f"mutation($id: ID!) {{ revertImport(id: $id) {{ {RESULT} }} }}"

READ = f"""
query($id: ID!, $action: ImportRowAction) {{
  node(id: $id) {{
    ... on Import {{
      {IMPORT_FIELDS}
      rows(action: $action, first: 100) {{
        totalCount
        nodes {{ rowNumber action errors {{ column field code message }} customer {{ id name }} }}
      }}
      revertReport {{ deleted restored kept {{ rowNumber customerId reason }} }}
    }}
  }}
}}
"""


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "\r\n".join(delimiter.join(cell(c) for c in row) for row in rows).encode(encoding) + b"\r\n"


async def upload(
    gql: Any, as_: Any, content: bytes, *, name: str = "clientes.csv", mode: str | None = None,
    content_type: str = "text/csv",
) -> dict[str, Any]:  # fmt: skip
    """POST a multipart GraphQL request creating an import; the whole answer."""
    operations = json.dumps({"query": CREATE_IMPORT, "variables": {"file": None, "mode": mode}})
    credential = as_ if isinstance(as_, str) else as_.token
    response = await gql.http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, content, content_type)},
        headers={"Authorization": f"Bearer {credential}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def uploaded(gql: Any, as_: Any, content: bytes, **kwargs: Any) -> dict[str, Any]:
    body = await upload(gql, as_, content, **kwargs)
    assert "errors" not in body, body["errors"]
    result = body["data"]["createImport"]
    assert result["__typename"] == "ImportSuccess", result
    return result["import"]


async def read(gql: Any, as_: Any, import_id: str, action: str | None = None) -> dict[str, Any] | None:
    data = await gql.data(READ, {"id": import_id, "action": action}, as_=as_)
    return data["node"]


async def act(gql: Any, as_: Any, mutation: str, **variables: Any) -> dict[str, Any]:
    data = await gql.data(mutation, variables, as_=as_)
    return next(iter(data.values()))


async def plan(gql: Any, as_: Any, import_id: str, mode: str | None = None) -> dict[str, Any]:
    result = await act(gql, as_, PLAN, id=import_id, mode=mode)
    assert result["__typename"] == "ImportSuccess", result
    await run_pending_jobs()
    found = await read(gql, as_, import_id)
    assert found is not None and found["status"] == "PLANNED", found
    return found


async def start(gql: Any, as_: Any, import_id: str, mode: str | None = None) -> dict[str, Any]:
    result = await act(gql, as_, START, id=import_id, mode=mode)
    assert result["__typename"] == "ImportSuccess", result
    await run_pending_jobs()
    found = await read(gql, as_, import_id)
    assert found is not None
    return found


def actions(found: dict[str, Any]) -> dict[int, str]:
    return {r["rowNumber"]: r["action"] for r in found["rows"]["nodes"]}


def mapping_input(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"kind": m["kind"], "field": m["field"]} for m in found["mapping"]]
