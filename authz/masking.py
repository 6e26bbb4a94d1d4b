"""Field rules: which customer data a caller may not see, decided once per request.

Every way customer data leaves the server (GraphQL fields, duplicate answers, history, search,
filters, exports, reports) asks this module, so the rule lives in one place.
"""

from __future__ import annotations

from typing import Any

from authz.access import Access
from authz.catalogue import P
from models import CustomFieldType

# Columns hidden together; the normalized twins would reveal the raw values.
CONTACT_COLUMNS = ("email", "email_normalized", "phone", "phone_e164", "whatsapp", "whatsapp_e164")
CONTACT_FIELDS = frozenset({"email", "phone", "whatsapp"})  # API names (filters, sorting, history)
# Custom fields of these types hold contact data too: hidden, and not filterable, alike.
CONTACT_FIELD_TYPES = frozenset({CustomFieldType.EMAIL, CustomFieldType.PHONE})


def contact_hidden(access: Access) -> bool:
    """True when the company hides contact data and the caller's role is not exempt by policy."""
    p = access.principal
    return p.settings.hide_contact_from_sellers and not access.can(P.CUSTOMER_VIEW_CONTACT)


def mask_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **dict.fromkeys(CONTACT_COLUMNS)}


def custom_value_hidden(field_type: CustomFieldType, hidden: bool) -> bool:
    """Whether a custom value of ``field_type`` is withheld from a caller for whom contact data is ``hidden``."""
    return hidden and field_type in CONTACT_FIELD_TYPES
