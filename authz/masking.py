"""Field rules: which customer data a caller may not see, decided once per request.

Every way customer data leaves the server (GraphQL fields, duplicate answers, history, search,
filters, exports, reports) asks this module, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from authz.access import Access
from authz.catalogue import P
from models import CustomFieldType
from models.customers import CUSTOMER

# Columns hidden together (the normalized twins would reveal the raw values): the Customer
# descriptor marks them as contact data. CONTACT_FIELDS: the API names of those a client writes.
CONTACT_COLUMNS = CUSTOMER.contact_columns
CONTACT_FIELDS = frozenset(c.api for c in CUSTOMER.columns if c.contact and c.tracked and c.api is not None)
# Custom fields of these types hold contact data too: hidden, and not filterable, alike.
CONTACT_FIELD_TYPES = frozenset({CustomFieldType.EMAIL, CustomFieldType.PHONE})
# A conversation's handle is the customer's address on its channel: a phone number, an email, an
# Instagram username, a webchat visitor's id. Every one of them lets whoever holds it reach the
# person outside the company, so all are contact data, whatever the channel.


def contact_hidden(access: Access) -> bool:
    """True when the company hides contact data and the caller's role is not exempt by policy."""
    p = access.principal
    return p.settings.hide_contact_from_sellers and not access.can(P.CUSTOMER_VIEW_CONTACT)


def mask_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **dict.fromkeys(CONTACT_COLUMNS)}


def channel_handle(handle: str | None, hidden: bool) -> str | None:
    """A conversation's handle as a caller for whom contact data is ``hidden`` may see it."""
    return None if hidden else handle


def custom_value_hidden(field_type: CustomFieldType, hidden: bool) -> bool:
    """Whether a custom value of ``field_type`` is withheld from a caller for whom contact data is ``hidden``."""
    return hidden and field_type in CONTACT_FIELD_TYPES


def unchecked_required(
    hidden: bool, custom_types: Mapping[str, CustomFieldType], written: Iterable[str]
) -> frozenset[str]:
    """The required fields not to check on a write by a caller for whom contact data is ``hidden``.

    "X is required" on a customer the caller edits would tell whether a hidden X is set. So a
    hidden field (``email``, ``phone``, ``whatsapp``, ``customFields.<key>`` of a contact type) is
    checked only when the request itself writes it (``written``, API names): then the answer
    depends on the input alone. A row that already lacks it keeps lacking it, as before the edit.
    """
    if not hidden:
        return frozenset()
    contact = set(CONTACT_FIELDS) | {f"customFields.{k}" for k, t in custom_types.items() if t in CONTACT_FIELD_TYPES}
    return frozenset(contact - set(written))
