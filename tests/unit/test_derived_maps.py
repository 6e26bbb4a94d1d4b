"""The maps derived from the descriptors agree with the API that exposes them: a descriptor line
and the schema (sort fields, filters, merge choices, settings, child lists) cannot drift apart."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, get_named_type
from strawberry.utils.str_converters import to_camel_case

import models  # noqa: F401  (registers every descriptor)
from models.customers import CUSTOMER
from models.descriptors import ENTITIES
from models.tenants import TENANT
from resolvers import appointments, conversations, customer_reads, merge, notes, purchases, tasks, tenants
from resolvers.customer_filters import COLUMN_FILTERS
from resolvers.pagination import keys_on
from schema.schema import build_schema

SCHEMA = build_schema()._schema


def _input(name: str) -> GraphQLInputObjectType:
    found = SCHEMA.type_map[name]
    assert isinstance(found, GraphQLInputObjectType)
    return found


def test_every_sortable_column_is_sortable_through_the_api_and_nothing_else_is() -> None:
    sort_field = SCHEMA.type_map["CustomerSortField"]
    assert isinstance(sort_field, GraphQLEnumType)
    described = {name.upper() for name in CUSTOMER.sorts}
    assert set(sort_field.values) == described | {"RELEVANCE"}
    assert set(customer_reads.SORTS) == set(customer_reads.SortField) - {customer_reads.SortField.RELEVANCE}


def test_sorting_by_contact_data_is_refused_exactly_for_contact_columns() -> None:
    contact = {name for name, (column, _) in CUSTOMER.sorts.items() if column.contact}
    assert contact == {"email"}
    assert {f.value for f in customer_reads.CONTACT_SORTS} == contact


def test_every_sort_is_total_or_puts_empty_values_last() -> None:
    """Keyset pages compare the sort values: an expression that may be NULL must say so."""
    for name, (column, sort) in CUSTOMER.sorts.items():
        keys = customer_reads.sort_keys(customer_reads.Sort(customer_reads.SortField(name), False))
        assert keys[-1].expr == "c.id", name
        if sort.empty_last:
            assert (sort.cast, len(keys)) == ("text", 3), name
        else:
            assert not column.nullable or "coalesce" in sort.expr or name == "status", name


def test_every_column_filter_is_a_filter_of_the_api_and_every_time_range_is_described() -> None:
    fields = {name: get_named_type(f.type) for name, f in _input("CustomerFilter").fields.items()}
    for name, column in COLUMN_FILTERS.items():
        assert name in fields, name
        if column.kind == "datetime":
            assert fields[name].name == "TimeRange", name
        else:
            assert column.enum is not None and isinstance(fields[name], GraphQLEnumType), name
            assert set(fields[name].values) == {m.name for m in column.enum}, name  # type: ignore[union-attr]
            assert isinstance(_input("CustomerFilter").fields[name].type, GraphQLList), name
    ranges = {name for name, t in fields.items() if t.name == "TimeRange"}
    assert ranges == {name for name, c in COLUMN_FILTERS.items() if c.kind == "datetime"}


def test_a_merge_takes_every_field_a_client_writes_and_says_so() -> None:
    taken = {column for columns in merge.FIELD_COLUMNS.values() for column in columns}
    assert taken <= set(CUSTOMER.column_names)
    # Status stays the primary's; custom values are united key by key.
    assert set(CUSTOMER.tracked) - {"status", "custom_fields"} <= taken
    described = SCHEMA.type_map["FieldChoice"].fields["field"].description  # type: ignore[union-attr]
    assert described == ", ".join(merge.FIELD_COLUMNS) + ", or customFields.<key>"
    assert merge.FIELD_COLUMNS["email"] == ("email", "email_normalized")
    assert len(merge.FIELD_COLUMNS["address"]) == len(CUSTOMER.group_columns("address"))


def test_the_tenant_settings_are_the_described_ones() -> None:
    settings = {to_camel_case(name) for name in _input("UpdateTenantSettingsInput").fields}
    assert set(tenants.SETTINGS) == settings == set(TENANT.group_columns("settings"))
    assert ENTITIES["Tenant"] is TENANT


@pytest.mark.parametrize(
    ("kind", "entity", "relation"),
    [
        (notes.NOTES, "Customer", "notes"),
        (tasks.TASKS, "Customer", "tasks"),
        (conversations.CONVERSATIONS, "Customer", "conversations"),
        (appointments.APPOINTMENTS, "Customer", "appointments"),
        (purchases.PURCHASES, "Customer", "purchases"),
        (conversations.MESSAGES, "Conversation", "messages"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_child_list_is_ordered_and_named_as_its_descriptor_says(kind, entity, relation) -> None:  # type: ignore[no-untyped-def]
    described = ENTITIES[entity].to_many(relation)
    assert (kind.tag, kind.kind, kind.parent) == (described.tag, described.target, described.fk)
    assert kind.keys == keys_on(described.order, "t")


def test_my_tasks_are_ordered_as_a_customers_tasks() -> None:
    assert [(k.descending, k.field) for k in tasks.MY_ORDER] == [(k.descending, k.field) for k in tasks.TASKS.keys]
