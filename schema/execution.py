"""How an operation is executed: every failing root field reported, and a mark that execution began.

graphql-core runs a query's root fields concurrently and, when a non-null one fails, cancels its
siblings and reports only the first failure, so which error a client saw depended on timing.
Here every root field runs to the end and each failure is reported with its own path, in the
order the fields were asked for. Mutations run one after another as the spec says; the first
non-null failure still ends them.

The mark (``Context.executed``) tells the HTTP layer that the document was executed; when it is
missing, the errors are request errors (parse, validation, operation or variable errors) and
``application/graphql-response+json`` answers them with 400.
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import GraphQLError
from graphql.pyutils import Path, Undefined

from schema.compile import CompiledExecutionContext


class CrmExecutionContext(CompiledExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        if hasattr(self.context_value, "executed"):
            self.context_value.executed = True
            name = self.operation.name
            self.context_value.operation_name = name.value if name is not None else None
        return super().execute_operation(serially)

    def execute_fields(
        self,
        parent_type: Any,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if path is not None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        failures: dict[str, GraphQLError] = {}
        pending: list[str] = []
        for response_name, field_details_list in grouped_field_set.items():
            field_path = Path(None, response_name, parent_type.name)
            try:
                result = self.execute_field(parent_type, source_value, field_details_list, field_path, position_context)
            except GraphQLError as error:
                failures[response_name] = error
                continue
            if result is Undefined:
                continue
            results[response_name] = result
            if self.is_awaitable(result):
                pending.append(response_name)
        order = list(grouped_field_set)
        if not pending:
            return self._root_results(results, failures, order, parent_type.name)

        async def settle() -> dict[str, Any]:
            outcomes = await asyncio.gather(*(results[name] for name in pending), return_exceptions=True)
            for name, outcome in zip(pending, outcomes, strict=True):
                if isinstance(outcome, GraphQLError):
                    failures[name] = outcome
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    results[name] = outcome
            return self._root_results(results, failures, order, parent_type.name)

        return settle()

    def _root_results(
        self, results: dict[str, Any], failures: dict[str, GraphQLError], order: list[str], type_name: str
    ) -> dict[str, Any]:
        if not failures:
            return results
        # A failed non-null root field nulls the whole answer; graphql-core records the error it
        # is raised with, so the others are recorded here, each at its own path, in field order.
        failed = [name for name in order if name in failures]
        for name in failed[:-1]:
            self.collected_errors.add(failures[name], Path(None, name, type_name))
        raise failures[failed[-1]]
