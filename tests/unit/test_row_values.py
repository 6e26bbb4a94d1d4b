"""Rows become API objects through their descriptors: every described field reaches its type."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from strawberry.utils.str_converters import to_camel_case

import models  # noqa: F401  (registers every descriptor)
from models import CustomerStatus, OriginChannel
from models.descriptors import ENTITIES
from schema.appointments import Appointment
from schema.conversations import Conversation, Message
from schema.customer_type import Address, Customer
from schema.node import to_global_id
from schema.notes import Note
from schema.purchases import Purchase
from schema.saved_filters import SavedFilter
from schema.tags import Tag
from schema.tasks import Task
from schema.teams import Team
from schema.users import User

TYPES = [Customer, Note, Task, Appointment, Purchase, Conversation, Message, User, Tag, Team, SavedFilter]


@pytest.mark.parametrize("cls", TYPES, ids=lambda c: c.__name__)
def test_every_described_field_is_set_from_the_row_or_resolved(cls):
    """A described column the type neither takes at construction nor resolves would be lost."""
    entity = ENTITIES[cls.__name__]
    fields = {to_camel_case(f.name): f for f in dataclasses.fields(cls)}
    for api in entity.by_api:
        assert api in fields, f"{cls.__name__}.{api}"


def _customer_row(**overrides):
    row = {c: None for c in ENTITIES["Customer"].column_names}
    now = datetime.now(UTC)
    row.update(
        id=uuid4(), name="Ana", email="a@x.com", email_normalized="a@x.com", phone="1", phone_e164="+551",
        address_city="Campinas", address_postal_code="13000", status="inactive", origin_channel="whatsapp",
        custom_fields={}, created_at=now, updated_at=now, version=3,
    )  # fmt: skip
    row.update(overrides)
    return row


def test_a_customer_row_becomes_a_customer_with_contact_data_withheld_when_hidden():
    row = _customer_row()

    shown = Customer.from_row(row, hidden=False)
    hidden = Customer.from_row(row, hidden=True)

    assert shown.id == to_global_id("Customer", row["id"])
    assert (shown.email, shown.phone_e164, shown.version) == ("a@x.com", "+551", 3)
    assert shown.status is CustomerStatus.INACTIVE and shown.origin_channel is OriginChannel.WHATSAPP
    assert shown.address == Address(
        street=None, number=None, complement=None, neighbourhood=None, city="Campinas", state=None,
        postal_code="13000", country=None,
    )  # fmt: skip
    assert (hidden.email, hidden.phone, hidden.phone_e164, hidden.whatsapp) == (None, None, None, None)
    assert hidden.name == "Ana" and hidden.contact_hidden
