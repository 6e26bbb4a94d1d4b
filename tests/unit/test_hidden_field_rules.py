"""The pure rules behind hidden contact data: which required fields go unchecked, which names are addresses."""

from __future__ import annotations

import pytest

from authz.masking import channel_handle, unchecked_required
from models import CustomFieldType
from resolvers.inbound_names import is_contact_value

TYPES = {"backup": CustomFieldType.PHONE, "mail2": CustomFieldType.EMAIL, "segment": CustomFieldType.SELECT}


def test_nothing_goes_unchecked_for_who_sees_contact_data():
    assert unchecked_required(False, TYPES, ()) == frozenset()


def test_hidden_fields_go_unchecked_unless_the_request_writes_them():
    assert unchecked_required(True, TYPES, ()) == {
        "email", "phone", "whatsapp", "customFields.backup", "customFields.mail2"
    }  # fmt: skip
    assert unchecked_required(True, TYPES, {"email", "customFields.backup", "name"}) == {
        "phone", "whatsapp", "customFields.mail2"
    }  # fmt: skip


def test_handles_are_hidden_like_any_contact_value():
    assert channel_handle("@lia.store", hidden=True) is None
    assert channel_handle("@lia.store", hidden=False) == "@lia.store"


@pytest.mark.parametrize(
    ("name", "handle", "address"),
    [
        ("@Lia.Store", "lia.store", True),
        ("lia@example.com", "+5511977771234", True),
        ("(11) 97777-1234", "lia@example.com", True),
        ("+1 415 555 2671", "x", True),
        ("Lia Souza", "+5511977771234", False),
        ("Padaria 2000", "+5511977771234", False),
        ("2000", "+5511977771234", False),
        ("@ home", "lia.store", False),
    ],
)
def test_which_given_names_are_addresses(name, handle, address):
    assert is_contact_value(name, handle, "BR") is address
