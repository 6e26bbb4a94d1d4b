"""Channel handles: the address of a customer on a channel without a contact field.

Instagram usernames are case-insensitive and often written with an @: ``@User``, ``user`` and
``@user`` are one account, stored as ``user``. Webchat handles are visitor ids the widget makes
up: opaque, compared exactly (trimmed).
"""

from __future__ import annotations

import re

from models import Channel
from resolvers.contact import InvalidContact

HANDLE_MAX = 254
INSTAGRAM_MAX = 30
_INSTAGRAM = re.compile(r"[a-z0-9._]+")


def normalize_handle(channel: Channel, raw: str) -> str:
    text = raw.strip()
    if channel is Channel.INSTAGRAM:
        name = text.removeprefix("@").lower()
        if not name or not _INSTAGRAM.fullmatch(name):
            raise InvalidContact("is not an Instagram username (letters, digits, periods and underscores)")
        if len(name) > INSTAGRAM_MAX:
            raise InvalidContact(f"is not an Instagram username (at most {INSTAGRAM_MAX} characters)")
        return name
    if len(text) > HANDLE_MAX:
        raise InvalidContact(f"must be at most {HANDLE_MAX} characters")
    return text


def display_handle(channel: Channel, handle: str) -> str:
    """How people write the handle: Instagram usernames with their @."""
    return f"@{handle}" if channel is Channel.INSTAGRAM else handle
