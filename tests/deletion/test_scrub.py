"""Scrubbing purged customers out of JSON documents keeps the shapes readers rely on."""

from __future__ import annotations

from resolvers.deletion.scrub import NIL, scrub, scrub_row

X = "11111111-1111-1111-1111-111111111111"
Y = "22222222-2222-2222-2222-222222222222"


def test_a_document_naming_the_customer_keeps_its_shape_but_not_its_values() -> None:
    event = {
        "changes": {"email": [None, "ana@example.com"], "billing_parent_id": [X, Y]},
        "sources": {"email": X},
        "duplicates": [{"id": X, "name": "Ana"}],
        "moved": {"note": 2},
        "flag": True,
    }
    assert scrub(event, frozenset({X})) == {
        "changes": {"email": [None, None], "billing_parent_id": [NIL, Y]},
        "sources": {"email": NIL},
        "duplicates": [{"id": NIL, "name": None}],
        "moved": {"note": 2},
        "flag": True,
    }


def test_a_document_not_naming_it_is_left_alone() -> None:
    other = {"changes": {"name": ["A", "B"]}, "duplicate_ids": [Y]}
    assert scrub(other, frozenset({X})) == other
    assert scrub([X, Y], frozenset({X})) == [NIL, Y]


def test_a_row_naming_the_customer_in_one_column_loses_its_values_in_every_column() -> None:
    # An audit entry of a merge: the merged-away id in details, its e-mail in after.
    before, after, details = {"email": None}, {"email": "ana@example.com", "owner": {"id": Y}}, {"duplicates": [X]}
    assert scrub_row([before, after, details, None], frozenset({X})) == [
        {"email": None},
        {"email": None, "owner": {"id": Y}},
        {"duplicates": [NIL]},
        None,
    ]
    assert scrub_row([before, after, {"duplicates": [Y]}], frozenset({X})) == [before, after, {"duplicates": [Y]}]
