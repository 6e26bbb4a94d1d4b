"""The per-request context every resolver receives, built once by the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import strawberry

from authz.access import Access
from authz.errors import Unauthenticated
from authz.masking import contact_hidden
from schema.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request


@dataclass(slots=True)
class Context:
    request: Request | None
    # None when the request carried no credential, or a bad one (then ``auth_error`` says why).
    _access: Access | None
    auth_error: Unauthenticated | None = None
    loaders: Loaders = field(init=False)
    _contact_hidden: bool | None = None
    # Set when execution begins (schema/execution.py): errors without it are request errors.
    executed: bool = False
    # The name of the operation executed (None when anonymous or not executed), for logs and metrics.
    operation_name: str | None = None
    # The largest file an import may upload (CRM_IMPORT_MAX_BYTES).
    import_max_bytes: int = 50 * 1024 * 1024

    def __post_init__(self) -> None:
        self.loaders = Loaders(self._access)

    @property
    def access(self) -> Access:
        if self._access is None or not self._access.authenticated:
            raise self.auth_error or Unauthenticated()
        return self._access

    @property
    def contact_hidden(self) -> bool:
        """Decided once per request: does the caller get contact data masked?"""
        if self._contact_hidden is None:
            self._contact_hidden = contact_hidden(self.access)
        return self._contact_hidden


Info: TypeAlias = strawberry.Info[Context, None]
