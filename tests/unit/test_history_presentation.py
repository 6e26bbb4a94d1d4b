"""How one history entry is shown: the pure rule behind every read path of history."""

from __future__ import annotations

from uuid import uuid4

from resolvers.history import Change, others, present

A, B = uuid4(), uuid4()


def test_contact_columns_are_masked_only_when_contact_data_is_hidden():
    data = {"changes": {"email": ["a@x.com", "b@x.com"], "name": ["Ana", "Ana M"]}}

    hidden = present("updated", data, contact_hidden=True, readable=set())
    shown = present("updated", data, contact_hidden=False, readable=set())

    assert hidden.changes == [Change("email", None, None, True), Change("name", "Ana", "Ana M", False)]
    assert shown.changes[0] == Change("email", "a@x.com", "b@x.com", False)


def test_custom_values_follow_the_type_recorded_in_the_entry_and_unknown_types_fail_closed():
    data = {
        "changes": {"custom_fields": [{}, {"cell": "+5511", "seg": "Retail", "old": "x"}]},
        "custom_types": {"cell": "phone", "seg": "text"},
    }

    shown = present("updated", data, contact_hidden=True, readable=set())

    assert {c.field: c.hidden for c in shown.changes} == {
        "custom_fields.cell": True,
        "custom_fields.old": True,
        "custom_fields.seg": False,
    }
    assert shown.details == {}


def test_a_merge_entry_without_recorded_sources_masks_every_value_unless_all_duplicates_are_readable():
    data = {"duplicates": [{"id": str(A), "name": "A"}, {"id": str(B), "name": "B"}], "changes": {"name": [None, "A"]}}

    partly = present("merged", data, contact_hidden=False, readable={A})
    fully = present("merged", data, contact_hidden=False, readable={A, B})

    assert partly.changes == [Change("name", None, None, True)]
    assert partly.details["duplicates"] == [{"id": str(A), "name": "A"}]
    assert fully.changes == [Change("name", None, "A", False)]


def test_a_billing_parent_is_shown_only_when_readable():
    data = {"changes": {"billing_parent_id": [None, str(B)]}}

    assert others("updated", data) == {B}
    assert present("updated", data, contact_hidden=False, readable=set()).changes[0].hidden
    assert not present("updated", data, contact_hidden=False, readable={B}).changes[0].hidden


def test_the_deleted_field_value_is_a_change_masked_by_the_type_it_had():
    phone = {"field": "cell", "removed": "+5511", "type": "phone"}
    text = {"field": "seg", "removed": "Retail", "type": "text"}

    assert present("custom_field_deleted", phone, contact_hidden=True, readable=set()).changes == [
        Change("custom_fields.cell", None, None, True)
    ]
    shown = present("custom_field_deleted", text, contact_hidden=True, readable=set())
    assert shown.changes == [Change("custom_fields.seg", "Retail", None, False)]
    assert shown.details == {"field": "seg"}
