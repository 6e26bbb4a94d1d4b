"""No answer tells a seller whether a hidden thing exists.

Each test builds two companies that differ only in the hidden thing (a value on a customer the
seller sees but whose contact data is hidden, or a customer the seller cannot see at all), sends
the same request in both, and asserts the two answers are the same once ids are set aside.
"""

from __future__ import annotations

import re
from typing import Any

from authz.authenticate import forget_principals
from models import User
from models.db import execute
from models.sql import Sql
from tests.helpers import gid

PHONE, OTHER_PHONE = "+5511977771234", "+5511966665555"
EMAIL = "lia.secret@example.com"

CANDIDATES = """query($i: DuplicateCandidatesInput!) {
  duplicateCandidates(input: $i) { fields heldByAnotherPortfolio customer { name } } }"""
UPDATE = """mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename
  ... on UpdateCustomerSuccess { customer { name email contactHidden customFields { key value hidden } } }
  ... on ValidationFailed { message fields { field code message } } } }"""
START = """mutation($i: StartConversationInput!) { startConversation(input: $i) { __typename
  ... on ConversationsStarted { conversations { channel handle messages { nodes { body status } } } }
  ... on ValidationFailed { message fields { field code message } } } }"""
TEMPLATE = """mutation($i: MessageTemplateInput!) { createMessageTemplate(input: $i) {
  ... on MessageTemplateSaved { template { id } } } }"""
PURCHASE = """mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) { __typename
  ... on PurchaseSuccess { created purchase { amount externalId } }
  ... on ValidationFailed { message fields { field code message } } } }"""
MERGE = """mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename
  ... on MergeCustomersSuccess { customer { name email contactHidden } }
  ... on ValidationFailed { message fields { field code message } } } }"""
_ID = re.compile(r'"[A-Za-z0-9+/=]{20,}"')


def same_shape(answer: Any) -> str:
    """The answer with ids (which differ between companies) blanked."""
    return _ID.sub('"<id>"', repr(answer).replace("'", '"'))


async def company(factory, **settings):
    tenant = await factory.tenant(hide_contact_from_sellers=True, **settings)
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    return tenant, admin, seller


async def create(gql, admin, **fields) -> str:
    """A customer created through the API (so its contact keys are claimed as in real life)."""
    data = await gql.data(
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename "
        "... on CreateCustomerSuccess { customer { id } } } }",
        {"i": {"name": "Someone", **fields}},
        as_=admin,
    )
    return data["createCustomer"]["customer"]["id"]


# --- duplicateCandidates with excludeId ------------------------------------------------------


async def test_excluding_a_customer_one_cannot_see_does_not_tell_whether_it_holds_the_value(gql, factory):
    answers = []
    for suspect_holds_it in (True, False):
        tenant, admin, seller = await company(factory)
        other = await factory.user(tenant, "seller")
        suspect = await create(gql, admin, phone=PHONE if suspect_holds_it else OTHER_PHONE, ownerId=other.gid)
        if not suspect_holds_it:  # someone else, also out of sight, holds the number
            await create(gql, admin, phone=PHONE, ownerId=other.gid)
        answers.append(await gql.data(CANDIDATES, {"i": {"phone": "11 97777-1234", "excludeId": suspect}}, as_=seller))

    assert answers[0] == answers[1]
    assert answers[0]["duplicateCandidates"] == [
        {"fields": ["PHONE"], "heldByAnotherPortfolio": True, "customer": None}
    ]


async def test_excluding_the_customer_being_edited_still_works(gql, factory):
    _, admin, seller = await company(factory)
    mine = await create(gql, admin, phone=PHONE, ownerId=seller.gid)

    data = await gql.data(CANDIDATES, {"i": {"phone": PHONE, "excludeId": mine}}, as_=seller)

    assert data["duplicateCandidates"] == []


# --- required fields hidden from the caller ---------------------------------------------------


async def _required_world(factory, gql, has_value: bool):
    tenant, admin, seller = await company(factory, required_fields=["name", "email", "whatsapp"])
    await factory.custom_field(tenant, "backup_phone", "phone", required=True)
    values = (
        {"email": EMAIL, "email_normalized": EMAIL, "whatsapp": PHONE, "whatsapp_e164": PHONE,
         "custom_fields": '{"backup_phone": "+5511966665555"}'}
        if has_value
        else {}
    )  # fmt: skip
    customer = await factory.customer(tenant, name="Lia", owner=seller, **values)
    return tenant, admin, seller, gid(customer)


async def test_an_unrelated_edit_does_not_tell_whether_a_required_hidden_field_is_set(gql, factory):
    answers = []
    for has_value in (True, False):
        _, _, seller, cid = await _required_world(factory, gql, has_value)
        answers.append(await gql.data(UPDATE, {"i": {"id": cid, "name": "Lia Souza"}}, as_=seller))

    assert answers[0] == answers[1]
    assert answers[0]["updateCustomer"]["__typename"] == "UpdateCustomerSuccess"


async def test_clearing_a_required_hidden_field_is_refused_whatever_it_held(gql, factory):
    answers = []
    for has_value in (True, False):
        _, _, seller, cid = await _required_world(factory, gql, has_value)
        answers.append(
            await gql.data(
                UPDATE,
                {"i": {"id": cid, "email": None, "customFields": [{"key": "backup_phone", "value": None}]}},
                as_=seller,
            )
        )

    assert answers[0] == answers[1]
    fields = sorted((f["field"], f["code"]) for f in answers[0]["updateCustomer"]["fields"])
    assert fields == [("customFields.backup_phone", "REQUIRED"), ("email", "REQUIRED")]


async def test_whoever_sees_contact_data_is_still_told_what_is_missing(gql, factory):
    _, admin, _, cid = await _required_world(factory, gql, has_value=False)

    data = await gql.data(UPDATE, {"i": {"id": cid, "name": "Lia Souza"}}, as_=admin)

    fields = sorted(f["field"] for f in data["updateCustomer"]["fields"])
    assert fields == ["customFields.backup_phone", "email", "whatsapp"]


async def test_a_merge_does_not_tell_whether_hidden_required_fields_are_set(gql, factory):
    answers = []
    for has_value in (True, False):
        tenant, _, seller, primary = await _required_world(factory, gql, has_value)
        await execute(Sql('UPDATE tenant SET required_fields = \'["name", "email"]\'::jsonb WHERE id = %s', tenant.id))
        forget_principals()  # written behind the API's back: read afresh now
        duplicate = gid(await factory.customer(tenant, name="Lia S", owner=seller))
        chosen = await gql.data(
            MERGE,
            {"i": {"primaryId": primary, "duplicateIds": [duplicate], "fieldChoices": [
                {"field": "email", "customerId": duplicate}]}},
            as_=seller,
        )  # fmt: skip
        merged = await gql.data(MERGE, {"i": {"primaryId": primary, "duplicateIds": [duplicate]}}, as_=seller)
        answers.append((merged, chosen))

    assert same_shape(answers[0]) == same_shape(answers[1])
    assert answers[0][0]["mergeCustomers"]["__typename"] == "MergeCustomersSuccess"
    assert answers[0][1]["mergeCustomers"]["fields"][0]["code"] == "NOT_ALLOWED"


# --- "the customer has no whatsapp" ------------------------------------------------------------


async def test_starting_a_conversation_does_not_tell_whether_the_customer_has_a_number(gql, factory):
    answers = []
    for has_number in (True, False):
        tenant, admin, seller = await company(factory)
        await User.filter(id=seller.id).update(can_start_conversations=True)
        forget_principals()  # written behind the API's back: read afresh now
        template = await gql.data(
            TEMPLATE, {"i": {"name": "Oi", "channel": "WHATSAPP", "body": "Olá {{firstName}}!"}}, as_=admin
        )
        numbers = {"whatsapp": PHONE, "whatsapp_e164": PHONE} if has_number else {}
        customer = await factory.customer(tenant, name="Lia Souza", owner=seller, **numbers)
        answers.append(
            await gql.data(
                START,
                {
                    "i": {
                        "customerIds": [gid(customer)],
                        "templateId": template["createMessageTemplate"]["template"]["id"],
                    }
                },
                as_=seller,
            )
        )

    assert answers[0] == answers[1]
    assert answers[0]["startConversation"]["conversations"] == [
        {"channel": "WHATSAPP", "handle": None, "messages": {"nodes": [{"body": "Olá Lia!", "status": "QUEUED"}]}}
    ]


# --- purchase external ids ---------------------------------------------------------------------


async def test_an_external_id_does_not_tell_whether_a_hidden_customer_has_that_purchase(gql, factory):
    answers = []
    for taken in (True, False):
        tenant, admin, seller = await company(factory)
        other = await factory.user(tenant, "seller")
        hidden = gid(await factory.customer(tenant, owner=other))
        mine = gid(await factory.customer(tenant, owner=seller))
        purchase = {"amount": "10", "currency": "BRL", "occurredAt": "2026-02-01T00:00:00Z"}
        if taken:
            await gql.data(PURCHASE, {"i": {**purchase, "customerId": hidden, "externalId": "order-9"}}, as_=admin)
        answers.append(
            await gql.data(PURCHASE, {"i": {**purchase, "customerId": mine, "externalId": "order-9"}}, as_=seller)
        )

    assert answers[0] == answers[1]
    assert answers[0]["recordPurchase"]["fields"][0] == {
        "field": "externalId",
        "code": "NOT_ALLOWED",
        "message": answers[0]["recordPurchase"]["fields"][0]["message"],
    }


async def test_who_sees_every_customer_still_syncs_by_external_id(gql, factory):
    tenant, admin, seller = await company(factory, restricted_visibility=False)
    first = gid(await factory.customer(tenant, owner=seller))
    second = gid(await factory.customer(tenant, owner=seller))
    purchase = {"amount": "10", "currency": "BRL", "occurredAt": "2026-02-01T00:00:00Z", "externalId": "order-9"}

    stored = await gql.data(PURCHASE, {"i": {**purchase, "customerId": first}}, as_=seller)
    again = await gql.data(PURCHASE, {"i": {**purchase, "customerId": first, "amount": "12"}}, as_=seller)
    elsewhere = await gql.data(PURCHASE, {"i": {**purchase, "customerId": second}}, as_=admin)

    assert stored["recordPurchase"]["created"] is True
    assert again["recordPurchase"] == {
        "__typename": "PurchaseSuccess",
        "created": False,
        "purchase": {"amount": "12.00", "externalId": "order-9"},
    }
    assert elsewhere["recordPurchase"]["fields"][0]["code"] == "TAKEN"
