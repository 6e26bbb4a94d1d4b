"""A file a client uploaded, already on disk (the server removes it when the request ends)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class UploadedFile:
    path: Path
    filename: str
    content_type: str | None
    # SHA-256 of the bytes, taken while they were written to disk: what an Idempotency-Key's
    # fingerprint holds of the file.
    sha256: str = ""
