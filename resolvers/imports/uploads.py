"""A file a client uploaded, already on disk (the server removes it when the request ends)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class UploadedFile:
    path: Path
    filename: str
    content_type: str | None
