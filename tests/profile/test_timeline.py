"""The customer's timeline and history; merges move every record kind."""

from __future__ import annotations

import pytest

from tests.helpers import gid

TIMELINE = """query($id: ID!, $first: Int, $after: String, $kinds: [TimelineKind!]) { customer(id: $id) {
  timeline(first: $first, after: $after, kinds: $kinds) { totalCount pageInfo { hasNextPage endCursor }
    nodes { __typename
      ... on Note { body } ... on Task { title } ... on Appointment { title } ... on Purchase { amount currency }
      ... on Conversation { channel }
      ... on HistoryEntry { kind actorName actor { email } changes { field before after } details } } } } }"""


async def act(gql, user, mutation, **input_fields):
    data = await gql.data(mutation, {"i": input_fields}, as_=user)
    result = next(iter(data.values()))
    assert result["__typename"] not in ("ValidationFailed", "NotFound"), result
    return result


NOTE = "mutation($i: AddNoteInput!) { addNote(input: $i) { __typename } }"
TASK = "mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename } }"
APPOINTMENT = "mutation($i: ScheduleAppointmentInput!) { scheduleAppointment(input: $i) { __typename } }"
PURCHASE = """mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) { __typename
  ... on PurchaseSuccess { created purchase { amount currency externalId } } ... on ValidationFailed { fields { field code } } } }"""
UPDATE = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }"
TAGS = "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }"


async def fill(gql, user, customer_gid, prefix=""):
    """One of each kind of record, at distinct times so the order is checkable."""
    await act(gql, user, NOTE, customerId=customer_gid, body=f"{prefix}note")
    await act(gql, user, TASK, customerId=customer_gid, title=f"{prefix}task")
    await act(
        gql,
        user,
        APPOINTMENT,
        customerId=customer_gid,
        title=f"{prefix}visit",
        startsAt="2026-01-10T10:00:00Z",
        endsAt="2026-01-10T11:00:00Z",
    )
    await act(
        gql,
        user,
        PURCHASE,
        customerId=customer_gid,
        amount="1234.50",
        currency="brl",
        occurredAt="2026-01-05T12:00:00Z",
        externalId=f"{prefix}order-1",
    )
    await act(gql, user, UPDATE, id=customer_gid, tradeName=f"{prefix}Trade")
    await act(gql, user, TAGS, customerId=customer_gid, tags=[f"{prefix}vip"])


async def test_the_timeline_mixes_every_kind_newest_first_and_pages(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    created = await gql.data(
        'mutation { createCustomer(input: {name: "Ana", phone: "11 98888-0000"}) '
        "{ ... on CreateCustomerSuccess { customer { id } } } }",
        as_=admin,
    )
    cid = created["createCustomer"]["customer"]["id"]
    await fill(gql, admin, cid)

    everything = (await gql.data(TIMELINE, {"id": cid, "first": 50}, as_=admin))["customer"]["timeline"]
    kinds = [n["__typename"] for n in everything["nodes"]]
    assert set(kinds) == {"Note", "Task", "Appointment", "Purchase", "HistoryEntry"}
    assert everything["totalCount"] == len(kinds) == 7  # created, edited, tags + 4 records
    # reverse-chronological: the purchase (Jan 5) and the visit (Jan 10) are the oldest entries
    assert kinds[-2:] == ["Appointment", "Purchase"]
    history = [n for n in everything["nodes"] if n["__typename"] == "HistoryEntry"]
    assert [h["kind"] for h in history] == ["TAGS_CHANGED", "UPDATED", "CREATED"]
    assert history[1]["changes"] == [{"field": "tradeName", "before": None, "after": "Trade"}]
    assert history[0]["details"] == {"added": ["vip"], "removed": []}
    assert history[2]["actor"]["email"] == admin.email

    # pages of 3 walk the same list without gaps or repeats
    seen, after = [], None
    while True:
        page = (await gql.data(TIMELINE, {"id": cid, "first": 3, "after": after}, as_=admin))["customer"]["timeline"]
        seen += [n["__typename"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == kinds

    only = (await gql.data(TIMELINE, {"id": cid, "kinds": ["NOTE", "PURCHASE"]}, as_=admin))["customer"]["timeline"]
    assert [n["__typename"] for n in only["nodes"]] == ["Note", "Purchase"]
    assert only["totalCount"] == 2


async def test_history_hides_contact_changes_from_those_who_may_not_see_them(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    created = await gql.data(
        'mutation($o: ID!) { createCustomer(input: {name: "Ana", phone: "11 98888-0000", '
        "ownerId: $o}) { ... on CreateCustomerSuccess { customer { id } } } }",
        {"o": seller.gid},
        as_=admin,
    )
    cid = created["createCustomer"]["customer"]["id"]
    await act(gql, admin, UPDATE, id=cid, phone="11 97777-0000", name="Ana Maria")

    for_seller = (await gql.data(TIMELINE, {"id": cid, "kinds": ["HISTORY"]}, as_=seller))["customer"]["timeline"]
    for_admin = (await gql.data(TIMELINE, {"id": cid, "kinds": ["HISTORY"]}, as_=admin))["customer"]["timeline"]

    edit = for_seller["nodes"][0]["changes"]
    assert edit == [{"field": "name", "before": "Ana", "after": "Ana Maria"}]  # the phone change is left out
    assert "9888" not in str(for_seller) and "9777" not in str(for_seller)
    assert any(c["after"] == "11 97777-0000" for c in for_admin["nodes"][0]["changes"])


async def test_purchases_are_exact_and_sync_idempotently(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer, other = gid(await factory.customer(tenant)), gid(await factory.customer(tenant))

    first = await act(
        gql,
        admin,
        PURCHASE,
        customerId=customer,
        amount="0.10",
        currency="BRL",
        occurredAt="2026-02-01T00:00:00Z",
        externalId="shop-77",
    )
    again = await act(
        gql,
        admin,
        PURCHASE,
        customerId=customer,
        amount="0.30",
        currency="BRL",
        occurredAt="2026-02-01T00:00:00Z",
        externalId="shop-77",
    )
    elsewhere = await gql.data(
        PURCHASE,
        {
            "i": {
                "customerId": other,
                "amount": "1",
                "currency": "BRL",
                "occurredAt": "2026-02-01T00:00:00Z",
                "externalId": "shop-77",
            }
        },
        as_=admin,
    )
    bad = await gql.data(
        PURCHASE,
        {"i": {"customerId": customer, "amount": "1.234", "currency": "reais", "occurredAt": "2026-02-01T00:00:00Z"}},
        as_=admin,
    )

    assert first["created"] is True and again["created"] is False
    assert again["purchase"] == {"amount": "0.30", "currency": "BRL", "externalId": "shop-77"}
    assert elsewhere["recordPurchase"]["fields"] == [{"field": "externalId", "code": "TAKEN"}]
    assert {f["field"] for f in bad["recordPurchase"]["fields"]} == {"amount", "currency"}
    listing = await gql.data(
        "query($id: ID!) { customer(id: $id) { purchases { totalCount nodes { amount } } } }",
        {"id": customer},
        as_=admin,
    )
    assert listing["customer"]["purchases"] == {"totalCount": 1, "nodes": [{"amount": "0.30"}]}


async def test_appointment_times_are_checked(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    customer = gid(await factory.customer(tenant))

    data = await gql.data(
        "mutation($i: ScheduleAppointmentInput!) { scheduleAppointment(input: $i) { __typename "
        "... on ValidationFailed { fields { field code } } } }",
        {
            "i": {
                "customerId": customer,
                "title": "Visit",
                "startsAt": "2026-01-10T11:00:00Z",
                "endsAt": "2026-01-10T10:00:00Z",
            }
        },
        as_=admin,
    )

    assert data["scheduleAppointment"]["fields"] == [{"field": "endsAt", "code": "INVALID"}]


@pytest.mark.parametrize("undo", [False, True])
async def test_merging_moves_every_record_kind_and_undo_moves_them_back(gql, factory, undo):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    _, key = await factory.api_key(tenant, "admin")
    primary = gid(await factory.customer(tenant, name="Primary"))
    duplicate = gid(await factory.customer(tenant, name="Duplicate"))
    await fill(gql, admin, duplicate, prefix="d-")
    await act(gql, admin, UPDATE, id=duplicate, whatsapp="+5511977770000")
    await gql.data(
        "mutation($i: RecordInboundMessageInput!) { recordInboundMessage(input: $i) { __typename } }",
        {"i": {"channel": "WHATSAPP", "from": "+5511977770000", "body": "oi"}},
        as_=key,
    )
    profile = """query($id: ID!) { customer(id: $id) { id notes { totalCount } tasks { totalCount }
      conversations { totalCount } appointments { totalCount } purchases { totalCount } tags { name } } }"""
    before = (await gql.data(profile, {"id": duplicate}, as_=admin))["customer"]
    assert before["conversations"]["totalCount"] == 1

    merged = await gql.data(
        "mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { "
        "... on MergeCustomersSuccess { merge { id movedRecords { kind count } } } } }",
        {"i": {"primaryId": primary, "duplicateIds": [duplicate]}},
        as_=admin,
    )
    moved = {m["kind"]: m["count"] for m in merged["mergeCustomers"]["merge"]["movedRecords"]}
    assert {k: moved[k] for k in ("note", "task", "conversation", "appointment", "purchase")} == dict.fromkeys(
        ("note", "task", "conversation", "appointment", "purchase"), 1
    )
    on_primary = (await gql.data(profile, {"id": primary}, as_=admin))["customer"]
    assert {k: v for k, v in on_primary.items() if k != "id"} == {k: v for k, v in before.items() if k != "id"}
    timeline = await gql.data(TIMELINE, {"id": primary, "first": 50, "kinds": ["HISTORY"]}, as_=admin)
    assert "MERGED" in [n["kind"] for n in timeline["customer"]["timeline"]["nodes"]]

    if undo:
        await gql.data(
            "mutation($i: UndoMergeInput!) { undoMerge(input: $i) { __typename } }",
            {"i": {"mergeId": merged["mergeCustomers"]["merge"]["id"]}},
            as_=admin,
        )
        restored = (await gql.data(profile, {"id": duplicate}, as_=admin))["customer"]
        assert restored == before
        emptied = (await gql.data(profile, {"id": primary}, as_=admin))["customer"]
        assert emptied["notes"]["totalCount"] == emptied["purchases"]["totalCount"] == 0
        undone = await gql.data(TIMELINE, {"id": duplicate, "first": 50, "kinds": ["HISTORY"]}, as_=admin)
        assert [n["kind"] for n in undone["customer"]["timeline"]["nodes"]][:2] == ["MERGE_UNDONE", "MERGED_INTO"]


async def test_history_hides_custom_contact_values_and_names_each_custom_change(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    await factory.custom_field(tenant, "mobile", "phone")
    await factory.custom_field(tenant, "segment", "text")
    cid = gid(await factory.customer(tenant, name="Ana", owner=seller))
    await act(
        gql,
        admin,
        UPDATE,
        id=cid,
        customFields=[{"key": "mobile", "value": "11 98888-0000"}, {"key": "segment", "value": "Retail"}],
    )

    for_seller = (await gql.data(TIMELINE, {"id": cid, "kinds": ["HISTORY"]}, as_=seller))["customer"]["timeline"]
    for_admin = (await gql.data(TIMELINE, {"id": cid, "kinds": ["HISTORY"]}, as_=admin))["customer"]["timeline"]

    assert for_seller["nodes"][0]["changes"] == [{"field": "customFields.segment", "before": None, "after": "Retail"}]
    assert "98888" not in str(for_seller)
    assert {"field": "customFields.mobile", "before": None, "after": "+5511988880000"} in for_admin["nodes"][0][
        "changes"
    ]
