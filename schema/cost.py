"""How many objects a request may produce, computed from the document before anything runs.

The model is GitHub's node limit: every list field contributes the number of items it may
return times the items of every list above it, and the request's cost is the sum over the
whole operation. A connection counts its page size (``first``/``last`` as sent, through
variables too, else the argument's default); its ``edges`` and ``nodes`` are that same page and
add nothing. A list without page arguments counts its known maximum, else ``DEFAULT_LIST_SIZE``.
Aliases, fragments and every member of a union are counted where they are selected, so the
figure is an upper bound of what execution could build.

The cost depends on variable values, and validation (cached per document) never sees them, so
the check runs as an extension after validation with the request's variables, and refuses the
operation before its first resolver.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

# Sizes of lists that have no page arguments.
DEFAULT_LIST_SIZE = 20
# The page size when an argument is absent and declares no default.
DEFAULT_PAGE_SIZE = 20
PAGE_ARGUMENTS = ("first", "last")

CompositeType = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


def _fixed_list_sizes() -> dict[tuple[str, str], int]:
    from schema.customer_type import OPEN_TASKS

    return {("Customer", "openTasks"): OPEN_TASKS}


class QueryTooComplex(GraphQLError):
    def __init__(self, cost: int, limit: int) -> None:
        super().__init__(
            f"This request could produce up to {cost:,} objects; the limit is {limit:,} per request. "
            "Ask for smaller pages (first) on nested lists, or split the request.",
            extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "limit": limit},
        )


class CostCalculator:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = schema
        self.variables = dict(variables or {})
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variable_defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or () if d.default_value
        }
        self.fixed_sizes = _fixed_list_sizes()

    def selection_cost(
        self, selections: SelectionSetNode, parent: CompositeType, multiplier: int, spreads: frozenset[str]
    ) -> int:
        cost = 0
        for node, owner, seen in self._fields(selections, parent, spreads):
            if node.name.value.startswith("__"):
                continue  # introspection is bounded by the schema's size
            if isinstance(owner, GraphQLUnionType):
                continue  # a union selects only __typename directly
            field = owner.fields.get(node.name.value)
            if field is None:
                continue  # validation reports it
            size = self.list_size(owner, node, field)
            inner = multiplier if size is None else multiplier * size
            if size is not None:
                cost += inner
            target = get_named_type(field.type)
            if node.selection_set is not None and isinstance(target, CompositeType):
                cost += self.selection_cost(node.selection_set, target, inner, seen)
        return cost

    def _fields(
        self, selections: SelectionSetNode, parent: CompositeType, spreads: frozenset[str]
    ) -> Iterator[tuple[FieldNode, Any, frozenset[str]]]:
        """The fields of a selection set with the type they are selected on, through fragments."""
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent, spreads
            elif isinstance(selection, InlineFragmentNode):
                owner = self._type_condition(selection.type_condition, parent)
                yield from self._fields(selection.selection_set, owner, spreads)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spreads:
                    continue  # unknown or cyclic: validation reports it
                owner = self._type_condition(fragment.type_condition, parent)
                # A spread's fields cost what they cost where the spread sits: walk it there.
                yield from self._fields(fragment.selection_set, owner, spreads | {name})

    def _type_condition(self, condition: Any, parent: CompositeType) -> Any:
        if condition is None:
            return parent
        found = self.schema.get_type(condition.name.value)
        return found if isinstance(found, CompositeType) else parent

    def list_size(self, owner: Any, node: FieldNode, field: GraphQLField) -> int | None:
        """How many items the field may return, or None when it is not a list of its own."""
        if "pageInfo" in owner.fields:
            return None  # edges and nodes are the connection's page, counted on the connection
        pages = [self.page_argument(node, field, name) for name in PAGE_ARGUMENTS if name in field.args]
        if pages:
            return max(pages)
        return_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(return_type, GraphQLList):
            return self.fixed_sizes.get((owner.name, node.name.value), DEFAULT_LIST_SIZE)
        return None

    def page_argument(self, node: FieldNode, field: GraphQLField, name: str) -> int:
        value: Any = Undefined
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                variable = argument.value.name.value
                if variable in self.variables:
                    value = self.variables[variable]
                elif isinstance(self.variable_defaults.get(variable), IntValueNode):
                    value = int(self.variable_defaults[variable].value)  # type: ignore[union-attr]
        if not isinstance(value, int) or isinstance(value, bool):
            # Absent, null or not an integer (coercion refuses the latter): the declared default.
            default = field.args[name].default_value
            value = default if isinstance(default, int) else DEFAULT_PAGE_SIZE
        return max(value, 0)


def find_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == operation_name), None)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The most objects in lists the operation could produce (0 when it cannot be chosen)."""
    operation = find_operation(document, operation_name)
    if operation is None:
        return 0  # execution refuses an ambiguous or unknown operation name itself
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    calculator = CostCalculator(schema, document, variables, operation)
    return calculator.selection_cost(operation.selection_set, root, 1, frozenset())


class CostLimit(SchemaExtension):
    """Refuse, before execution, an operation whose lists could produce more than ``max_nodes`` objects."""

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.result:
            schema = context.schema._schema
            cost = operation_cost(schema, document, context.operation_name, context.variables)
            if cost > self.max_nodes:
                # A result set here makes Strawberry skip execution.
                context.result = GraphQLExecutionResult(data=None, errors=[QueryTooComplex(cost, self.max_nodes)])
        yield
