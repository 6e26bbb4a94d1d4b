"""The root Query and Mutation combine the areas; ``build_schema`` adds the limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema.custom_fields import CustomFieldMutation, CustomFieldQuery
from schema.customers import CustomerMutation, CustomerQuery
from schema.duplicates import DuplicateMutation, DuplicateQuery
from schema.node_query import NodeQuery
from schema.portfolios import PortfolioMutation, PortfolioQuery
from schema.teams import TeamMutation, TeamQuery
from schema.tenants import TenantMutation, TenantQuery
from schema.users import UserQuery

log = logging.getLogger("crm.graphql")

Query = merge_types(
    "Query",
    (UserQuery, TenantQuery, NodeQuery, CustomerQuery, DuplicateQuery, PortfolioQuery, TeamQuery, CustomFieldQuery),
)
Mutation = merge_types(
    "Mutation",
    (CustomerMutation, DuplicateMutation, PortfolioMutation, TeamMutation, TenantMutation, CustomFieldMutation),
)


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    introspection: bool = True
    field_suggestions: bool = True


def is_unexpected(error: GraphQLError) -> bool:
    """An exception escaping a resolver is unexpected: its text may hold internals (SQL, paths).

    Errors we raise on purpose are GraphQLErrors with a code and no original error; parse,
    validation and variable-coercion errors happen before execution and carry no path.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError) and error.path is not None


class CrmSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error at %s", error.path, exc_info=error.original_error)
            else:
                code = (error.extensions or {}).get("code", "BAD_REQUEST")
                log.info("request refused (%s): %s", code, error.message)


class ErrorCodes(SchemaExtension):
    """Every error a client sees carries ``extensions.code``; masked ones become INTERNAL."""

    def on_operation(self) -> Any:
        yield
        result = self.execution_context.result
        if not result or not getattr(result, "errors", None):
            return
        for error in result.errors:
            extensions = error.extensions if error.extensions is not None else {}
            if "code" not in extensions:
                extensions["code"] = "INTERNAL_SERVER_ERROR" if error.message == MASKED_MESSAGE else "BAD_REQUEST"
            error.extensions = extensions


MASKED_MESSAGE = "Unexpected error."


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    # Factories, not instances: Strawberry builds fresh extensions for every request.
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        ErrorCodes,
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE),
    ]
    if not limits.introspection:
        extensions.append(DisableIntrospection)
    return CrmSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not limits.field_suggestions),
    )
