"""How a customer's change is written into an audit entry (pure parts of resolvers/audit.py)."""

from __future__ import annotations

from uuid import uuid4

from models import CustomFieldType
from resolvers.audit import REF, customer_changes


def test_a_customer_change_speaks_the_api_and_flags_its_contact_keys() -> None:
    owner = uuid4()
    before = {"name": "Bia", "email": None, "email_normalized": None, "status": "active", "owner_id": None,
              "custom_fields": {"tier": "gold", "mail": "a@x.com"}}  # fmt: skip
    after = {"name": "Bia", "email": "Bia@X.com", "email_normalized": "bia@x.com", "status": "inactive",
             "owner_id": owner, "custom_fields": {"tier": "gold", "mail": "b@x.com", "note": "hi"}}  # fmt: skip
    types = {"tier": CustomFieldType.SELECT, "mail": CustomFieldType.EMAIL}

    old, new, contact = customer_changes(before, after, types)

    assert new == {
        "email": "Bia@X.com",
        "status": "INACTIVE",
        "owner": {REF: "User", "id": str(owner)},
        "customFields.mail": "b@x.com",
        "customFields.note": "hi",
    }
    assert old == {"email": None, "status": "ACTIVE", "owner": None, "customFields.mail": "a@x.com",
                   "customFields.note": None}  # fmt: skip
    # An e-mail field's value is contact data; so is one of a field whose type is not known.
    assert contact == ["customFields.mail", "customFields.note", "email"]
