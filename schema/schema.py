"""The root Query and Mutation combine the areas; ``build_schema`` adds the limits."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from schema.appointments import AppointmentMutation
from schema.audit import AuditQuery
from schema.contracts import ContractMutation
from schema.conversations import ConversationMutation, ConversationQuery
from schema.cost import CostLimit
from schema.custom_fields import CustomFieldMutation, CustomFieldQuery
from schema.customer_deletion import CustomerDeletionMutation, CustomerDeletionQuery
from schema.customer_mutations import CustomerMutation
from schema.customers import CustomerQuery
from schema.duplicates import DuplicateMutation, DuplicateQuery
from schema.execution import CrmExecutionContext
from schema.exports import ExportMutation
from schema.imports import ImportMutation, ImportQuery
from schema.integrations import IntegrationMutation, IntegrationQuery
from schema.lifecycle import LifecycleMutation
from schema.node_query import NodeQuery
from schema.notes import NoteMutation
from schema.outages import CODE as DATABASE_UNAVAILABLE
from schema.outages import DatabaseOutages
from schema.portfolios import PortfolioMutation, PortfolioQuery
from schema.purchases import PurchaseMutation
from schema.reports import ReportMutation, ReportQuery
from schema.saved_filters import SavedFilterMutation, SavedFilterQuery
from schema.scalars import SCALAR_OVERRIDES
from schema.string_input import StringLiteralRule, variables_fault
from schema.tags import TagMutation, TagQuery
from schema.tasks import TaskMutation, TaskQuery
from schema.teams import TeamMutation, TeamQuery
from schema.tenants import TenantMutation, TenantQuery
from schema.timeouts import StatementTimeouts, cancelled_statement
from schema.users import UserQuery
from schema.webhooks import WebhookMutation, WebhookQuery

log = logging.getLogger("crm.graphql")

Query = merge_types(
    "Query",
    (
        UserQuery, TenantQuery, NodeQuery, CustomerQuery, DuplicateQuery, PortfolioQuery, TeamQuery,
        TaskQuery, ConversationQuery, CustomFieldQuery, TagQuery, SavedFilterQuery, ImportQuery,
        IntegrationQuery, AuditQuery, ReportQuery,
        WebhookQuery, CustomerDeletionQuery,
    ),
)  # fmt: skip
Mutation = merge_types(
    "Mutation",
    (
        CustomerMutation, DuplicateMutation, PortfolioMutation, TeamMutation, TenantMutation,
        NoteMutation, TaskMutation, AppointmentMutation, PurchaseMutation, ConversationMutation,
        CustomFieldMutation, TagMutation, SavedFilterMutation, ImportMutation,
        IntegrationMutation, ReportMutation, ContractMutation, LifecycleMutation,
        WebhookMutation, ExportMutation, CustomerDeletionMutation,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_nodes: int = 100_000
    statement_timeout_ms: int = 15_000
    introspection: bool = True
    field_suggestions: bool = True


def is_unexpected(error: GraphQLError) -> bool:
    """An exception escaping a resolver is unexpected: its text may hold internals (SQL, paths).

    Errors we raise on purpose are GraphQLErrors with a code and no original error; parse,
    validation and variable-coercion errors happen before execution and carry no path.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError) or error.path is None:
        return False
    return not cancelled_statement(error)  # a statement timeout is answered as TIMEOUT


# graphql-core appends " Did you mean 'a', 'b', or 'c'?" (or "... the enum value 'A'?", or
# "... 'owner { ... }'?") to parse, validation and coercion errors; names never hold a quote.
_SUGGESTION = re.compile(r"\s*Did you mean (?:the [a-z ]+ )?(?:'[^']*'(?:, or |, | or )?)+\?")


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


# Whether the request being executed named its operation (set by CrmSchema.execute).
_operation_named: ContextVar[bool] = ContextVar("operation_named", default=True)


class OperationNameRequired(SchemaExtension):
    """A document with several operations needs ``operationName``.

    Strawberry fills in the first operation's name when none is given, so graphql-core would run
    the first one; the GraphQL spec's GetOperation() asks for a request error instead.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if not _operation_named.get() and document is not None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if operations > 1:
                error = GraphQLError(f"The document has {operations} operations: name the one to run in operationName.")
                # A new list: the validation cache's own list must not change.
                context.pre_execution_errors = [*(context.pre_execution_errors or []), error]
        yield


class CrmSchema(strawberry.Schema):
    @staticmethod
    def remove_field_suggestion(error: GraphQLError) -> None:
        # Strawberry calls this for every error when field suggestions are off (production), but
        # itself only strips unknown-field suggestions: argument, enum value, type, input-field
        # and selection suggestions name the schema just the same.
        error.message = without_suggestions(error.message)

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        **options: Any,
    ) -> ExecutionResult:
        # Strings in variables are checked here, before anything is coerced (schema/string_input.py).
        refused = variables_fault(variable_values)
        if refused is not None:
            self._process_errors([refused])
            return ExecutionResult(data=None, errors=[refused])
        named = _operation_named.set(operation_name is not None)
        try:
            return await super().execute(query, variable_values, context_value, root_value, operation_name, **options)
        finally:
            _operation_named.reset(named)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error at %s", error.path, exc_info=error.original_error)
            elif cancelled_statement(error):
                log.warning("statement timeout at %s: %s", error.path, error.original_error)
            elif (error.extensions or {}).get("code") == DATABASE_UNAVAILABLE:
                log.warning("database unavailable at %s", error.path)
            else:
                code = (error.extensions or {}).get("code", "BAD_REQUEST")
                log.info("request refused (%s): %s", code, loggable(error.message))


# graphql-core quotes a variable's refused value in its message ("... got invalid value 'x'; ...",
# "... has invalid value at .email: ... 'x'."): the client sees it, the log does not.
_VARIABLE_VALUE = re.compile(r"(Variable '\$\w+' (?:got|has) invalid value)(?: at ([^\s:]+))?")


def loggable(message: str) -> str:
    """A refusal's message without the variable value graphql-core quotes in it (contact data, say)."""
    found = _VARIABLE_VALUE.match(message)
    if found is None:
        return message
    return f"{found[1]}{f' at {found[2]}' if found[2] else ''} (the value is not logged)."


MASKED_MESSAGE = "Unexpected error."


def with_codes(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every error a client sees carries ``extensions.code``; masked ones are INTERNAL."""
    for error in errors:
        extensions = error.setdefault("extensions", {})
        if "code" not in extensions:
            masked = error.get("message") == MASKED_MESSAGE
            extensions["code"] = "INTERNAL_SERVER_ERROR" if masked else "BAD_REQUEST"
    return errors


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    # Factories, not instances: Strawberry builds fresh extensions for every request. Clients send
    # the same documents over and over, so parsing and validating are cached; the limit rules are
    # built once so that the validation cache (keyed by the rules) can hit.
    limit_rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        StringLiteralRule,
    ]
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=512),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=512),
        OperationNameRequired,  # after the cache: it adds to the errors the cache hands back
        # After validation, with the request's variables: page sizes may come from them.
        lambda: CostLimit(max_nodes=limits.max_nodes),
        lambda: StatementTimeouts(timeout_ms=limits.statement_timeout_ms),
        DatabaseOutages,
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE),
    ]
    if not limits.introspection:
        extensions.append(DisableIntrospection)
    return CrmSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        execution_context_class=CrmExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(disable_field_suggestions=not limits.field_suggestions),
    )
