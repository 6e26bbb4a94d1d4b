"""Every root query field and mutation declares what it needs (or is marked public)."""

from __future__ import annotations

from schema.permissions import Requires
from schema.schema import build_schema


def test_every_root_field_is_covered_by_an_authorization_rule():
    schema = build_schema()
    uncovered = []
    for type_name in ("Query", "Mutation"):
        definition = schema.get_type_by_name(type_name)
        for field in definition.fields:
            if not any(isinstance(ext, Requires) for ext in field.extensions):
                uncovered.append(f"{type_name}.{field.name}")

    assert uncovered == []
