"""History is no existence oracle: a caller from whom contact data is hidden cannot tell from a
customer's timeline whether a hidden value was ever set, changed or cleared.

A change whose values are withheld is left out of its entry, and an entry made only of such
changes is left out of the timeline (its count and ``node(id)`` included).
"""

from __future__ import annotations

from tests.custom_fields.helpers import DELETE_FIELD, define

CREATE = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename
  ... on CreateCustomerSuccess { customer { id } } } }"""
UPDATE = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename } }"
TIMELINE = """query($id: ID!) { customer(id: $id) { timeline(first: 50) { totalCount nodes { __typename
  ... on HistoryEntry { id kind at actorName changes { field before after hidden } details } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on HistoryEntry { kind changes { field after } } } }"


async def _write(gql, admin, mutation, **fields):
    data = await gql.data(mutation, {"i": fields}, as_=admin)
    result = next(iter(data.values()))
    assert result["__typename"].endswith("Success"), result
    return result


async def _timeline(gql, user, cid):
    return (await gql.data(TIMELINE, {"id": cid}, as_=user))["customer"]["timeline"]


def _without_ids(timeline):
    """The timeline as a comparable value: ids and times differ between two customers anyway."""
    nodes = [{k: v for k, v in n.items() if k not in ("id", "at")} for n in timeline["nodes"]]
    return timeline["totalCount"], nodes


async def test_a_seller_cannot_tell_a_customer_whose_phone_changed_from_one_that_never_had_one(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=True, allow_duplicates=True)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    mobile = await define(gql, admin, "mobile", "PHONE")
    await define(gql, admin, "segment", "TEXT")
    common = {"name": "Ana", "ownerId": seller.gid}
    with_phone = (await _write(gql, admin, CREATE, **common, phone="11 98888-0000", email="ana@secret.com.br"))[
        "customer"
    ]["id"]
    without = (await _write(gql, admin, CREATE, **common))["customer"]["id"]
    # only contact data changes: an entry on one customer alone
    await _write(gql, admin, UPDATE, id=with_phone, phone="11 97777-0000")
    await _write(gql, admin, UPDATE, id=with_phone, customFields=[{"key": "mobile", "value": "11 96666-0000"}])
    # the same visible change on both, with a contact change alongside on one
    await _write(gql, admin, UPDATE, id=with_phone, name="Ana Maria", phone=None, whatsapp="11 95555-0000")
    await _write(gql, admin, UPDATE, id=without, name="Ana Maria")
    await _write(gql, admin, UPDATE, id=with_phone, customFields=[{"key": "segment", "value": "Retail"}])
    await _write(gql, admin, UPDATE, id=without, customFields=[{"key": "segment", "value": "Retail"}])
    # a contact-type field deleted: recorded only on the customer that held a value
    await gql.data(DELETE_FIELD, {"input": {"id": mobile["id"], "confirm": True}}, as_=admin)

    seen_with, seen_without = await _timeline(gql, seller, with_phone), await _timeline(gql, seller, without)
    full_with, full_without = await _timeline(gql, admin, with_phone), await _timeline(gql, admin, without)

    assert _without_ids(seen_with) == _without_ids(seen_without)
    assert seen_with["totalCount"] == len(seen_with["nodes"]) >= 3  # created, name, segment
    assert all(c["hidden"] is False for n in seen_with["nodes"] for c in n["changes"])
    assert not any(secret in str(seen_with) for secret in ("9888", "9777", "9666", "9555", "secret"))
    # those who may see contact data see every change, so the two timelines differ for them
    assert _without_ids(full_with) != _without_ids(full_without)
    assert full_with["totalCount"] == seen_with["totalCount"] + 3
    phone_only = next(n for n in full_with["nodes"] if [c["field"] for c in n["changes"]] == ["phone"])
    assert (await gql.data(NODE, {"id": phone_only["id"]}, as_=seller))["node"] is None
    assert (await gql.data(NODE, {"id": phone_only["id"]}, as_=admin))["node"]["kind"] == "UPDATED"


async def test_with_contact_data_shown_every_change_is_listed_with_its_values(gql, factory):
    tenant = await factory.tenant(hide_contact_from_sellers=False)
    admin, seller = await factory.user(tenant, "admin"), await factory.user(tenant, "seller")
    cid = (await _write(gql, admin, CREATE, name="Ana", ownerId=seller.gid, phone="11 98888-0000"))["customer"]["id"]
    await _write(gql, admin, UPDATE, id=cid, phone="11 97777-0000")

    nodes = (await _timeline(gql, seller, cid))["nodes"]

    edit = next(n for n in nodes if n["kind"] == "UPDATED")
    assert edit["changes"] == [{"field": "phone", "before": "11 98888-0000", "after": "11 97777-0000", "hidden": False}]
