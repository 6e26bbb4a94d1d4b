"""The entity descriptors tell the truth about the GraphQL types they describe."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, get_named_type

import models  # noqa: F401  (registers every descriptor)
from models.descriptors import ENTITIES, Entity
from schema.schema import build_schema

SCALARS = {
    "id": "ID",
    "string": "String",
    "strings": "String",  # a list of them
    "int": "Int",
    "float": "Float",
    "bool": "Boolean",
    "datetime": "DateTime",
    "date": "Date",
    "decimal": "Decimal",
    "json": "JSON",
}
SCHEMA = build_schema()._schema


def _object(name: str) -> GraphQLObjectType:
    found = SCHEMA.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


@pytest.mark.parametrize("entity", list(ENTITIES.values()), ids=lambda e: e.name)
def test_every_api_column_is_a_field_of_its_type(entity: Entity) -> None:
    for column in entity.columns:
        if column.api is None:
            continue
        owner = _object(entity.groups[column.group]) if column.group else _object(entity.name)
        assert column.api in owner.fields, f"{owner.name}.{column.api}"
        field_type = owner.fields[column.api].type
        assert isinstance(field_type, GraphQLNonNull) is (not column.nullable), f"{owner.name}.{column.api} nullability"
        named = get_named_type(field_type)
        if column.kind == "enum":
            assert isinstance(named, GraphQLEnumType), f"{owner.name}.{column.api}"
            assert column.enum is not None
            assert set(named.values) == {m.name for m in column.enum}, f"{owner.name}.{column.api} values"
        else:
            assert named.name == SCALARS[column.kind], f"{owner.name}.{column.api}"


@pytest.mark.parametrize("entity", list(ENTITIES.values()), ids=lambda e: e.name)
def test_every_relation_is_a_field_of_its_target_type(entity: Entity) -> None:
    owner = _object(entity.name)
    for relation in entity.relations:
        assert relation.api in owner.fields, f"{entity.name}.{relation.api}"
        named = get_named_type(owner.fields[relation.api].type)
        target = named.name.removesuffix("Connection") if named.name.endswith("Connection") else named.name
        assert target == relation.target, f"{entity.name}.{relation.api}"
        assert relation.target in ENTITIES, f"{relation.target} is not described"


def test_the_customer_contact_columns_are_the_masked_ones() -> None:
    from authz.masking import CONTACT_COLUMNS, CONTACT_FIELDS

    customer = ENTITIES["Customer"]
    assert set(customer.contact_columns) == set(CONTACT_COLUMNS)
    assert {"email", "phone", "whatsapp"} <= customer.contact_fields
    assert customer.contact_fields >= CONTACT_FIELDS


def test_the_customer_history_tracks_what_a_client_writes() -> None:
    from resolvers.customers import TRACKED

    assert list(ENTITIES["Customer"].tracked) == TRACKED


def test_every_api_field_of_a_scalar_kind_is_described() -> None:
    """A scalar added to a described type without its descriptor line fails here."""
    for entity in ENTITIES.values():
        owner = _object(entity.name)
        described = set(entity.by_api) | set(entity.relation) | set(entity.groups)
        for name, graphql_field in owner.fields.items():
            named = get_named_type(graphql_field.type)
            if isinstance(named, GraphQLObjectType) or graphql_field.args:
                continue
            if name in described or name in COMPUTED.get(entity.name, ()):
                continue
            raise AssertionError(f"{entity.name}.{name} is not in its descriptor")


# Fields computed from other columns or from the caller, not columns of their own.
COMPUTED = {
    "Customer": {"contactHidden", "customFields"},
    "Task": {"overdue"},
    "SavedFilter": {"filter", "sort", "ignored"},
    "MessageTemplate": {"placeholders"},
    "CustomField": {"options"},
    "HistoryEntry": {"kind", "changes", "details"},
    "Merge": {"undoableUntil", "duplicateIds"},
    "Import": {"headers"},  # a json column of strings
    "ReportTemplate": {"definition"},  # a json column, shown as the API takes it
}
