"""Every root query field and mutation declares what it needs (or is marked public), and every type
implementing Node is reached through ``node(id)`` only under the rule its root fields apply."""

from __future__ import annotations

from graphql import get_named_type

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


def _node_types(schema) -> list[str]:
    graphql_schema = schema._schema
    return sorted(t.name for t in graphql_schema.get_possible_types(graphql_schema.type_map["Node"]))


def test_every_node_type_has_a_row_rule_and_a_node_path():
    """``node(id)`` reaches a type only through its rule in authz/rows.py (default deny)."""
    from authz.rows import ROW_RULES
    from schema.node_query import BUILDERS

    types = _node_types(build_schema())

    assert [t for t in types if t not in ROW_RULES] == []
    assert [t for t in types if t not in BUILDERS] == []
    assert sorted(BUILDERS) == sorted(ROW_RULES) == types


def _listed_type(graphql_type) -> str:
    """The object type a root field answers: itself, a list of it, a connection of it, or a
    wrapper named after it that carries it (``TagUsage.tag``)."""
    named = get_named_type(graphql_type)
    if named.name.endswith("Connection") and "nodes" in named.fields:
        named = get_named_type(named.fields["nodes"].type)
    for field in getattr(named, "fields", {}).values():
        inner = get_named_type(field.type)
        if (
            inner.name != named.name
            and named.name.startswith(inner.name)
            and "Node" in {i.name for i in getattr(inner, "interfaces", [])}
        ):
            return inner.name
    return named.name


def test_root_fields_require_the_permission_node_applies_to_their_type():
    """The rule node(id) applies to a type is the one its own root fields require."""
    from authz.rows import ROW_RULES

    schema = build_schema()
    query = schema._schema.query_type
    disagree = []
    for field in schema.get_type_by_name("Query").fields:
        name = schema.config.name_converter.get_graphql_name(field)
        rule = ROW_RULES.get(_listed_type(query.fields[name].type))
        if rule is None or rule.permission is None:
            continue
        required = [p for ext in field.extensions if isinstance(ext, Requires) for p in ext.permissions]
        if rule.permission not in required:
            disagree.append(f"Query.{name} requires {[str(p) for p in required]}, node requires {rule.permission}")

    assert disagree == []
