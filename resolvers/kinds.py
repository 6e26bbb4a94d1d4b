"""Record kinds (GraphQL type names) in the words messages use: "HistoryEntry" -> "history entry"."""

from __future__ import annotations

import re


def kind_words(type_name: str) -> str:
    return " ".join(part.lower() for part in re.findall(r"[A-Z][a-z]*|[a-z]+", type_name)) or type_name


def a_kind(type_name: str) -> str:
    """The kind with its article: "a customer", "an appointment", "a message template"."""
    words = kind_words(type_name)
    return f"{'an' if words[:1] in ('a', 'e', 'i', 'o') else 'a'} {words}"
