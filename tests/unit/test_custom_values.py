"""Custom values: what each type accepts, its canonical form, and what it refuses (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from models import CustomFieldType as T
from resolvers.custom_values import (
    FieldDef,
    InvalidValue,
    apply_changes,
    by_key,
    check_required_values,
    check_values,
    clean_inputs,
    clean_value,
)
from resolvers.errors import Errors

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def field(kind: T, key: str = "f", options: tuple[str, ...] = (), required: bool = False, archived: bool = False):
    return FieldDef(uuid4(), key, key.title(), kind, options, required, 0, archived, 1, NOW, NOW)


SIZES = ("Small", "Médio", "Large")

VALID = [
    (T.TEXT, "  Hello   world ", "Hello world"),
    (T.TEXT, "x" * 500, "x" * 500),
    (T.LONG_TEXT, " line 1\r\n  line 2 ", "line 1\n  line 2"),
    (T.NUMBER, 42, 42),
    (T.NUMBER, -1.5, -1.5),
    (T.NUMBER, 3.0, 3),
    (T.NUMBER, "12", 12),
    (T.NUMBER, "1e3", 1000),
    (T.DECIMAL, "1234.50", "1234.5"),
    (T.DECIMAL, 0.1, "0.1"),
    (T.DECIMAL, "1E+2", "100"),
    (T.DECIMAL, "-0.00", "0"),
    (T.DECIMAL, "12345678901234567890.123456789", "12345678901234567890.123456789"),
    (T.DATE, "2024-02-29", "2024-02-29"),
    (T.BOOLEAN, True, True),
    (T.BOOLEAN, False, False),
    (T.SELECT, " small ", "Small"),
    (T.SELECT, "MEDIO", "Médio"),  # options compare without case and accents, keep their own spelling
    (T.MULTI_SELECT, ["large", "Small", "Large"], ["Large", "Small"]),
    (T.URL, " https://example.com/a?b=1 ", "https://example.com/a?b=1"),
    (T.EMAIL, " Ana.Silva@Example.COM ", "ana.silva@example.com"),
    (T.PHONE, "(11) 99999-8888", "+5511999998888"),
    (T.PHONE, "+351 912 345 678", "+351912345678"),
]


@pytest.mark.parametrize(("kind", "raw", "canonical"), VALID)
def test_valid_values_get_their_canonical_form_and_keep_it(kind, raw, canonical):
    f = field(kind, options=SIZES)

    value = clean_value(f, raw, "BR")

    assert value == canonical and type(value) is type(canonical)
    assert clean_value(f, value, "BR") == value  # canonical values clean to themselves


INVALID = [
    (T.TEXT, 12, "INVALID"),
    (T.TEXT, "x" * 501, "TOO_LONG"),
    (T.LONG_TEXT, "x" * 10_001, "TOO_LONG"),
    (T.NUMBER, "twelve", "INVALID"),
    (T.NUMBER, True, "INVALID"),
    (T.NUMBER, [1], "INVALID"),
    (T.NUMBER, float("nan"), "INVALID"),
    (T.NUMBER, 10**16, "INVALID"),
    (T.NUMBER, "1e400", "INVALID"),
    (T.DECIMAL, "12,50", "INVALID"),
    (T.DECIMAL, "Infinity", "INVALID"),
    (T.DECIMAL, False, "INVALID"),
    (T.DECIMAL, "1" * 39, "INVALID"),
    (T.DATE, "2023-02-29", "INVALID"),
    (T.DATE, "31/12/2024", "INVALID"),
    (T.DATE, "20240101", "INVALID"),
    (T.DATE, 20240101, "INVALID"),
    (T.BOOLEAN, "true", "INVALID"),
    (T.BOOLEAN, 1, "INVALID"),
    (T.SELECT, "Huge", "UNKNOWN_OPTION"),
    (T.SELECT, ["Small"], "INVALID"),
    (T.MULTI_SELECT, "Small", "INVALID"),
    (T.MULTI_SELECT, ["Small", "Huge"], "UNKNOWN_OPTION"),
    (T.URL, "example.com", "INVALID"),
    (T.URL, "ftp://example.com", "INVALID"),
    (T.URL, "https://exa mple.com", "INVALID"),
    (T.EMAIL, "not-an-email", "INVALID_EMAIL"),
    (T.EMAIL, 5, "INVALID"),
    (T.PHONE, "123", "INVALID_PHONE"),
    (T.PHONE, "x" * 41, "TOO_LONG"),
]


@pytest.mark.parametrize(("kind", "raw", "code"), INVALID)
def test_invalid_values_are_refused_with_a_code(kind, raw, code):
    with pytest.raises(InvalidValue) as refused:
        clean_value(field(kind, options=SIZES), raw, "BR")

    assert refused.value.code == code


@pytest.mark.parametrize("kind", list(T))
@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_empty_values_clear_whatever_the_type(kind, empty):
    assert clean_value(field(kind, options=SIZES), empty, "BR") is None


def test_inputs_report_unknown_archived_repeated_and_invalid_keys_by_path():
    fields = by_key(
        [field(T.NUMBER, "size"), field(T.TEXT, "old", archived=True), field(T.SELECT, "tier", options=("A",))]
    )
    errors = Errors()

    out = clean_inputs(
        fields,
        [
            {"key": "size", "value": "7"},
            {"key": "nope", "value": 1},
            {"key": "old", "value": "x"},
            {"key": "tier", "value": "B"},
            {"key": "size", "value": 8},
        ],
        "BR",
        errors,
    )

    assert out["size"] == 7
    assert sorted((e.field, e.code) for e in errors.items) == [
        ("customFields.nope", "UNKNOWN"),
        ("customFields.old", "NOT_ALLOWED"),
        ("customFields.size", "DUPLICATE"),
        ("customFields.tier", "UNKNOWN_OPTION"),
    ]


def test_changes_set_and_clear_keys():
    assert apply_changes({"a": 1, "b": 2, "c": 3}, {"a": 9, "b": None, "d": 4}) == {"a": 9, "c": 3, "d": 4}


def test_required_values_skip_archived_fields_and_fields_already_in_error():
    fields = [
        field(T.TEXT, "a", required=True),
        field(T.BOOLEAN, "b", required=True),
        field(T.TEXT, "c", required=True, archived=True),
        field(T.TEXT, "d", required=True),
    ]
    errors = Errors()
    errors.add("customFields.d", "INVALID", "must be text")

    check_required_values(fields, {"b": False}, errors)

    assert sorted((e.field, e.code) for e in errors.items) == [
        ("customFields.a", "REQUIRED"),
        ("customFields.d", "INVALID"),
    ]


def test_gathered_values_are_checked_whole_and_made_canonical():
    fields = by_key([field(T.DECIMAL, "price"), field(T.TEXT, "kept", archived=True)])
    errors = Errors()

    out = check_values(fields, {"price": "10.50", "kept": "still valid", "legacy": 1}, "BR", errors)

    assert out == {"price": "10.5", "kept": "still valid"}
    assert [(e.field, e.code) for e in errors.items] == [("customFields.legacy", "UNKNOWN")]
