"""Compiling custom field conditions to SQL (pure): containment where the index can answer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from models import CustomFieldType as T
from resolvers.custom_field_filters import custom_field_conditions
from resolvers.custom_values import FieldDef, by_key
from resolvers.errors import ValidationFailed

NOW = datetime(2024, 1, 1, tzinfo=UTC)
FIELDS = by_key(
    FieldDef(uuid4(), key, key, kind, options, False, 0, False, 1, NOW, NOW)
    for key, kind, options in [
        ("tier", T.SELECT, ("Gold", "Silver")),
        ("channels", T.MULTI_SELECT, ("Email", "Shop")),
        ("credit", T.DECIMAL, ()),
        ("since", T.DATE, ()),
        ("mobile", T.PHONE, ()),
    ]
)


def compile_(*conditions, hidden=False):
    return custom_field_conditions(list(conditions), FIELDS, "BR", hidden).render()


def test_equality_and_one_of_become_containment_of_canonical_values():
    text, params = compile_(
        {"key": "tier", "equals": "gold"},
        {"key": "channels", "oneOf": ["shop", "Email"]},
        {"key": "mobile", "equals": "11 98888-7777"},
    )

    assert text == (
        "(c.custom_fields @> $1::jsonb) AND ((c.custom_fields @> $2::jsonb) OR (c.custom_fields @> $3::jsonb)) "
        "AND (c.custom_fields @> $4::jsonb)"
    )
    assert params == [
        '{"tier": "Gold"}',
        '{"channels": ["Email"]}',
        '{"channels": ["Shop"]}',
        '{"mobile": "+5511988887777"}',
    ]


def test_ranges_compare_typed_values_without_casting_foreign_ones():
    text, params = compile_({"key": "credit", "min": "10.50", "max": 20}, {"key": "since", "max": "2024-01-31"})

    assert "::numeric END) >= $3::numeric" in text and "~ '^-?[0-9]+(\\.[0-9]+)?$'" in text
    assert '(c.custom_fields ->> $7) COLLATE "C" <= $8' in text
    assert params[2] == Decimal("10.5") and params[5] == Decimal("20") and params[7] == "2024-01-31"


def test_is_empty_tests_the_key():
    assert compile_({"key": "tier", "isEmpty": True}) == ("(NOT (c.custom_fields ? $1))", ["tier"])
    assert compile_({"key": "tier", "isEmpty": False}) == ("(c.custom_fields ? $1)", ["tier"])


def test_every_bad_condition_is_reported_at_once():
    with pytest.raises(ValidationFailed) as refused:
        compile_(
            {"key": "tier", "contains": "G"},
            {"key": "since", "min": "yesterday"},
            {"key": "ghost", "equals": 1},
            {"key": "mobile", "equals": "11 98888-7777"},
            hidden=True,
        )

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("filter.customFields.tier", "NOT_ALLOWED"),
        ("filter.customFields.since", "INVALID"),
        ("filter.customFields.ghost", "UNKNOWN"),
        ("filter.customFields.mobile", "NOT_ALLOWED"),
    ]
