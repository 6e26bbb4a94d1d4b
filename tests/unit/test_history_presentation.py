"""How one history entry is shown: the pure rule behind every read path of history."""

from __future__ import annotations

from uuid import uuid4

from resolvers.history import Change, others, present

A, B = uuid4(), uuid4()


def test_contact_changes_are_left_out_only_when_contact_data_is_hidden():
    data = {"changes": {"email": ["a@x.com", "b@x.com"], "name": ["Ana", "Ana M"]}}

    hidden = present("updated", data, contact_hidden=True, readable=set())
    shown = present("updated", data, contact_hidden=False, readable=set())

    assert hidden.changes == [Change("name", "Ana", "Ana M")]
    assert shown.changes[0] == Change("email", "a@x.com", "b@x.com")


def test_custom_values_follow_the_type_recorded_in_the_entry_and_unknown_types_fail_closed():
    data = {
        "changes": {"custom_fields": [{}, {"cell": "+5511", "seg": "Retail", "old": "x"}]},
        "custom_types": {"cell": "phone", "seg": "text"},
    }

    shown = present("updated", data, contact_hidden=True, readable=set())

    assert shown.changes == [Change("custom_fields.seg", None, "Retail")]
    assert shown.details == {}
    assert len(present("updated", data, contact_hidden=False, readable=set()).changes) == 3


def test_a_merge_entry_without_recorded_sources_withholds_every_value_unless_all_duplicates_are_readable():
    data = {"duplicates": [{"id": str(A), "name": "A"}, {"id": str(B), "name": "B"}], "changes": {"name": [None, "A"]}}

    partly = present("merged", data, contact_hidden=False, readable={A})
    fully = present("merged", data, contact_hidden=False, readable={A, B})

    assert partly.changes == []
    assert partly.details["duplicates"] == [{"id": str(A), "name": "A"}]
    assert fully.changes == [Change("name", None, "A")]


def test_a_merge_entry_leaves_out_only_the_values_taken_from_a_customer_the_caller_may_not_read():
    data = {
        "duplicates": [{"id": str(A)}, {"id": str(B)}],
        "changes": {"name": [None, "A"], "document": [None, "123"]},
        "sources": {"name": str(A), "document": str(B)},
    }

    assert present("merged", data, contact_hidden=False, readable={A}).changes == [Change("name", None, "A")]


def test_a_billing_parent_is_shown_only_when_readable():
    data = {"changes": {"billing_parent_id": [None, str(B)]}}

    assert others("updated", data) == {B}
    assert present("updated", data, contact_hidden=False, readable=set()).changes == []
    assert present("updated", data, contact_hidden=False, readable={B}).changes == [
        Change("billing_parent_id", None, str(B))
    ]


def test_the_deleted_field_value_is_a_change_withheld_by_the_type_it_had():
    phone = {"field": "cell", "removed": "+5511", "type": "phone"}
    text = {"field": "seg", "removed": "Retail", "type": "text"}

    assert present("custom_field_deleted", phone, contact_hidden=True, readable=set()).changes == []
    assert present("custom_field_deleted", phone, contact_hidden=False, readable=set()).changes == [
        Change("custom_fields.cell", "+5511", None)
    ]
    shown = present("custom_field_deleted", text, contact_hidden=True, readable=set())
    assert shown.changes == [Change("custom_fields.seg", "Retail", None)]
    assert shown.details == {"field": "seg"}
