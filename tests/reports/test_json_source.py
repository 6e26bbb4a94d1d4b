"""An exported JSON file as the source: grouped by PostgreSQL, given as text or uploaded."""

from __future__ import annotations

import json

from models import CustomFieldType, Role
from tests.reports.helpers import PREVIEW, counts, dims, groups, preview, values

EXPORT = [
    {"name": "A", "status": "ACTIVE", "originChannel": "WHATSAPP", "owner": {"name": "Ana"}, "tags": ["VIP", "Lead"],
     "address": {"city": "São Paulo"}, "customFields": {"score": 10}, "createdAt": "2026-01-03T10:00:00Z"},
    {"name": "B", "status": "ACTIVE", "originChannel": "whatsapp", "owner": "Ana", "tags": "VIP;Old",
     "city": "sao paulo ", "customFields": {"score": 5}, "createdAt": "2026-02-03T10:00:00Z"},
    {"name": "C", "status": "INACTIVE", "originChannel": "EMAIL", "owner": None, "tags": [],
     "address": {"city": "SP"}, "customFields": {}, "createdAt": "2026-02-09T10:00:00Z"},
]  # fmt: skip


async def test_an_exported_file_groups_like_customers(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.custom_field(tenant, "score", CustomFieldType.NUMBER)
    text = json.dumps(EXPORT)
    source = {"kind": "JSON"}

    by_channel = await preview(gql, admin, {"source": source, "groupBy": dims("ORIGIN_CHANNEL", "STATUS")}, text)
    by_tag = await preview(gql, admin, {"source": source, "groupBy": dims("TAG")}, text)
    by_owner = await preview(gql, admin, {"source": source, "groupBy": dims("OWNER")}, text)
    by_city = await preview(
        gql,
        admin,
        {"source": source, "groupBy": dims(("FIELD", "city")), "synonyms": [{"from": "SP", "to": "São Paulo"}]},
        text,
    )
    by_month = await preview(
        gql,
        admin,
        {
            "source": source,
            "groupBy": dims("CREATED_MONTH"),
            "total": {"kind": "SUM", "measure": "CUSTOM_FIELD", "field": "score"},
        },
        text,
    )

    assert counts(by_channel) == {
        ("WHATSAPP", "ACTIVE"): 2, ("WHATSAPP", "TOTAL"): 2,
        ("EMAIL", "INACTIVE"): 1, ("EMAIL", "TOTAL"): 1, ("TOTAL", "TOTAL"): 3,
    }  # fmt: skip
    assert counts(by_tag) == {("VIP",): 2, ("Lead",): 1, ("Old",): 1, (None,): 1, ("TOTAL",): 3}
    assert counts(by_owner) == {("Ana",): 2, (None,): 1, ("TOTAL",): 3}
    assert groups(by_city)["São Paulo"]["count"] == 3
    assert values(by_month) == {("2026-01",): 10, ("2026-02",): 5, ("TOTAL",): 15}


async def test_an_uploaded_file_is_read_too(http, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    operations = {
        "query": PREVIEW.replace("$json: String", "$file: Upload").replace("json: $json", "file: $file"),
        "variables": {"d": {"source": {"kind": "JSON"}, "groupBy": [{"kind": "STATUS"}]}, "file": None},
    }
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("export.json", json.dumps(EXPORT).encode(), "application/json")},
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    body = response.json()
    assert "errors" not in body, body
    assert counts(body["data"]["reportPreview"]) == {("ACTIVE",): 2, ("INACTIVE",): 1, ("TOTAL",): 3}


async def test_a_file_that_is_not_an_array_of_objects_is_refused(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    definition = {"source": {"kind": "JSON"}, "groupBy": [{"kind": "STATUS"}]}

    for text in ("{", '{"a": 1}', "[1, 2]"):
        answer = await preview(gql, admin, definition, text)
        assert answer["__typename"] == "ValidationFailed"
        assert answer["fields"][0]["field"] == "source.json"
    missing = await preview(gql, admin, definition)
    assert missing["fields"][0]["code"] == "REQUIRED"
