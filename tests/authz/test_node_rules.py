"""``node(id)`` resolves every id the API hands out, under the same rule as the type's root field.

A caller allowed to see a row gets it back through ``node``; a caller who may not (out of scope,
without the permission, another company) gets null, the same answer as for an id that never
existed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from authz.rows import ROW_RULES
from tests.factories import TenantRef, UserRef
from tests.helpers import error_codes, gid
from tests.imports.support import csv_bytes, uploaded

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
PHONES = iter(f"+55219{n:08d}" for n in range(10_000_000, 99_999_999, 7_919))


def _ok(data: dict, field: str, inner: str) -> str:
    payload = data[field]
    assert inner in payload, payload
    return payload[inner]["id"]


@dataclass
class Ids:
    """One id of every kind, as the API handed it out."""

    by_kind: dict[str, str]


@dataclass
class World:
    tenant: TenantRef
    admin: UserRef
    seller: UserRef
    visible: Ids  # everything the seller may see
    hidden: Ids  # the same kinds, where the seller may not see them


async def _customer_world(gql, admin: UserRef, owner: UserRef, label: str) -> dict[str, str]:
    """A customer of ``owner`` with one row of every kind that hangs off a customer."""
    ids: dict[str, str] = {}
    phone = next(PHONES)
    created = await gql.data(
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { ... on CreateCustomerSuccess "
        "{ customer { id } } } }",
        {"i": {"name": f"{label} primary", "phone": phone, "ownerId": owner.gid}},
        as_=admin,
    )
    customer = ids["Customer"] = created["createCustomer"]["customer"]["id"]
    duplicate = (
        await gql.data(
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { ... on CreateCustomerSuccess "
            "{ customer { id } } } }",
            {"i": {"name": f"{label} duplicate", "ownerId": owner.gid}},
            as_=admin,
        )
    )["createCustomer"]["customer"]["id"]
    on = {"customerId": customer}
    ids["Note"] = _ok(
        await gql.data(
            "mutation($i: AddNoteInput!) { addNote(input: $i) { ... on NoteSuccess { note { id } } } }",
            {"i": {**on, "body": "hello"}},
            as_=admin,
        ),
        "addNote",
        "note",
    )
    ids["Task"] = _ok(
        await gql.data(
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { ... on TaskSuccess { task { id } } } }",
            {"i": {**on, "title": "call"}},
            as_=admin,
        ),
        "createTask",
        "task",
    )
    ids["Appointment"] = _ok(
        await gql.data(
            "mutation($i: ScheduleAppointmentInput!) { scheduleAppointment(input: $i) "
            "{ ... on AppointmentSuccess { appointment { id } } } }",
            {"i": {**on, "title": "visit", "startsAt": "2027-01-05T10:00:00Z", "endsAt": "2027-01-05T11:00:00Z"}},
            as_=admin,
        ),
        "scheduleAppointment",
        "appointment",
    )
    ids["Purchase"] = _ok(
        await gql.data(
            "mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) "
            "{ ... on PurchaseSuccess { purchase { id } } } }",
            {"i": {**on, "amount": "10.00", "currency": "BRL", "occurredAt": "2026-11-01T10:00:00Z"}},
            as_=admin,
        ),
        "recordPurchase",
        "purchase",
    )
    ids["Contract"] = _ok(
        await gql.data(
            "mutation($i: CreateContractInput!) { createContract(input: $i) "
            "{ ... on ContractSuccess { contract { id } } } }",
            {"i": {**on, "title": "support", "startsOn": "2026-11-01"}},
            as_=admin,
        ),
        "createContract",
        "contract",
    )
    inbound = (
        await gql.data(
            "mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) "
            "{ ... on InboundMessageRecorded { received { id } conversation { id } customer { id } } } }",
            {"i": {"channel": "WHATSAPP", "from": phone, "body": "hi"}},
            as_=admin,
        )
    )["recordInboundMessage"]
    assert inbound["customer"]["id"] == customer
    ids["Message"], ids["Conversation"] = inbound["received"]["id"], inbound["conversation"]["id"]
    tags = await gql.data(
        "mutation($i: TagsInput!) { addTags(input: $i) { ... on TagsChanged { customer { tags { id } } } } }",
        {"i": {**on, "tags": [f"{label}-tag"]}},
        as_=admin,
    )
    ids["Tag"] = tags["addTags"]["customer"]["tags"][0]["id"]
    merged = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) "
        "{ ... on MergeCustomersSuccess { merge { id } } } }",
        {"i": {"primaryId": customer, "duplicateIds": [duplicate]}},
        as_=admin,
    )
    ids["Merge"] = merged["mergeCustomers"]["merge"]["id"]
    timeline = await gql.data(
        "query($id: ID!) { customer(id: $id) { timeline(first: 50) { nodes { __typename ... on HistoryEntry "
        "{ id } } } } }",
        {"id": customer},
        as_=admin,
    )
    ids["HistoryEntry"] = next(
        n["id"] for n in timeline["customer"]["timeline"]["nodes"] if n["__typename"] == "HistoryEntry"
    )
    return ids


@pytest.fixture
async def world(gql, factory) -> World:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    other = await factory.user(tenant, "seller")
    visible = await _customer_world(gql, admin, seller, "mine")
    hidden = await _customer_world(gql, admin, other, "theirs")
    # Tenant-wide kinds: the seller sees them all; its own saved list, not another seller's private one.
    tenant_wide = await gql.data(
        """mutation {
          createTeam(input: {name: "North"}) { ... on TeamSuccess { team { id } } }
          createCustomField(input: {key: "size", label: "Size", type: TEXT}) { ... on CustomFieldSuccess { field { id } } }
          createMessageTemplate(input: {name: "hello", body: "Hello {{name}}"}) { ... on MessageTemplateSaved { template { id } } }
        }""",
        as_=admin,
    )
    save = 'mutation { saveFilter(input: {name: "mine"}) { ... on SavedFilterSuccess { savedFilter { id } } } }'
    own_filter = (await gql.data(save, as_=seller))["saveFilter"]["savedFilter"]["id"]
    their_filter = (await gql.data(save, as_=other))["saveFilter"]["savedFilter"]["id"]
    tenant_id = (await gql.data("{ tenant { id } }", as_=seller))["tenant"]["id"]
    visible.update(
        Team=tenant_wide["createTeam"]["team"]["id"],
        CustomField=tenant_wide["createCustomField"]["field"]["id"],
        MessageTemplate=tenant_wide["createMessageTemplate"]["template"]["id"],
        SavedFilter=own_filter,
        User=other.gid,
        Tenant=tenant_id,
    )
    hidden["SavedFilter"] = their_filter
    report = (
        'mutation { saveReportTemplate(input: {name: "mine", definition: {groupBy: [{kind: STATUS}]}}) '
        "{ ... on ReportTemplateSuccess { reportTemplate { id } } } }"
    )
    visible["ReportTemplate"] = (await gql.data(report, as_=seller))["saveReportTemplate"]["reportTemplate"]["id"]
    hidden["ReportTemplate"] = (await gql.data(report, as_=other))["saveReportTemplate"]["reportTemplate"]["id"]
    # Imports: a seller sees the ones they started, not another seller's.
    visible["Import"] = (await uploaded(gql, seller, csv_bytes([["nome"], ["Ana"]])))["id"]
    hidden["Import"] = (await uploaded(gql, other, csv_bytes([["nome"], ["Bia"]])))["id"]
    # The audit log is the admins': an entry is out of every seller's reach.
    log = await gql.data("{ auditLog(first: 1) { nodes { id } } }", as_=admin)
    hidden["AuditEntry"] = log["auditLog"]["nodes"][0]["id"]
    # Exports: only whoever asked for one sees it (not even an admin sees a seller's).
    export = "mutation { exportCustomers(format: CSV) { ... on ExportSuccess { export { id } } } }"
    visible["Export"] = (await gql.data(export, as_=seller))["exportCustomers"]["export"]["id"]
    hidden["Export"] = (await gql.data(export, as_=other))["exportCustomers"]["export"]["id"]
    # Tags are the company's (the `tags` root field lists every one): the other seller's is not hidden.
    assert await _node(gql, seller, hidden.pop("Tag")) is not None
    return World(tenant, admin, seller, Ids(visible), Ids(hidden))


async def _node(gql, who, node_id: str) -> dict | None:
    return (await gql.data(NODE, {"id": node_id}, as_=who))["node"]


def test_the_world_holds_an_id_of_every_kind_with_a_rule():
    # If a kind is added to the registry, the world below must hand out one of its ids too.
    assert set(ROW_RULES) == {
        "Customer", "Note", "Task", "Appointment", "Purchase", "Contract", "Conversation", "Message",
        "HistoryEntry", "Merge", "Tag", "Team", "User", "CustomField", "MessageTemplate", "SavedFilter", "Tenant", "Import",
        "AuditEntry", "ReportTemplate", "Export",
    }  # fmt: skip


ADMINS_ONLY = {"AuditEntry"}  # kinds no seller may read: the world holds them among the hidden


async def test_every_id_the_api_hands_out_resolves_for_who_may_see_it(gql, world):
    assert set(world.visible.by_kind) == set(ROW_RULES) - ADMINS_ONLY
    assert set(world.hidden.by_kind) >= ADMINS_ONLY
    for kind, node_id in world.visible.by_kind.items():
        assert await _node(gql, world.seller, node_id) == {"__typename": kind, "id": node_id}, kind
    # The admin sees the whole company, but not a seller's private saved list, report template or export.
    for kind, node_id in [*world.visible.by_kind.items(), *world.hidden.by_kind.items()]:
        expected = None if kind in ("SavedFilter", "ReportTemplate", "Export") else {"__typename": kind, "id": node_id}
        assert await _node(gql, world.admin, node_id) == expected, kind


async def test_rows_out_of_the_sellers_scope_answer_null_like_ids_that_never_existed(gql, world):
    for kind, node_id in world.hidden.by_kind.items():
        assert await _node(gql, world.seller, node_id) is None, kind
        assert await _node(gql, world.seller, gid(kind, uuid.uuid4())) is None, kind


async def test_another_company_sees_none_of_them(gql, factory, world):
    intruder = await factory.user(await factory.tenant(), "admin")

    for kind, node_id in {**world.hidden.by_kind, **world.visible.by_kind}.items():
        assert await _node(gql, intruder, node_id) is None, kind


async def test_a_history_entry_renders_as_in_the_timeline(gql, world):
    query = "query($id: ID!) { node(id: $id) { ... on HistoryEntry { kind actorName changes { field } } } }"

    entry = (await gql.data(query, {"id": world.visible.by_kind["HistoryEntry"]}, as_=world.seller))["node"]

    assert entry["kind"] and entry["actorName"]


# The seller's grant, and the root field that needs it.
WITHDRAWN = {
    "customer, read": "{ customers(first: 1) { totalCount } }",
    "user, read": "{ users { id } }",
    "team, read": "{ teams { id } }",
    "custom_field, read": "{ customFields { id } }",
    "template, read": "{ messageTemplates { id } }",
    "saved_filter, write": "{ savedFilters { id } }",
}


@pytest.mark.parametrize("grant", list(WITHDRAWN))
async def test_without_the_root_fields_permission_node_answers_null(gql, world, policy_edit, grant):
    await policy_edit(lambda text: "\n".join(line for line in text.splitlines() if f"seller, *, {grant}," not in line))
    obj, act = grant.split(", ")

    assert error_codes(await gql.post(WITHDRAWN[grant], as_=world.seller)) == ["FORBIDDEN"]
    for kind, node_id in world.visible.by_kind.items():
        rule = ROW_RULES[kind]
        needs = rule.permission is not None and (rule.permission.object, rule.permission.action) == (obj, act)
        found = await _node(gql, world.seller, node_id)
        assert (found is None) == needs, kind


NESTED_USERS = """query($id: ID!) {
  customer(id: $id) {
    owner { id }
    lastNote { author { id } }
    notes(first: 5) { nodes { author { id } } }
    openTasks { createdBy { id } }
    timeline(first: 50) { nodes { ... on HistoryEntry { actor { id } } } }
  }
  savedFilters { owner { id } }
  me { user { id } }
}"""
LISTED_OWNERS = "{ customers(first: 5) { nodes { owner { id } } } }"  # the compiled list path


def _users_named(data: dict) -> list:
    customer = data["customer"]
    return [
        customer["owner"],
        customer["lastNote"]["author"],
        *(n["author"] for n in customer["notes"]["nodes"]),
        *(t["createdBy"] for t in customer["openTasks"]),
        *(e["actor"] for e in customer["timeline"]["nodes"] if e),
        *(f["owner"] for f in data["savedFilters"]),
    ]


async def test_nested_users_follow_the_user_rule_too(gql, world, policy_edit):
    ask = {"id": world.visible.by_kind["Customer"]}
    before = await gql.data(NESTED_USERS, ask, as_=world.seller)
    assert all(_users_named(before))
    assert (await gql.data(LISTED_OWNERS, as_=world.seller))["customers"]["nodes"][0]["owner"]

    await policy_edit(lambda text: text.replace("p, seller, *, user, read, all", ""))

    after = await gql.data(NESTED_USERS, ask, as_=world.seller)
    assert not any(_users_named(after))
    assert after["me"]["user"] == {"id": world.seller.gid}  # one's own user stays visible
    assert (await gql.data(LISTED_OWNERS, as_=world.seller))["customers"]["nodes"][0]["owner"] is None


async def test_nested_teams_follow_the_team_rule_too(gql, world, policy_edit):
    await gql.data(
        "mutation($i: TeamCustomersInput!) { attachCustomersToTeam(input: $i) { __typename } }",
        {"i": {"teamId": world.visible.by_kind["Team"], "customerIds": [world.visible.by_kind["Customer"]]}},
        as_=world.admin,
    )
    teams = "query($id: ID!) { customer(id: $id) { teams { id } } customers(first: 5) { nodes { teams { id } } } }"
    ask = {"id": world.visible.by_kind["Customer"]}
    before = await gql.data(teams, ask, as_=world.seller)
    assert before["customer"]["teams"] and before["customers"]["nodes"][0]["teams"]

    await policy_edit(lambda text: text.replace("p, seller, *, team, read, all", ""))

    after = await gql.data(teams, ask, as_=world.seller)
    assert after["customer"]["teams"] == [] and after["customers"]["nodes"][0]["teams"] == []
