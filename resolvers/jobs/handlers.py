"""The modules whose import registers job handlers; the worker imports them all before it starts."""

from __future__ import annotations

import importlib

HANDLER_MODULES: list[str] = [
    "resolvers.imports.jobs",
    "resolvers.webhooks.jobs",
    "resolvers.exports.jobs",
    "resolvers.deletion.purge",
]


def load_handlers(extra: list[str] | None = None) -> None:
    """Import every handler module (and ``extra`` ones, e.g. a test's), registering their jobs."""
    for name in [*HANDLER_MODULES, *(extra or [])]:
        importlib.import_module(name)
