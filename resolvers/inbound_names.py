"""The name of a customer first met through an inbound message.

A sender's number, email or handle is contact data, which may be hidden from the sellers who work
the customer. The name is not: it shows in lists, search, sorting, history and templates. So a
customer created from a message is never named after its address, but after the channel and the
day it first wrote ("WhatsApp contact 4 Dec 2026") until someone gives it a real name.
"""

from __future__ import annotations

from datetime import date

from models import Channel
from resolvers.contact import InvalidContact, normalize_email, normalize_phone
from resolvers.text import fold

CHANNEL_LABELS = {
    Channel.WHATSAPP: "WhatsApp",
    Channel.INSTAGRAM: "Instagram",
    Channel.EMAIL: "Email",
    Channel.WEBCHAT: "Webchat",
    Channel.PHONE: "Phone",
    Channel.SMS: "SMS",
}


def neutral_name(channel: Channel, on: date) -> str:
    """e.g. "WhatsApp contact 4 Dec 2026" (English month abbreviations, whatever the locale)."""
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[on.month - 1]
    return f"{CHANNEL_LABELS[channel]} contact {on.day} {month} {on.year}"


def is_contact_value(text: str, handle: str, region: str) -> bool:
    """True when ``text`` is the sender's handle, or any phone number or email address: names
    given by a channel are often just the address, and an address is never a name."""
    if fold(text).lstrip("@") == fold(handle).lstrip("@"):
        return True
    if "@" in text.strip()[1:]:
        try:
            normalize_email(text)
            return True
        except InvalidContact:
            pass
    if any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text):
        try:
            normalize_phone(text, region)
            return True
        except InvalidContact:
            pass
    return False


def inbound_name(given: str | None, channel: Channel, handle: str, region: str, on: date) -> str:
    """The name of a customer created by a message: the one the channel gave, unless it is an address."""
    name = " ".join((given or "").split())
    if name and not is_contact_value(name, handle, region):
        return name
    return neutral_name(channel, on)
