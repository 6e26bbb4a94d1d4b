"""Who may export, whose exports one downloads, and the audit entry of every export."""

from __future__ import annotations

from models.db import fetch
from models.sql import Sql
from tests.exports.support import download, exported, read
from tests.helpers import error_codes

EXPORT = "mutation { exportCustomers(format: CSV) { __typename } }"


async def test_a_company_takes_exporting_away_from_sellers(gql, factory, policy_edit):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    await factory.customer(tenant, owner=seller)
    assert (await gql.data(EXPORT, as_=seller))["exportCustomers"]["__typename"] == "ExportSuccess"

    await policy_edit(lambda text: text.replace("p, seller, *, customer, export, team\n", ""))

    body = await gql.post(EXPORT, as_=seller)
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await gql.data("{ customers { totalCount } }", as_=seller))["customers"]["totalCount"] == 1


async def test_a_narrower_export_grant_narrows_the_export_never_widens_it(gql, factory, policy_edit):
    tenant = await factory.tenant()
    team = await factory.team(tenant)
    seller, other = await factory.user(tenant, "seller", teams=[team]), await factory.user(tenant, "seller")
    mine = await factory.customer(tenant, name="Mine", owner=seller)
    await factory.customer(tenant, name="Team's", owner=other, teams=[team])
    await policy_edit(
        lambda text: text.replace("p, seller, *, customer, export, team", "p, seller, *, customer, export, own")
    )

    export = await exported(gql, seller, "JSON", portfolio="ALL")

    rows = read("JSON", (await download(gql, seller, export)).content)
    assert [r["name"] for r in rows] == ["Mine"] and export["rowCount"] == 1
    assert mine


async def test_only_its_creator_downloads_an_export(gql, factory):
    tenant = await factory.tenant()
    admin, colleague = await factory.user(tenant, "admin"), await factory.user(tenant, "admin")
    stranger = await factory.user(await factory.tenant(), "admin")
    await factory.customer(tenant)
    export = await exported(gql, admin, "CSV")

    for someone in (colleague, stranger):
        response = await download(gql, someone, export)
        assert response.status_code == 404 and response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        node = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": export["id"]}, as_=someone)
        assert node == {"node": None}
    unsigned = await gql.http.get(export["downloadUrl"])
    assert unsigned.status_code == 401
    assert (await download(gql, admin, export)).status_code == 200
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Export { status rowCount } } }", {"id": export["id"]}, as_=admin
    )
    assert node == {"node": {"status": "READY", "rowCount": 1}}


async def test_every_export_is_in_the_audit_log(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    await factory.customer(tenant, name="Ana")
    await factory.customer(tenant, name="Bia")

    await exported(gql, admin, "XLSX", search="ana", sort={"field": "NAME", "direction": "ASC"}, columns=["name"])

    entries = await fetch(
        Sql("SELECT actor_id, action, object_type, object_id, details FROM audit_entry WHERE tenant_id = %s", tenant.id)
    )
    exports = await fetch(Sql("SELECT id FROM customer_export WHERE tenant_id = %s", tenant.id))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["actor_id"], entry["action"], entry["object_type"], entry["object_id"]) == (
        admin.id,
        "customer.export",
        "Export",
        exports[0]["id"],
    )
    details = entry["details"] if isinstance(entry["details"], dict) else __import__("json").loads(entry["details"])
    assert details == {
        "format": "xlsx",
        "filter": None,
        "search": "ana",
        "portfolio": None,
        "sort": {"field": "name", "descending": False},
        "savedFilterId": None,
        "columns": ["name"],
        "rowCount": 1,
    }
