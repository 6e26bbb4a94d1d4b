"""What the primary takes from its duplicates (pure)."""

from __future__ import annotations

from uuid import uuid4

from resolvers.merge import merged_values


def row(**values):
    base = {
        "id": uuid4(),
        "name": None,
        "trade_name": None,
        "email": None,
        "email_normalized": None,
        "phone": None,
        "phone_e164": None,
        "whatsapp": None,
        "whatsapp_e164": None,
        "document": None,
        "address_street": None,
        "address_number": None,
        "address_complement": None,
        "address_neighbourhood": None,
        "address_city": None,
        "address_state": None,
        "address_postal_code": None,
        "address_country": None,
        "origin_channel": "manual",
        "owner_id": None,
        "billing_parent_id": None,
        "custom_fields": {},
    }
    return {**base, **values}


def test_blanks_are_filled_from_the_first_duplicate_that_has_a_value():
    primary = row(name="Ana")
    d1, d2 = row(name="A", trade_name="First"), row(trade_name="Second", document="52998224725")

    changes = merged_values(primary, [d1, d2], {})

    assert changes == {"trade_name": "First", "document": "52998224725"}


def test_a_choice_overrides_a_non_blank_primary_value():
    primary = row(name="Ana", email="a@x.com", email_normalized="a@x.com")
    dup = row(email="B@x.com", email_normalized="b@x.com")

    changes = merged_values(primary, [dup], {"email": dup["id"]})

    assert changes == {"email": "B@x.com", "email_normalized": "b@x.com"}


def test_contact_columns_travel_with_their_normalized_twin_and_address_as_a_whole():
    primary = row(address_city="Recife")
    dup = row(phone="(11) 9", phone_e164="+551190000000", address_street="Rua A", address_city="Natal")

    changes = merged_values(primary, [dup], {})

    assert changes == {"phone": "(11) 9", "phone_e164": "+551190000000"}  # the address is not blank: kept


def test_custom_values_are_united_primary_first_unless_chosen():
    import json

    primary = row(custom_fields={"a": 1, "b": None})
    d1, d2 = row(custom_fields={"a": 2, "b": 3, "c": 4}), row(custom_fields={"c": 5, "d": 6})

    united = json.loads(merged_values(primary, [d1, d2], {})["custom_fields"])
    chosen = json.loads(merged_values(primary, [d1, d2], {"customFields.c": d2["id"]})["custom_fields"])

    assert united == {"a": 1, "b": 3, "c": 4, "d": 6}
    assert chosen["c"] == 5
