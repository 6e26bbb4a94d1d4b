"""How exports behave, set once by the server from its settings (server/settings.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass
class ExportConfig:
    # At most this many rows: the file is written when downloaded; more: a background job writes it.
    inline_max_rows: int = 5_000
    # How long a file stays to download (then the expiry job removes it).
    keep_for: timedelta = timedelta(hours=24)


CONFIG = ExportConfig()


def configure(*, inline_max_rows: int) -> None:
    CONFIG.inline_max_rows = inline_max_rows
