"""Expected failures of deleting and restoring customers (the schema maps each to a typed error)."""

from __future__ import annotations

from uuid import UUID

from resolvers.errors import DomainError


class WrongCode(DomainError):
    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        super().__init__(f"The confirmation code is wrong: {tries_left} tries left.")


class CodeExpired(DomainError):
    def __init__(self) -> None:
        super().__init__("The confirmation code has expired: request the deletion again.")


class TooManyTries(DomainError):
    def __init__(self) -> None:
        super().__init__("Too many wrong codes: this request is dead; request the deletion again.")


class BlockedByBillingChildren(DomainError):
    """Customers that others name as billing parent: re-point those first."""

    def __init__(self, children: dict[UUID, list[UUID]]) -> None:
        self.children = children
        count = sum(len(c) for c in children.values())
        super().__init__(f"{count} other customers name these as billing parent: re-point them first.")


class ContactKeyTaken(DomainError):
    """Restoring would take back a contact value another customer now holds."""

    def __init__(self, field: str, value: str, holder_id: UUID) -> None:
        self.field = field
        self.value = value
        self.holder_id = holder_id
        super().__init__(f"Another customer now has this {field}: the customer cannot be restored.")


class NoPersonToConfirm(DomainError):
    def __init__(self) -> None:
        super().__init__("Only a signed-in person with an e-mail address can request a deletion code.")
