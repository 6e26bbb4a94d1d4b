"""Every kind of change in a company leaves an audit entry: who, what, before and after.

Each case makes the real change through GraphQL and reads the entry back through ``auditLog``:
its action, object, actor, and the changed fields as the API spells them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from schema.node import from_global_id
from tests.audit.support import entries, one
from tests.factories import Factory, TenantRef, UserRef, gid
from tests.imports.support import REVERT, UPDATE_MAPPING, act, csv_bytes, start, uploaded

NOTE_ADD = "mutation($i: AddNoteInput!) { addNote(input: $i) { __typename ... on NoteSuccess { note { id } } } }"
NOTE_EDIT = "mutation($i: EditNoteInput!) { editNote(input: $i) { __typename } }"
NOTE_DELETE = "mutation($i: DeleteInput!) { deleteNote(input: $i) { __typename } }"
TASK_CREATE = (
    "mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename ... on TaskSuccess { task { id } } } }"
)
TASK_UPDATE = "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { __typename } }"
SCHEDULE = """mutation($i: ScheduleAppointmentInput!) { scheduleAppointment(input: $i) { __typename
  ... on AppointmentSuccess { appointment { id } } } }"""
RESCHEDULE = "mutation($i: RescheduleAppointmentInput!) { rescheduleAppointment(input: $i) { __typename } }"
CANCEL = "mutation($i: DeleteInput!) { cancelAppointment(input: $i) { __typename } }"
PURCHASE = """mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) { __typename
  ... on PurchaseSuccess { purchase { id } created } } }"""
ACCESS = "mutation($i: ConversationAccessInput!) { setConversationAccess(input: $i) { __typename } }"
TEMPLATE = """mutation($i: MessageTemplateInput!) { createMessageTemplate(input: $i) { __typename
  ... on MessageTemplateSaved { template { id } } } }"""
TEMPLATE_UPDATE = "mutation($i: UpdateMessageTemplateInput!) { updateMessageTemplate(input: $i) { __typename } }"
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on ConversationsStarted { conversations { id } } } }"""
STATUS = "mutation($i: ConversationStatusInput!) { setConversationStatus(input: $i) { __typename } }"
FIELD_CREATE = """mutation($i: CreateCustomFieldInput!) { createCustomField(input: $i) { __typename
  ... on CustomFieldSuccess { field { id version } } } }"""
FIELD_UPDATE = "mutation($i: UpdateCustomFieldInput!) { updateCustomField(input: $i) { __typename } }"
FIELD_DELETE = "mutation($i: DeleteCustomFieldInput!) { deleteCustomField(input: $i) { __typename } }"
OPTION_RENAME = "mutation($i: RenameFieldOptionInput!) { renameFieldOption(input: $i) { __typename } }"
TEAM_CREATE = (
    "mutation($i: CreateTeamInput!) { createTeam(input: $i) { __typename ... on TeamSuccess { team { id } } } }"
)
TEAM_RENAME = "mutation($i: RenameTeamInput!) { renameTeam(input: $i) { __typename } }"
TEAM_DELETE = "mutation($i: DeleteTeamInput!) { deleteTeam(input: $i) { __typename } }"
TEAM_MEMBERS = "mutation($i: TeamMembersInput!) { changeTeamMembers(input: $i) { __typename } }"
TEAM_ATTACH = "mutation($i: TeamCustomersInput!) { attachCustomersToTeam(input: $i) { __typename } }"
SETTINGS = "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { __typename } }"
TRANSFER = "mutation($i: TransferCustomersInput!) { transferCustomers(input: $i) { __typename } }"
REMOVE = "mutation($i: RemoveFromPortfolioInput!) { removeFromPortfolio(input: $i) { __typename } }"
CUSTOMER_CREATE = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename
  ... on CreateCustomerSuccess { customer { id } } } }"""
CUSTOMER_UPDATE = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }"
MERGE = """mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename
  ... on MergeCustomersSuccess { merge { id } } } }"""
UNDO = "mutation($i: UndoMergeInput!) { undoMerge(input: $i) { __typename } }"
FILTER_SAVE = """mutation($i: SaveFilterInput!) { saveFilter(input: $i) { __typename
  ... on SavedFilterSuccess { savedFilter { id } } } }"""
FILTER_UPDATE = "mutation($i: UpdateSavedFilterInput!) { updateSavedFilter(input: $i) { __typename } }"
FILTER_DELETE = "mutation($i: DeleteSavedFilterInput!) { deleteSavedFilter(input: $i) { __typename } }"
INBOUND = """mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename
  ... on InboundMessageRecorded { customerCreated customer { id } } } }"""
TAG_ADD = "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }"
TAG_DELETE = "mutation($i: DeleteTagInput!) { deleteTag(input: $i) { __typename } }"
REPLY = "mutation($i: ReplyInput!) { replyToConversation(input: $i) { __typename } }"
SUCCEEDED = ("Recorded", "Success", "Changed", "Saved", "Started", "Deleted", "Sent")


@dataclass
class Env:
    gql: Any
    factory: Factory
    tenant: TenantRef
    admin: UserRef
    seller: UserRef
    customer: Any  # a customer's uuid

    async def do(self, mutation: str, input_: dict[str, Any]) -> dict[str, Any]:
        data = await self.gql.data(mutation, {"i": input_}, as_=self.admin)
        result = next(iter(data.values()))
        assert result["__typename"].endswith(SUCCEEDED), result
        return result


@dataclass
class Expected:
    action: str
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


Case = Callable[[Env], Awaitable[Expected]]


async def _note(env: Env) -> str:
    return (await env.do(NOTE_ADD, {"customerId": gid("Customer", env.customer), "body": "first"}))["note"]["id"]


async def note_create(env: Env) -> Expected:
    note = await _note(env)
    customer = {"id": gid("Customer", env.customer), "name": "Bia"}
    return Expected("note.create", "Note", note, None, {"body": "first", "customer": customer})


async def note_update(env: Env) -> Expected:
    note = await _note(env)
    await env.do(NOTE_EDIT, {"id": note, "body": "second"})
    return Expected("note.update", "Note", note, {"body": "first"}, {"body": "second"})


async def note_delete(env: Env) -> Expected:
    note = await _note(env)
    await env.do(NOTE_DELETE, {"id": note})
    return Expected("note.delete", "Note", note, {"body": "first"}, None)


async def _task(env: Env) -> str:
    input_ = {"customerId": gid("Customer", env.customer), "title": "Call", "priority": "HIGH"}
    return (await env.do(TASK_CREATE, input_))["task"]["id"]


async def task_create(env: Env) -> Expected:
    task = await _task(env)
    return Expected("task.create", "Task", task, None, {"title": "Call", "priority": "HIGH", "status": "OPEN"})


async def task_update(env: Env) -> Expected:
    task = await _task(env)
    await env.do(TASK_UPDATE, {"id": task, "status": "DONE", "responsibleId": env.seller.gid})
    return Expected(
        "task.update",
        "Task",
        task,
        {"status": "OPEN", "responsible": {"id": env.admin.gid, "name": "Ana Admin"}},
        {"status": "DONE", "responsible": {"id": env.seller.gid, "name": "Sol Seller"}},
    )


async def _appointment(env: Env) -> str:
    input_ = {
        "customerId": gid("Customer", env.customer),
        "title": "Visit",
        "startsAt": "2027-01-10T10:00:00+00:00",
        "endsAt": "2027-01-10T11:00:00+00:00",
    }
    return (await env.do(SCHEDULE, input_))["appointment"]["id"]


async def appointment_create(env: Env) -> Expected:
    appointment = await _appointment(env)
    return Expected("appointment.create", "Appointment", appointment, None, {"title": "Visit"})


async def appointment_update(env: Env) -> Expected:
    appointment = await _appointment(env)
    await env.do(RESCHEDULE, {"id": appointment, "location": "Office"})
    return Expected("appointment.update", "Appointment", appointment, {"location": ""}, {"location": "Office"})


async def appointment_cancel(env: Env) -> Expected:
    appointment = await _appointment(env)
    await env.do(CANCEL, {"id": appointment})
    return Expected("appointment.cancel", "Appointment", appointment, {"title": "Visit"}, None)


async def purchase_create(env: Env) -> Expected:
    input_ = {
        "customerId": gid("Customer", env.customer),
        "amount": "10.50",
        "currency": "BRL",
        "occurredAt": "2026-11-01T10:00:00+00:00",
        "externalId": "order-1",
    }
    purchase = (await env.do(PURCHASE, input_))["purchase"]["id"]
    return Expected("purchase.create", "Purchase", purchase, None, {"amount": "10.50", "currency": "BRL"})


async def purchase_update(env: Env) -> Expected:
    input_ = {
        "customerId": gid("Customer", env.customer),
        "amount": "10.50",
        "currency": "BRL",
        "occurredAt": "2026-11-01T10:00:00+00:00",
        "externalId": "order-1",
    }
    purchase = (await env.do(PURCHASE, input_))["purchase"]["id"]
    again = await env.do(PURCHASE, {**input_, "amount": "8.00"})
    assert again["created"] is False
    return Expected("purchase.update", "Purchase", purchase, {"amount": "10.50"}, {"amount": "8.00"})


async def _template(env: Env) -> str:
    input_ = {"name": "Hello", "body": "Hi {{firstName}}", "channel": "WHATSAPP"}
    return (await env.do(TEMPLATE, input_))["template"]["id"]


async def template_create(env: Env) -> Expected:
    template = await _template(env)
    return Expected("template.create", "MessageTemplate", template, None, {"name": "Hello", "channel": "WHATSAPP"})


async def template_update(env: Env) -> Expected:
    template = await _template(env)
    await env.do(TEMPLATE_UPDATE, {"id": template, "body": "Hello {{firstName}}"})
    return Expected(
        "template.update", "MessageTemplate", template, {"body": "Hi {{firstName}}"}, {"body": "Hello {{firstName}}"}
    )


async def user_update(env: Env) -> Expected:
    await env.do(ACCESS, {"userId": env.seller.gid, "enabled": True})
    return Expected(
        "user.update", "User", env.seller.gid, {"canStartConversations": False}, {"canStartConversations": True}
    )


async def _conversation(env: Env) -> str:
    await env.do(ACCESS, {"userId": env.admin.gid, "enabled": True})
    template = await _template(env)
    started = await env.do(START, {"customerIds": [gid("Customer", env.customer)], "templateId": template})
    return started["conversations"][0]["id"]


async def conversation_start(env: Env) -> Expected:
    conversation = await _conversation(env)
    return Expected("conversation.start", "Conversation", conversation, None, {"channel": "WHATSAPP"})


async def conversation_status(env: Env) -> Expected:
    conversation = await _conversation(env)
    await env.do(STATUS, {"conversationId": conversation, "status": "CLOSED"})
    return Expected("conversation.status", "Conversation", conversation, {"status": "OPEN"}, {"status": "CLOSED"})


async def conversation_reopened_by_a_message(env: Env) -> Expected:
    # A customer made through the API, so that its WhatsApp number finds it again.
    made = await env.do(CUSTOMER_CREATE, {"name": "Gil", "whatsapp": "+5511966660000"})
    env.customer = from_global_id(made["customer"]["id"])[1]  # type: ignore[index]
    conversation = await _conversation(env)
    await env.do(STATUS, {"conversationId": conversation, "status": "CLOSED"})
    await env.do(INBOUND, {"channel": "WHATSAPP", "from": "+5511966660000", "body": "hi again"})
    entry = (await entries(env.gql, env.admin, action="conversation.status"))[0]
    assert entry["details"] == {"reason": "inbound message"}
    return Expected("conversation.status", "Conversation", conversation, {"status": "CLOSED"}, {"status": "OPEN"})


async def conversation_reply(env: Env) -> Expected:
    conversation = await _conversation(env)
    await env.do(REPLY, {"conversationId": conversation, "body": "Segue o orçamento"})
    entry = await one(env.gql, env.admin, "conversation.reply")
    assert "Segue" not in json.dumps(entry)  # the text stays in the conversation
    assert entry["details"]["message"]["id"]
    return Expected("conversation.reply", "Conversation", conversation, None, None)


async def tag_delete(env: Env) -> Expected:
    await env.do(TAG_ADD, {"customerId": gid("Customer", env.customer), "tags": ["Atacado"]})
    tags = await env.gql.data("{ tags { tag { id name } } }", as_=env.admin)
    tag = next(t["tag"]["id"] for t in tags["tags"] if t["tag"]["name"] == "Atacado")
    await env.do(TAG_DELETE, {"id": tag})
    entry = await one(env.gql, env.admin, "tag.delete")
    assert entry["details"] == {"customers": 1}
    return Expected("tag.delete", "Tag", tag, {"name": "Atacado"}, None)


async def customer_created_by_a_message(env: Env) -> Expected:
    found = await env.do(
        INBOUND, {"channel": "WHATSAPP", "from": "+5511977770000", "body": "hi", "customerName": "Edu"}
    )
    assert found["customerCreated"] is True
    after = {"name": "Edu", "whatsapp": "+5511977770000", "originChannel": "WHATSAPP"}
    return Expected("customer.create", "Customer", found["customer"]["id"], None, after)


async def _field(env: Env) -> dict[str, Any]:
    input_ = {"key": "tier", "label": "Tier", "type": "SELECT", "options": ["gold", "silver"]}
    return (await env.do(FIELD_CREATE, input_))["field"]


async def custom_field_create(env: Env) -> Expected:
    field = await _field(env)
    return Expected("custom_field.create", "CustomField", field["id"], None, {"key": "tier", "type": "SELECT"})


async def custom_field_update(env: Env) -> Expected:
    field = await _field(env)
    await env.do(FIELD_UPDATE, {"id": field["id"], "expectedVersion": field["version"], "label": "Level"})
    return Expected("custom_field.update", "CustomField", field["id"], {"label": "Tier"}, {"label": "Level"})


async def custom_field_option(env: Env) -> Expected:
    field = await _field(env)
    input_ = {"fieldId": field["id"], "from": "gold", "to": "platinum", "expectedVersion": field["version"]}
    await env.do(OPTION_RENAME, input_)
    return Expected(
        "custom_field.rename_option", "CustomField", field["id"], {"option": "gold"}, {"option": "platinum"}
    )


async def custom_field_delete(env: Env) -> Expected:
    field = await _field(env)
    await env.do(FIELD_DELETE, {"id": field["id"], "confirm": True})
    return Expected("custom_field.delete", "CustomField", field["id"], {"key": "tier", "label": "Tier"}, None)


async def _team(env: Env) -> str:
    return (await env.do(TEAM_CREATE, {"name": "South"}))["team"]["id"]


async def team_create(env: Env) -> Expected:
    team = await _team(env)
    return Expected("team.create", "Team", team, None, {"name": "South"})


async def team_rename(env: Env) -> Expected:
    team = await _team(env)
    await env.do(TEAM_RENAME, {"id": team, "name": "North"})
    return Expected("team.rename", "Team", team, {"name": "South"}, {"name": "North"})


async def team_delete(env: Env) -> Expected:
    team = await _team(env)
    await env.do(TEAM_DELETE, {"id": team})
    return Expected("team.delete", "Team", team, {"name": "South"}, None)


async def team_members(env: Env) -> Expected:
    team = await _team(env)
    await env.do(TEAM_MEMBERS, {"teamId": team, "add": [env.seller.gid]})
    entry = await one(env.gql, env.admin, "team.members")
    assert entry["details"]["added"] == [{"id": env.seller.gid, "name": "Sol Seller"}]
    return Expected("team.members", "Team", team, None, None)


async def team_attach(env: Env) -> Expected:
    team = await _team(env)
    await env.do(TEAM_ATTACH, {"teamId": team, "customerIds": [gid("Customer", env.customer)]})
    entry = await one(env.gql, env.admin, "team.attach")
    assert entry["details"]["customers"] == [{"id": gid("Customer", env.customer), "name": "Bia"}]
    return Expected("team.attach", "Team", team, None, None)


async def tenant_update(env: Env) -> Expected:
    await env.do(SETTINGS, {"hideContactFromSellers": True, "defaultRegion": "PT"})
    return Expected(
        "tenant.update",
        "Tenant",
        gid("Tenant", env.tenant.id),
        {"hideContactFromSellers": False, "defaultRegion": "BR"},
        {"hideContactFromSellers": True, "defaultRegion": "PT"},
    )


async def portfolio_transfer(env: Env) -> Expected:
    await env.do(TRANSFER, {"customerIds": [gid("Customer", env.customer)], "toSellerId": env.seller.gid})
    seller = {"id": env.seller.gid, "name": "Sol Seller"}
    return Expected("customer.transfer", "Customer", gid("Customer", env.customer), {"owner": None}, {"owner": seller})


async def portfolio_remove(env: Env) -> Expected:
    await env.do(TRANSFER, {"customerIds": [gid("Customer", env.customer)], "toSellerId": env.seller.gid})
    await env.do(REMOVE, {"customerIds": [gid("Customer", env.customer)]})
    seller = {"id": env.seller.gid, "name": "Sol Seller"}
    customer = gid("Customer", env.customer)
    return Expected("customer.remove_from_portfolio", "Customer", customer, {"owner": seller}, {"owner": None})


async def customer_create(env: Env) -> Expected:
    input_ = {"name": "Caio", "email": "caio@example.com", "status": "INACTIVE", "originChannel": "WHATSAPP"}
    created = (await env.do(CUSTOMER_CREATE, input_))["customer"]["id"]
    after = {"name": "Caio", "email": "caio@example.com", "status": "INACTIVE", "originChannel": "WHATSAPP"}
    return Expected("customer.create", "Customer", created, None, after)


async def customer_update(env: Env) -> Expected:
    input_ = {"id": gid("Customer", env.customer), "email": "bia@example.com", "ownerId": env.seller.gid}
    await env.do(CUSTOMER_UPDATE, input_)
    seller = {"id": env.seller.gid, "name": "Sol Seller"}
    return Expected(
        "customer.update",
        "Customer",
        gid("Customer", env.customer),
        {"email": None, "owner": None},
        {"email": "bia@example.com", "owner": seller},
    )


async def _merge(env: Env) -> str:
    duplicate = await env.factory.customer(env.tenant, name="Bia Dup", trade_name="Dup Ltda")
    input_ = {"primaryId": gid("Customer", env.customer), "duplicateIds": [gid("Customer", duplicate)]}
    return (await env.do(MERGE, input_))["merge"]["id"]


async def customer_merge(env: Env) -> Expected:
    await _merge(env)
    customer = gid("Customer", env.customer)
    return Expected("customer.merge", "Customer", customer, {"tradeName": None}, {"tradeName": "Dup Ltda"})


async def customer_unmerge(env: Env) -> Expected:
    merge = await _merge(env)
    await env.do(UNDO, {"mergeId": merge})
    customer = gid("Customer", env.customer)
    return Expected("customer.unmerge", "Customer", customer, {"tradeName": "Dup Ltda"}, {"tradeName": None})


async def _filter(env: Env) -> str:
    return (await env.do(FILTER_SAVE, {"name": "Mine", "search": "bia"}))["savedFilter"]["id"]


async def saved_filter_create(env: Env) -> Expected:
    saved = await _filter(env)
    return Expected("saved_filter.create", "SavedFilter", saved, None, {"name": "Mine", "search": "bia"})


async def saved_filter_update(env: Env) -> Expected:
    saved = await _filter(env)
    await env.do(FILTER_UPDATE, {"id": saved, "name": "Ours"})
    return Expected("saved_filter.update", "SavedFilter", saved, {"name": "Mine"}, {"name": "Ours"})


async def saved_filter_delete(env: Env) -> Expected:
    saved = await _filter(env)
    await env.do(FILTER_DELETE, {"id": saved})
    return Expected("saved_filter.delete", "SavedFilter", saved, {"name": "Mine"}, None)


async def _import(env: Env) -> dict[str, Any]:
    content = csv_bytes([["name", "email"], ["Dora", "dora@example.com"]])
    return await uploaded(env.gql, env.admin, content)


async def import_create(env: Env) -> Expected:
    found = await _import(env)
    return Expected("import.create", "Import", found["id"], None, {"fileName": "clientes.csv", "mode": "CREATE_ONLY"})


async def import_mapping_change(env: Env) -> Expected:
    found = await _import(env)
    mapping = [{"kind": "FIELD", "field": "name"}, {"kind": "IGNORE"}]
    answer = await env.gql.data(UPDATE_MAPPING, {"id": found["id"], "mapping": mapping}, as_=env.admin)
    assert answer["updateImportMapping"]["__typename"] == "ImportSuccess", answer
    entry = await one(env.gql, env.admin, "import.mapping_change")
    assert [m["column"] for m in entry["after"]["mapping"]] == ["email"]  # only the column that changed
    return Expected(
        "import.mapping_change",
        "Import",
        found["id"],
        {"mapping": [{"column": "email", "kind": "FIELD", "field": "email"}]},
        {"mapping": [{"column": "email", "kind": "IGNORE", "field": None}]},
    )


async def import_start(env: Env) -> Expected:
    found = await _import(env)
    await start(env.gql, env.admin, found["id"])
    return Expected("import.start", "Import", found["id"], {"status": "UPLOADED"}, {"status": "QUEUED"})


async def import_revert(env: Env) -> Expected:
    found = await _import(env)
    await start(env.gql, env.admin, found["id"])
    result = await act(env.gql, env.admin, REVERT, id=found["id"])
    assert result["__typename"] == "ImportSuccess", result
    return Expected("import.revert", "Import", found["id"], {"status": "FINISHED"}, {"status": "REVERTING"})


CASES: list[Case] = [
    note_create, note_update, note_delete, task_create, task_update, appointment_create, appointment_update,
    appointment_cancel, purchase_create, purchase_update, template_create, template_update, user_update,
    conversation_start, conversation_status, conversation_reopened_by_a_message, conversation_reply, tag_delete,
    customer_created_by_a_message,
    custom_field_create, custom_field_update, custom_field_option,
    custom_field_delete, team_create, team_rename, team_delete, team_members, team_attach, tenant_update,
    portfolio_transfer, portfolio_remove, customer_create, customer_update, customer_merge, customer_unmerge,
    saved_filter_create, saved_filter_update, saved_filter_delete, import_create, import_mapping_change, import_start,
    import_revert,
]  # fmt: skip


def _subset(expected: dict[str, Any] | None, actual: dict[str, Any] | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and all(actual.get(k, "<missing>") == v for k, v in expected.items())


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
async def test_each_change_is_recorded_with_its_actor_and_values(gql: Any, factory: Factory, case: Case) -> None:
    tenant = await factory.tenant(restricted_visibility=False)  # the seller may be made responsible
    admin = await factory.user(tenant, "admin", name="Ana Admin")
    seller = await factory.user(tenant, "seller", name="Sol Seller")
    customer = await factory.customer(tenant, name="Bia", whatsapp="11 98888-0000", whatsapp_e164="+5511988880000")
    env = Env(gql, factory, tenant, admin, seller, customer)

    expected = await case(env)

    entry = await one(gql, admin, expected.action)
    assert (entry["objectType"], entry["objectId"]) == (expected.object_type, expected.object_id), entry
    assert (entry["actor"], entry["actorName"]) == ({"id": admin.gid, "name": "Ana Admin"}, "Ana Admin")
    assert _subset(expected.before, entry["before"]), entry
    assert _subset(expected.after, entry["after"]), entry
    # The API's words only: no raw ids, no column names.
    text = json.dumps([entry["before"], entry["after"], entry["details"]])
    assert str(customer) not in text and str(seller.id) not in text and "_id" not in text, text
    assert "email_normalized" not in text and "whatsapp_e164" not in text


async def test_an_api_key_is_named_as_the_actor(gql: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin")
    customer = await factory.customer(tenant, name="Bia")

    data = await gql.data(NOTE_ADD, {"i": {"customerId": gid("Customer", customer), "body": "synced"}}, as_=key)
    assert data["addNote"]["__typename"] == "NoteSuccess"

    entry = await one(gql, admin, "note.create")
    assert (entry["actor"], entry["actorApiKey"], entry["actorName"]) == (None, "test key", "test key")


async def test_a_refused_change_writes_no_entry(gql: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    held = await gql.data(CUSTOMER_CREATE, {"i": {"name": "Bia", "email": "bia@example.com"}}, as_=admin)
    assert held["createCustomer"]["__typename"] == "CreateCustomerSuccess", held
    taken = await factory.customer(tenant, name="Other")
    await gql.data(CUSTOMER_UPDATE, {"i": {"id": gid("Customer", taken), "name": "Renamed"}}, as_=admin)

    # The duplicate e-mail is found only after the row was written: the whole change rolls back.
    data = await gql.data(CUSTOMER_UPDATE, {"i": {"id": gid("Customer", taken), "email": "BIA@example.com"}}, as_=admin)
    assert data["updateCustomer"]["__typename"] == "DuplicateCustomer", data

    found = await entries(gql, admin, action="customer.update")
    assert [e["after"] for e in found] == [{"name": "Renamed"}]
