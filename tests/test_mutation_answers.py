"""An error answer never hides a write: what a mutation wrote stays in the answer, whatever
failed beside it (another mutation of the request) or below it (a nested field of its payload)."""

from __future__ import annotations

from graphql import GraphQLList, GraphQLNonNull, GraphQLUnionType, get_named_type, is_leaf_type

from models.db import fetch
from models.sql import Sql
from schema.schema import build_schema
from tests.helpers import count_customers, error_codes, gid

CREATE = """{alias}: createCustomer(input: {{name: "{name}"}}) {{ __typename
  ... on CreateCustomerSuccess {{ outcome customer {{ id name {nested} }} }} }}"""


def _create(name: str, alias: str = "created", nested: str = "") -> str:
    return CREATE.format(alias=alias, name=name, nested=nested)


async def test_a_failing_second_mutation_does_not_erase_the_first_ones_answer(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    # Sellers may create customers, not custom fields: the second mutation is FORBIDDEN.
    query = (
        "mutation { "
        + _create("Written")
        + ' denied: createCustomField(input: {key: "x", label: "X", type: TEXT}) { __typename } }'
    )

    body = await gql.post(query, as_=seller)

    created = body["data"]["created"]
    assert created["__typename"] == "CreateCustomerSuccess" and created["outcome"] == "CREATED"
    rows = await fetch(Sql("SELECT id, name FROM customer WHERE tenant_id = %s", tenant.id))
    assert [(gid(r["id"]), r["name"]) for r in rows] == [(created["customer"]["id"], "Written")]
    assert body["data"]["denied"] is None
    assert error_codes(body) == ["FORBIDDEN"] and body["errors"][0]["path"] == ["denied"]


async def test_two_writes_and_a_failure_between_them_are_all_reported(gql, factory):
    tenant = await factory.tenant()
    seller = await factory.user(tenant, "seller")
    query = (
        "mutation { "
        + _create("One", "one")
        + ' denied: createCustomField(input: {key: "x", label: "X", type: TEXT}) { __typename } '
        + _create("Two", "two")
        + " }"
    )

    body = await gql.post(query, as_=seller)

    assert body["data"]["one"]["customer"]["name"] == "One"
    assert body["data"]["two"]["customer"]["name"] == "Two"
    assert body["data"]["denied"] is None and error_codes(body) == ["FORBIDDEN"]
    assert await count_customers(tenant.id) == 2


async def test_an_error_in_a_nested_field_of_the_payload_keeps_the_written_customer(gql, factory):
    tenant = await factory.tenant()
    admin = await factory.user(tenant, "admin")
    query = "mutation { " + _create("Nested", nested="notes(first: 1000) { totalCount } tags { name }") + " }"

    body = await gql.post(query, as_=admin)

    customer = body["data"]["created"]["customer"]
    rows = await fetch(Sql("SELECT id FROM customer WHERE tenant_id = %s", tenant.id))
    assert [gid(r["id"]) for r in rows] == [customer["id"]]
    assert customer["name"] == "Nested" and customer["tags"] == []
    assert customer["notes"] is None  # only the refused list is missing
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["created", "customer", "notes"]


def _nullable_all_the_way(field_type) -> bool:
    """Null in place of the field, or of any item of it, stops there."""
    while True:
        if isinstance(field_type, GraphQLNonNull):
            if not isinstance(field_type.of_type, GraphQLList):
                return False
            field_type = field_type.of_type  # a non-null list is fine if its items are nullable
        if isinstance(field_type, GraphQLList):
            field_type = field_type.of_type
            continue
        return True


def test_every_mutation_and_every_object_its_success_answers_with_is_nullable():
    """A null there stops an error below from climbing up and erasing what was written."""
    schema = build_schema()._schema
    error = schema.type_map["Error"]
    offending = []
    for name, field in schema.mutation_type.fields.items():
        if isinstance(field.type, GraphQLNonNull):
            offending.append(f"Mutation.{name}")
        answer = get_named_type(field.type)
        for member in answer.types if isinstance(answer, GraphQLUnionType) else [answer]:
            if error in member.interfaces:
                continue  # nothing was written
            for field_name, member_field in member.fields.items():
                if not is_leaf_type(get_named_type(member_field.type)) and not _nullable_all_the_way(member_field.type):
                    offending.append(f"{member.name}.{field_name}")

    assert offending == []
