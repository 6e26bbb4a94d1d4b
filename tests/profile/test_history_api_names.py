"""History speaks the API's language: field names, global ids and enum values as the API spells them.

Entries are stored with column names and raw ids; a client never sees either. The names come from
the Customer descriptor, so a tracked column added there is named in history without more code.
"""

from __future__ import annotations

import json
import re
from typing import Any

from models.customers import CUSTOMER
from models.descriptors import ToOne
from schema.node import from_global_id
from tests.custom_fields.helpers import DELETE_FIELD, define
from tests.helpers import gid

HISTORY = """query($id: ID!) { customer(id: $id) { timeline(first: 50, kinds: [HISTORY]) { nodes {
  ... on HistoryEntry { kind changes { field before after } details } } } } }"""
CREATE = """mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { __typename
  ... on CreateCustomerSuccess { customer { id } } ... on ValidationFailed { fields { field code message } } } }"""
UPDATE = """mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { __typename
  ... on ValidationFailed { fields { field code message } } } }"""
ADD_TAGS = "mutation($i: TagsInput!) { addTags(input: $i) { __typename } }"
REMOVE_TAGS = "mutation($i: TagsInput!) { removeTags(input: $i) { __typename } }"
ATTACH = "mutation($i: TeamCustomersInput!) { attachCustomersToTeam(input: $i) { __typename } }"
DETACH = "mutation($i: TeamCustomersInput!) { detachCustomersFromTeam(input: $i) { __typename } }"
RENAME_OPTION = "mutation($i: RenameFieldOptionInput!) { renameFieldOption(input: $i) { __typename } }"
MERGE = """mutation($i: MergeCustomersInput!) { mergeCustomers(input: $i) { __typename
  ... on MergeCustomersSuccess { merge { id } } } }"""
UNDO = "mutation($i: UndoMergeInput!) { undoMerge(input: $i) { __typename } }"

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
# Keys of custom fields in these tests carry no underscore, so any snake_case name is a column's.
EVERY_FIELD = {
    "name": "Ana Maria",
    "tradeName": "Ana Comercio",
    "email": "ana@example.com.br",
    "phone": "11 97777-0000",
    "whatsapp": "11 96666-0000",
    "document": "529.982.247-25",
    "address": {
        "street": "Rua A",
        "number": "10",
        "complement": "ap 1",
        "neighbourhood": "Centro",
        "city": "Campinas",
        "state": "SP",
        "postalCode": "13000-000",
        "country": "br",
    },
    "status": "INACTIVE",
    "originChannel": "WHATSAPP",
}


async def _history(gql: Any, user: Any, customer: Any) -> list[dict[str, Any]]:
    data = await gql.data(HISTORY, {"id": gid(customer)}, as_=user)
    return data["customer"]["timeline"]["nodes"]


def _expected_name(column: str) -> str:
    """What the API calls a tracked column, read off the descriptor (not off the code under test)."""
    if column == "custom_fields":
        return "customFields.segment"
    relations = {r.column: r.api for r in CUSTOMER.relations if isinstance(r, ToOne)}
    return relations.get(column) or CUSTOMER.api_name_of[column]


def _keys(value: Any) -> list[str]:
    """Every key of every object inside ``value``."""
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def _assert_spoken_in_api_terms(entries: list[dict[str, Any]]) -> None:
    text = json.dumps(entries)
    assert not UUID_TEXT.search(text), UUID_TEXT.search(text)
    for entry in entries:
        names = [c["field"] for c in entry["changes"]] + _keys(entry["details"])
        assert not [n for n in names if SNAKE.match(n.split(".")[-1])], entry


async def test_every_tracked_column_is_named_as_the_api_names_it(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller = await factory.user(tenant, "seller")
    await define(gql, admin, "segment", "TEXT")
    customer = await factory.customer(tenant, name="Ana")
    head = await factory.customer(tenant, name="Matriz")

    values = {
        **EVERY_FIELD,
        "ownerId": seller.gid,
        "billingParentId": gid(head),
        "customFields": [{"key": "segment", "value": "Retail"}],
    }
    result = await gql.data(UPDATE, {"i": {"id": gid(customer), **values}}, as_=admin)
    assert result["updateCustomer"]["__typename"] == "UpdateCustomerSuccess", result

    (entry,) = [e for e in await _history(gql, admin, customer) if e["kind"] == "UPDATED"]
    changes = {c["field"]: c for c in entry["changes"]}
    assert set(changes) == {_expected_name(column) for column in CUSTOMER.tracked}
    assert changes["owner"]["after"] == _named(seller)
    assert changes["billingParent"]["after"] == {"id": gid(head), "name": "Matriz"}
    assert (changes["status"]["before"], changes["status"]["after"]) == ("ACTIVE", "INACTIVE")
    assert (changes["originChannel"]["before"], changes["originChannel"]["after"]) == ("MANUAL", "WHATSAPP")
    assert changes["address.postalCode"]["after"] == "13000-000"
    assert changes["customFields.segment"]["after"] == "Retail"
    _assert_spoken_in_api_terms([entry])


async def test_no_history_entry_shows_a_raw_id_or_a_column_name(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    seller, other_seller = await factory.user(tenant, "seller"), await factory.user(tenant, "seller")
    tier = await define(gql, admin, "tier", "SELECT", options=["gold", "silver"])
    doomed = await define(gql, admin, "nickname", "TEXT")
    team = await factory.team(tenant, "South")

    created = await gql.data(
        CREATE,
        {
            "i": {
                **EVERY_FIELD,
                "ownerId": seller.gid,
                "tags": ["vip"],
                "customFields": [{"key": "tier", "value": "gold"}, {"key": "nickname", "value": "Aninha"}],
            }
        },
        as_=admin,
    )
    assert created["createCustomer"]["__typename"] == "CreateCustomerSuccess", created
    customer_gid = created["createCustomer"]["customer"]["id"]
    duplicate = await factory.customer(tenant, name="Ana Dup", trade_name="Dup", owner=other_seller)

    steps = [
        (UPDATE, {"id": customer_gid, "ownerId": other_seller.gid}),  # a transfer
        (UPDATE, {"id": customer_gid, "status": "ACTIVE", "originChannel": "EMAIL"}),
        (ADD_TAGS, {"customerId": customer_gid, "tags": ["gold"]}),
        (REMOVE_TAGS, {"customerId": customer_gid, "tags": ["vip"]}),
        (ATTACH, {"teamId": gid(team, "Team"), "customerIds": [customer_gid]}),
        (DETACH, {"teamId": gid(team, "Team"), "customerIds": [customer_gid]}),
        (RENAME_OPTION, {"fieldId": tier["id"], "from": "gold", "to": "platinum", "expectedVersion": tier["version"]}),
    ]
    for mutation, input_ in steps:
        data = await gql.data(mutation, {"i": input_}, as_=admin)
        assert next(iter(data.values()))["__typename"].endswith(("Success", "Changed")), data
    merged = await gql.data(MERGE, {"i": {"primaryId": customer_gid, "duplicateIds": [gid(duplicate)]}}, as_=admin)
    merge_id = merged["mergeCustomers"]["merge"]["id"]
    undone = await gql.data(UNDO, {"i": {"mergeId": merge_id}}, as_=admin)
    assert undone["undoMerge"]["__typename"] == "UndoMergeSuccess", undone
    deleted = await gql.data(DELETE_FIELD, {"input": {"id": doomed["id"], "confirm": True}}, as_=admin)
    assert deleted["deleteCustomField"]["__typename"] == "DeleteCustomFieldSuccess", deleted

    entries = await _history(gql, admin, _pk(customer_gid))
    by_kind = {e["kind"]: e for e in entries}
    assert set(by_kind) >= {
        "CREATED", "UPDATED", "TRANSFERRED", "TAGS_CHANGED", "TEAMS_CHANGED", "CUSTOM_OPTION_RENAMED",
        "MERGED", "MERGE_UNDONE", "CUSTOM_FIELD_DELETED",
    }  # fmt: skip
    _assert_spoken_in_api_terms(entries)
    _assert_spoken_in_api_terms(await _history(gql, admin, duplicate))  # MERGED_INTO, MERGE_UNDONE

    transfer = {c["field"]: (c["before"], c["after"]) for c in by_kind["TRANSFERRED"]["changes"]}
    assert transfer == {"owner": (_named(seller), _named(other_seller))}
    teams = [e["details"] for e in entries if e["kind"] == "TEAMS_CHANGED"]
    assert {"added": [{"id": gid(team, "Team"), "name": "South"}]} in teams
    assert by_kind["MERGED"]["details"]["mergeId"] == merge_id
    assert by_kind["MERGED"]["details"]["duplicates"] == [{"id": gid(duplicate), "name": "Ana Dup"}]
    assert by_kind["MERGE_UNDONE"]["details"]["primaryId"] == customer_gid
    assert by_kind["MERGE_UNDONE"]["details"]["duplicateIds"] == [gid(duplicate)]
    assert by_kind["CUSTOM_OPTION_RENAMED"]["details"] == {
        "field": "customFields.tier",
        "from": "gold",
        "to": "platinum",
    }
    assert by_kind["CUSTOM_FIELD_DELETED"]["details"] == {"field": "customFields.nickname"}
    made = {c["field"]: c["after"] for c in by_kind["CREATED"]["changes"]}
    assert made["owner"] == _named(seller) and made["status"] == "INACTIVE" and made["originChannel"] == "WHATSAPP"


def _named(user: Any) -> dict[str, str]:
    """A user as history names it: its global id and name (the factory names users after their email)."""
    return {"id": user.gid, "name": user.email.split("@")[0]}


def _pk(global_id: str) -> Any:
    parsed = from_global_id(global_id)
    assert parsed is not None
    return parsed[1]
