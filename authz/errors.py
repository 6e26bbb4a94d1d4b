"""Authentication and authorization failures; the schema turns them into top-level errors."""

from __future__ import annotations


class Unauthenticated(Exception):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required.") -> None:
        super().__init__(message)


class Forbidden(Exception):
    code = "FORBIDDEN"

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)
