"""The one rule for every string a request brings in: no NUL character, no lone surrogate.

PostgreSQL cannot store either (text refuses NUL, UTF-8 has no surrogates), and a lone surrogate
cannot even be written back in a JSON answer. So they are refused where a request's input is
decoded, before anything runs: variables (at any depth, object keys included, so JSON custom
values too) by ``variables_fault``, and string literals in the document by ``StringLiteralRule``.
The refusal names the variable path or the argument, with ``extensions.code`` BAD_USER_INPUT.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, ValidationRule
from graphql.language import (
    ArgumentNode,
    FieldNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    StringValueNode,
    VariableDefinitionNode,
)

BAD_USER_INPUT = "BAD_USER_INPUT"
_SURROGATE = re.compile("[\ud800-\udfff]")


def string_fault(text: str) -> str | None:
    """What is wrong with one string, or None when it may go on."""
    if "\x00" in text:
        return "a NUL character"
    if _SURROGATE.search(text):
        return "a lone surrogate (not valid Unicode)"
    return None


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, fault) for every bad string in a decoded JSON value. Iterative: depth is bounded
    by the JSON decoder, not by Python's stack."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            fault = string_fault(item)
            if fault:
                yield where, fault
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                fault = string_fault(key)
                if fault:
                    yield f"{where} (a key)", fault
                    continue
                stack.append((child, f"{where}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in reversed(list(enumerate(item))))


def variables_fault(variables: dict[str, Any] | None) -> GraphQLError | None:
    """The refusal for the first bad string in the request's variables, if any."""
    for where, fault in _walk(variables or {}, "$"):
        # "$.input.name" reads better as "$input.name"
        return GraphQLError(
            f"Variable {where.replace('$.', '$', 1)} contains {fault}.", extensions={"code": BAD_USER_INPUT}
        )
    return None


def _where(ancestors: list[Any], node: Node) -> str:
    """'Argument "input.address.city" of field "createCustomer"' for a literal inside an argument."""
    names: list[str] = []
    field: str | None = None
    variable: str | None = None
    chain = [a for a in ancestors if isinstance(a, Node)] + [node]
    for parent, child in itertools.pairwise(chain):
        if isinstance(parent, FieldNode):
            field, names = parent.name.value, []
        elif isinstance(parent, VariableDefinitionNode):
            variable = parent.variable.name.value
        elif isinstance(parent, ArgumentNode | ObjectFieldNode):
            names.append(parent.name.value)
        elif isinstance(parent, ListValueNode) and names:
            index = next((i for i, v in enumerate(parent.values) if v is child), None)
            names[-1] += f"[{index}]"
    if variable is not None:
        return f"The default value of ${variable}"
    where = f'Argument "{".".join(names)}"' if names else "A string"
    return f'{where} of field "{field}"' if field else where


class StringLiteralRule(ValidationRule):
    """Refuses string literals in the document that break ``string_fault``."""

    def enter_string_value(self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any) -> None:
        fault = string_fault(node.value)
        if fault is not None:
            message = f"{_where([*ancestors, parent], node)} contains {fault}."
            self.report_error(GraphQLError(message, node, extensions={"code": BAD_USER_INPUT}))
