"""Templates: personal or shared, renamed and deleted by their owner (or an admin), audited, run
again, and downloaded as CSV."""

from __future__ import annotations

from models import Role
from models.db import fetch
from models.sql import Sql
from tests.helpers import error_codes

SAVE = """
mutation ($input: SaveReportTemplateInput!) {
  saveReportTemplate(input: $input) {
    __typename
    ... on ReportTemplateSuccess { reportTemplate { id name shared definition owner { id } } }
    ... on ValidationFailed { fields { field code } }
  }
}
"""
LIST = "{ reportTemplates { id name shared } }"
RENAME = """
mutation ($id: ID!, $name: String!) {
  renameReportTemplate(input: {id: $id, name: $name}) {
    __typename ... on ReportTemplateSuccess { reportTemplate { name } }
  }
}
"""
DELETE = """
mutation ($id: ID!) { deleteReportTemplate(input: {id: $id}) { __typename ... on ReportTemplateDeleted { deletedId } } }
"""
RUN = """
query ($id: ID!) { runReport(templateId: $id) { __typename ... on ReportTable { total { count } } } }
"""
DEFINITION = {"groupBy": [{"kind": "ORIGIN_CHANNEL"}], "subdivideBy": {"kind": "STATUS"}}


async def _save(gql, user, name, shared=False, definition=None):
    data = await gql.data(
        SAVE, {"input": {"name": name, "shared": shared, "definition": definition or DEFINITION}}, as_=user
    )
    return data["saveReportTemplate"]


async def test_a_personal_template_is_its_owners_alone_and_a_shared_one_everyones(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    ana = await factory.user(tenant, Role.SELLER)
    bia = await factory.user(tenant, Role.SELLER)

    mine = (await _save(gql, ana, "Mine"))["reportTemplate"]
    shared = (await _save(gql, admin, "Company", shared=True))["reportTemplate"]

    assert {t["name"] for t in (await gql.data(LIST, as_=ana))["reportTemplates"]} == {"Mine", "Company"}
    assert {t["name"] for t in (await gql.data(LIST, as_=bia))["reportTemplates"]} == {"Company"}
    hidden = await gql.data(RUN, {"id": mine["id"]}, as_=bia)
    assert hidden["runReport"]["__typename"] == "NotFound"
    assert (await gql.data(RUN, {"id": shared["id"]}, as_=bia))["runReport"]["__typename"] == "ReportTable"
    node = await gql.data("query ($id: ID!) { node(id: $id) { id } }", {"id": mine["id"]}, as_=bia)
    assert node["node"] is None
    assert mine["definition"]["subdivideBy"] == {"kind": "status", "field": None}


async def test_only_the_owner_or_an_admin_renames_and_deletes(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    boss = await factory.user(tenant, Role.SUPERVISOR)
    ana = await factory.user(tenant, Role.SELLER)

    shared = (await _save(gql, boss, "Weekly", shared=True))["reportTemplate"]

    refused = await gql.post(RENAME, {"id": shared["id"], "name": "Mine now"}, as_=ana)
    assert error_codes(refused) == ["FORBIDDEN"]
    refused = await gql.post(DELETE, {"id": shared["id"]}, as_=ana)
    assert error_codes(refused) == ["FORBIDDEN"]
    renamed = await gql.data(RENAME, {"id": shared["id"], "name": "Weekly  sales"}, as_=boss)
    assert renamed["renameReportTemplate"]["reportTemplate"]["name"] == "Weekly sales"
    renamed = await gql.data(RENAME, {"id": shared["id"], "name": "Sales"}, as_=admin)
    assert renamed["renameReportTemplate"]["reportTemplate"]["name"] == "Sales"
    deleted = await gql.data(DELETE, {"id": shared["id"]}, as_=admin)
    assert deleted["deleteReportTemplate"]["deletedId"] == shared["id"]
    assert (await gql.data(LIST, as_=boss))["reportTemplates"] == []

    audit = await fetch(
        Sql("SELECT action FROM audit_entry WHERE tenant_id = %s ORDER BY created_at, action", tenant.id)
    )
    assert [a["action"] for a in audit] == [
        "report_template.create",
        "report_template.rename",
        "report_template.rename",
        "report_template.delete",
    ]


async def test_a_seller_may_not_share_and_bad_definitions_are_not_saved(gql, factory):
    tenant = await factory.tenant()
    ana = await factory.user(tenant, Role.SELLER)

    refused = await gql.post(SAVE, {"input": {"name": "X", "shared": True, "definition": DEFINITION}}, as_=ana)
    bad = await _save(gql, ana, "Bad", definition={"groupBy": [{"kind": "CUSTOM_FIELD", "field": "nope"}]})
    twice = await _save(gql, ana, "Same")
    again = await _save(gql, ana, "Same")

    assert error_codes(refused) == ["FORBIDDEN"]
    assert bad["__typename"] == "ValidationFailed"
    assert twice["__typename"] == "ReportTemplateSuccess"
    assert again["fields"] == [{"field": "name", "code": "TAKEN"}]
    assert len((await gql.data(LIST, as_=ana))["reportTemplates"]) == 1


async def test_a_template_downloads_as_csv_for_excel(gql, factory, http):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, Role.ADMIN)
    await factory.customer(tenant, origin_channel="email", status="active")
    await factory.customer(tenant, origin_channel="email", status="active", address_city="=cmd()")
    await factory.customer(tenant, origin_channel="whatsapp", status="active", address_city="Rio")
    saved = await _save(
        gql,
        admin,
        "Cities",
        definition={"groupBy": [{"kind": "ORIGIN_CHANNEL"}], "subdivideBy": {"kind": "FIELD", "field": "city"}},
    )
    template = saved["reportTemplate"]["id"]

    response = await http.get(f"/reports/{template}.csv", headers={"Authorization": f"Bearer {admin.token}"})
    anonymous = await http.get(f"/reports/{template}.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "origin_channel;'=cmd();Rio;(empty);Total",
        "email;1;0;1;2",
        "whatsapp;0;1;0;1",
        "Total;1;1;1;3",
    ]
    assert anonymous.status_code == 401
