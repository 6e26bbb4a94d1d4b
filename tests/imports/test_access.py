"""Who may import what: sellers into their own portfolio only; imports stay within their company."""

from __future__ import annotations

from models.db import fetch
from models.sql import Sql
from tests.helpers import error_codes
from tests.imports.support import (
    PLAN,
    UPDATE_MAPPING,
    act,
    csv_bytes,
    mapping_input,
    plan,
    read,
    start,
    upload,
    uploaded,
)

LIST = "{ imports(first: 10) { totalCount nodes { id number fileName } } }"


async def test_a_seller_imports_into_their_own_portfolio_and_may_not_map_an_owner(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    colleague = await factory.user(tenant, "seller")
    content = csv_bytes([["nome", "vendedor"], ["Ana", colleague.email]])

    imp = await uploaded(gql, seller, content)
    mapping = mapping_input(imp)
    mapping[1] = {"kind": "OWNER", "field": None}
    refused = await act(gql, seller, UPDATE_MAPPING, id=imp["id"], mapping=mapping)
    await plan(gql, seller, imp["id"])
    done = await start(gql, seller, imp["id"])

    assert [m["kind"] for m in imp["suggestedMapping"]] == ["FIELD", "IGNORE"]  # no owner column for them
    assert refused["__typename"] == "ValidationFailed" and "own portfolio" in refused["fields"][0]["message"]
    assert done["status"] == "FINISHED"
    owners = await fetch(Sql("SELECT owner_id FROM customer WHERE tenant_id = %s", tenant.id))
    assert [r["owner_id"] for r in owners] == [seller.id]


async def test_an_admin_maps_an_owner_column_by_email(gql, factory):
    tenant = await factory.tenant()
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    content = csv_bytes([["nome", "vendedor"], ["Ana", seller.email.upper()], ["Bia", "ninguem@example.com"]])

    imp = await uploaded(gql, admin, content)
    planned = await plan(gql, admin, imp["id"])
    await start(gql, admin, imp["id"])

    assert [m["kind"] for m in imp["suggestedMapping"]] == ["FIELD", "OWNER"]
    errors = {r["rowNumber"]: r["errors"] for r in planned["rows"]["nodes"]}
    assert errors[3] == [
        {
            "column": "vendedor",
            "field": "owner",
            "code": "UNKNOWN",
            "message": "no active user of the company has this email",
        }
    ]
    owners = await fetch(Sql("SELECT name, owner_id FROM customer WHERE tenant_id = %s", tenant.id))
    assert [(r["name"], r["owner_id"]) for r in owners] == [("Ana", seller.id)]


async def test_another_companys_import_is_invisible_and_untouchable(gql, factory):
    tenant, other = await factory.tenant(), await factory.tenant()
    admin, stranger = await factory.user(tenant, "admin"), await factory.user(other, "admin")
    seller = await factory.user(tenant, "seller")
    imp = await uploaded(gql, admin, csv_bytes([["nome"], ["Ana"]]))

    seen = await read(gql, stranger, imp["id"])
    listed = await gql.data(LIST, as_=stranger)
    planned = await act(gql, stranger, PLAN, id=imp["id"])
    by_seller = await act(gql, seller, PLAN, id=imp["id"])
    own_list = await gql.data(LIST, as_=admin)

    assert seen is None
    assert listed["imports"] == {"totalCount": 0, "nodes": []}
    assert planned["__typename"] == "NotFound"
    assert by_seller["__typename"] == "NotFound"  # a seller sees only their own imports
    assert [n["number"] for n in own_list["imports"]["nodes"]] == [1]


async def test_importing_needs_the_permission_and_an_unbound_seller_key_may_not(gql, factory):
    tenant = await factory.tenant()
    _, key = await factory.api_key(tenant, "seller")

    body = await upload(gql, key, csv_bytes([["nome"], ["Ana"]]))

    assert error_codes(body) == ["FORBIDDEN"]
