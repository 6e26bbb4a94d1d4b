"""Why an uploaded file cannot be read at all (as opposed to one bad row in it)."""

from __future__ import annotations

from enum import StrEnum

from resolvers.errors import DomainError


class UnreadableCode(StrEnum):
    EMPTY_FILE = "EMPTY_FILE"
    HEADER_ONLY = "HEADER_ONLY"
    UNSUPPORTED_TYPE = "UNSUPPORTED_TYPE"
    CORRUPT_FILE = "CORRUPT_FILE"
    TOO_LARGE = "TOO_LARGE"
    BAD_ENCODING = "BAD_ENCODING"
    BAD_HEADER = "BAD_HEADER"


class UnreadableFile(DomainError):
    """The file as a whole is refused; ``message`` is a sentence for the user."""

    def __init__(self, code: UnreadableCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)
