"""Expected business failures. The schema maps each to a typed member of a result union."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from resolvers.kinds import kind_words


class FieldErrorCode(StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_DOCUMENT = "INVALID_DOCUMENT"
    UNKNOWN = "UNKNOWN"
    NOT_ALLOWED = "NOT_ALLOWED"
    TOO_MANY = "TOO_MANY"
    TAKEN = "TAKEN"
    DUPLICATE = "DUPLICATE"  # the same value twice in one input
    UNKNOWN_OPTION = "UNKNOWN_OPTION"  # not one of a select field's options
    IN_USE = "IN_USE"  # customers hold it


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: FieldErrorCode
    message: str


class DomainError(Exception):
    """Base of the failures a client is expected to handle."""


@dataclass
class ValidationFailed(DomainError):
    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors) or "Invalid input."

    @classmethod
    def one(cls, field_name: str, code: FieldErrorCode, message: str) -> ValidationFailed:
        return cls([FieldError(field_name, code, message)])


class NotFound(DomainError):
    """The record does not exist, or the caller may not see it: the two are indistinguishable."""

    def __init__(self, kind: str = "Customer", ref: str | None = None) -> None:
        self.kind = kind
        self.ref = ref
        super().__init__(f"{kind_words(kind).capitalize()} not found.")


class ConversationClosed(DomainError):
    """An outbound reply to a closed conversation: reopen it first (an inbound message reopens it)."""

    def __init__(self, conversation: dict[str, Any]) -> None:
        self.conversation = conversation
        super().__init__("The conversation is closed: reopen it to reply.")


class ConversationAlreadyOpen(DomainError):
    """A customer already has an open conversation on the channel: continue that one."""

    def __init__(self, conversations: list[dict[str, Any]]) -> None:
        self.conversations = conversations
        super().__init__(
            "A conversation on this channel is already open with "
            + ("this customer" if len(conversations) == 1 else f"{len(conversations)} of these customers")
            + ": reply there instead."
        )


class VersionConflict(DomainError):
    def __init__(self, expected: int, current: int) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            f"The record changed since you read it (you had version {expected}, it is now "
            f"{current}). Reload it and apply your change again."
        )


class Errors:
    """Collects field errors so one answer lists them all."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field_name: str, code: FieldErrorCode, message: str) -> None:
        self.items.append(FieldError(field_name, code, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)
