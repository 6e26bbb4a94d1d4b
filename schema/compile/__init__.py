"""The compiled read path (see ``schema.compile.execution``)."""

from schema.compile.execution import CompiledExecutionContext

__all__ = ["CompiledExecutionContext"]
